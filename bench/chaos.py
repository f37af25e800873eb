"""The reliability run: POST load while gunicorn workers are killed (-9) and PostgreSQL crashes and restarts.

    .venv/bin/python -m bench.chaos [--seconds 60] [--clients 8] [--every 5]

A throwaway PostgreSQL under var/chaos (a free port, Paris loaded) and the production layout of
``open311 serve`` (nginx in front of 4 gunicorn workers x 2 threads) on a free port. ``--clients``
threads submit distinct requests as an app would: a submission that fails (an error status or a
broken connection) is sent again, the same, after a pause, until it is acknowledged (its folding
makes the repeat safe). Every ``--every`` seconds, in turn: ``kill -9`` of a random worker, then an
immediate stop of PostgreSQL (a crash: recovery at start) and its start. At the end it prints the
submissions acknowledged against the requests stored (every acknowledged one must be stored, and no
submission stored twice), and the status codes seen overall and while the database was down.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from open311.cli import DEMO_CITY, server_layout
from open311.cluster import Cluster
from open311.config import load_settings
from open311.db import make_engine
from open311.logic.api_keys import create_key
from open311.logic.city_loader import load_city
from open311.provision import ensure_database, upgrade

from .slow_clients import free_port

ROOT = Path(__file__).resolve().parent.parent
UNLIMITED = {f"OPEN311_RATE_LIMIT_{name}": str(10**9) for name in ("KEY", "WRITES", "ADDRESS")}


class Load:
    """Client threads submitting distinct requests until told to stop, each until acknowledged."""

    def __init__(self, port: int, key: str, clients: int):
        self.port, self.key = port, key
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acknowledged: dict[str, str] = {}  # description -> service_request_id
        self.statuses: list[tuple[float, int]] = []  # (when, status; 0 for a broken connection)
        self.threads = [threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(clients)]

    def _post(self, body: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("POST", "/open311/v2/requests.json", body=body,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
            response = connection.getresponse()
            return response.status, response.read()
        except OSError:
            return 0, b""
        finally:
            connection.close()

    def _client(self, number: int) -> None:
        sent = 0
        while not self.stop.is_set():
            description = f"chaos-{number}-{sent}"
            lat, long = 48.85 + random.random() * 0.02, 2.30 + random.random() * 0.06  # noqa: S311
            body = urllib.parse.urlencode({
                "api_key": self.key, "service_code": "5201", "attribute[TAILLE]": "petit",
                "lat": f"{lat:.6f}", "long": f"{long:.6f}", "description": description,
            })  # fmt: skip
            while True:  # the same submission until it is acknowledged
                status, answer = self._post(body)
                with self.lock:
                    self.statuses.append((time.monotonic(), status))
                if status == 200:
                    import json

                    with self.lock:
                        self.acknowledged[description] = json.loads(answer)[0]["service_request_id"]
                    break
                if status == 400:  # refused for good (a point outside Paris): not an error of the run
                    break
                time.sleep(0.5)
            sent += 1

    def start(self) -> None:
        """Start the clients."""
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        """Stop taking new submissions; wait for those in flight to be acknowledged."""
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)


def _workers(arbiter: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(arbiter)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in children if "nginx" not in Path(f"/proc/{pid}/comm").read_text()]


def main() -> None:
    """Run the chaos and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of the run")
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    parser.add_argument("--every", type=float, default=5, help="seconds between two blows")
    args = parser.parse_args()

    base = Path(load_settings()["VAR_DIR"]) / "chaos"
    shutil.rmtree(base, ignore_errors=True)
    cluster = Cluster(base, free_port())
    cluster.ensure_running()
    url = cluster.url()
    ensure_database(url)
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_city(session, DEMO_CITY)
        _row, key = create_key(session, "chaos")
        session.commit()

    port = free_port()
    settings = load_settings()
    layout = server_layout(settings, "open311:create_app()", "127.0.0.1", port, settings["WORKERS"])
    layout.run_dir, layout.access_log = base / "run", False
    arguments, extra = layout.command()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    environment = {**os.environ, **extra, **UNLIMITED, "OPEN311_DATABASE_URL": url, "OPEN311_LOG_LEVEL": "ERROR"}
    server = subprocess.Popen([gunicorn, *arguments], cwd=ROOT, env=environment,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    outages: list[tuple[float, float]] = []
    blows = Counter()
    try:
        time.sleep(5)
        load = Load(port, key, args.clients)
        load.start()
        deadline = time.monotonic() + args.seconds
        turn = 0
        while time.monotonic() < deadline:
            time.sleep(args.every)
            if turn % 2 == 0:
                workers = _workers(server.pid)
                if workers:
                    os.kill(random.choice(workers), signal.SIGKILL)  # noqa: S311
                    blows["worker killed (-9)"] += 1
            else:
                down = time.monotonic()
                cluster.stop(mode="immediate")
                cluster.start()
                outages.append((down, time.monotonic()))
                blows["PostgreSQL crashed and restarted"] += 1
            turn += 1
        load.finish()
    finally:
        server.terminate()
        server.wait(timeout=60)
    with engine.connect() as connection:
        stored = dict(connection.execute(text(
            "SELECT description, count(*) FROM service_request WHERE description LIKE 'chaos-%' GROUP BY 1"
        )).all())  # fmt: skip
        found = {str(row[0]) for row in connection.execute(text("SELECT id FROM service_request"))}
    engine.dispose()
    cluster.stop()
    shutil.rmtree(base, ignore_errors=True)

    lost = [d for d, request_id in load.acknowledged.items() if request_id not in found]
    twice = {d: n for d, n in stored.items() if n > 1}
    during = Counter(status for when, status in load.statuses if any(a <= when <= b + 2 for a, b in outages))
    print(f"blows: {dict(blows)}")
    print(f"acknowledged {len(load.acknowledged)}, stored {sum(stored.values())} "
          f"({len(stored)} distinct submissions), acknowledged but lost {len(lost)}, stored twice {len(twice)}")  # fmt: skip
    print(f"status codes (0: connection broken): {dict(sorted(Counter(s for _w, s in load.statuses).items()))}")
    print(f"status codes while PostgreSQL was down (and 2 s after): {dict(sorted(during.items()))}")
    if lost or twice or any(status >= 500 and status != 503 for _w, status in load.statuses):
        sys.exit(1)


if __name__ == "__main__":
    main()
