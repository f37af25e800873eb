"""How long a posted request takes to become readable through a streaming read replica.

    .venv/bin/python -m bench.replica_lag [--posts 300] [--writers 4]

Starts a throwaway primary and its replica (pg_basebackup -R) under var/bench-replication, loads the Paris
demo city into the primary, and serves the app with ``READ_DATABASE_URL`` on the replica (in-process). It
then POSTs requests one at a time and, after each, polls ``GET requests/{id}.json`` (answered by the
replica) until it is found: the time from the POST's answer to the first successful GET is the
visibility lag (an upper bound: it includes the GET itself, about 1 ms). The same is measured again while ``--writers`` threads POST as fast as they can, and the
replica's replay position is compared with the primary's WAL position under that load. Figures printed.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import threading
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from open311 import create_app
from open311.cli import DEMO_CITY, DEMO_HISTORY
from open311.cluster import Cluster
from open311.config import load_settings
from open311.db import make_engine
from open311.logic.api_keys import create_key
from open311.logic.city_loader import load_city
from open311.provision import ensure_database, upgrade

from .common import percentile

PORTS = (54393, 54394)


def _points() -> list[tuple[float, float]]:
    with DEMO_HISTORY.open(encoding="utf-8") as handle:
        return [(float(row["latitude"]), float(row["longitude"])) for row in csv.DictReader(handle)]


def _post(client, key: str, points: list[tuple[float, float]]) -> str:
    lat, long = random.choice(points)  # noqa: S311 (load, not security)
    form = {"api_key": key, "service_code": "5201", "attribute[TAILLE]": "petit", "lat": lat, "long": long}
    reply = client.post("/open311/v2/requests.json", data=form)
    if reply.status_code != 200:
        raise RuntimeError(f"POST answered {reply.status_code}: {reply.get_data(as_text=True)}")
    return reply.get_json()[0]["service_request_id"]


def visibility(app, key: str, posts: int, points) -> list[float]:
    """Milliseconds from each POST's answer to the first GET (on the replica) that finds the request."""
    client = app.test_client()
    lags = []
    for _ in range(posts):
        request_id = _post(client, key, points)
        posted = time.perf_counter()
        while client.get(f"/open311/v2/requests/{request_id}.json").status_code == 404:
            if time.perf_counter() - posted > 10:
                raise RuntimeError(f"request {request_id} not visible on the replica after 10 s")
        lags.append((time.perf_counter() - posted) * 1000)
    return lags


def _summary(name: str, lags: list[float]) -> str:
    return (
        f"{name}: {len(lags)} requests, visible on the replica after p50 {percentile(lags, 0.5):.2f} ms, "
        f"p99 {percentile(lags, 0.99):.2f} ms, max {max(lags):.2f} ms"
    )


def main() -> None:
    """Set up the pair, measure, print, tear down."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    base = Path(load_settings()["VAR_DIR"]) / "bench-replication"
    shutil.rmtree(base, ignore_errors=True)
    primary, replica = Cluster(base / "primary", PORTS[0]), Cluster(base / "replica", PORTS[1])
    try:
        primary.ensure_running()
        ensure_database(primary.url())
        upgrade(primary.url())
        engine = make_engine(primary.url())
        with Session(engine) as session:
            load_city(session, DEMO_CITY, allow_private_webhooks=True)
            _row, key = create_key(session, "replica lag")
            session.commit()
        replica.replicate_from(primary)
        replica.start()
        app = create_app({"DATABASE_URL": primary.url(), "READ_DATABASE_URL": replica.url(), "LOG_LEVEL": "WARNING"})
        points = _points()
        visibility(app, key, 20, points)  # warm the connections and caches
        print(_summary("idle primary", visibility(app, key, args.posts, points)), flush=True)

        stop = threading.Event()
        written = [0] * args.writers

        def writer(number: int) -> None:
            client = app.test_client()
            while not stop.is_set():
                _post(client, key, points)
                written[number] += 1

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(args.writers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        lags = visibility(app, key, args.posts, points)
        byte_lags = []
        replica_engine = make_engine(replica.url())
        for _ in range(20):  # the replica's position first, so that the difference is never understated
            with Session(replica_engine) as session:
                replayed = session.scalar(text("SELECT pg_last_wal_replay_lsn()::text"))
            with Session(engine) as session:
                byte_lags.append(
                    session.scalar(text("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), :r)"), {"r": replayed})
                )
            time.sleep(0.1)
        stop.set()
        for thread in threads:
            thread.join()
        rate = sum(written) / (time.perf_counter() - started)
        print(_summary(f"under {args.writers} writers ({rate:.0f} POST/s besides)", lags), flush=True)
        print(
            f"replay position behind the primary's WAL under that load: p50 {percentile(byte_lags, 0.5):,.0f} bytes, "
            f"max {max(byte_lags):,.0f} bytes",
            flush=True,
        )
        engine.dispose()
        replica_engine.dispose()
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
