"""Where the time of one benchmark case goes, in-process: per-request time, SQL statements, hot functions.

    .venv/bin/python -m bench.profile post|request_json|request_xml|requests_json|requests_xml|poll_json|statistics_area_month|
        statistics_service_10y|statistics_area_month_xml [--count 300]

Runs the case through Flask's test client against the bench database (OPEN311_BENCH_DATABASE_URL),
counts the SQL statements of one request, times ``--count`` requests, then prints cProfile's top
functions by cumulative and by own time. POSTs made here are deleted afterwards.

With ``--sampled`` the requests run without cProfile (whose per-call cost distorts a profile of many
small functions), for a sampling profiler outside the process (the ``bench`` extra installs py-spy):

    py-spy record -r 200 --format raw -o post.txt -- .venv/bin/python -m bench.profile post --sampled
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import time

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from open311 import create_app
from open311.db import make_engine
from open311.logic.api_keys import create_key
from open311.logic.jurisdictions import resolve_jurisdiction

from .common import bench_url, percentile, vacuum
from .insight_cases import statistics_paths

BASE = "/open311/v2"
#: The part of Paris the POST case draws its points from (inside the périphérique).
PARIS_BOX = (2.26, 48.825, 2.41, 48.895)
CASES = ["post", "request_json", "request_xml", "requests_json", "requests_xml", "poll_json", "statistics_area_month",
         "statistics_service_10y", "statistics_area_month_xml"]  # fmt: skip


def _case(name: str, client, key: str, highest: int, query: str = ""):
    """A function making one request of case ``name``."""
    if name == "post":

        def post():
            long = random.uniform(PARIS_BOX[0], PARIS_BOX[2])  # noqa: S311 (load, not security)
            lat = random.uniform(PARIS_BOX[1], PARIS_BOX[3])  # noqa: S311
            form = {"api_key": key, "service_code": "5201", "attribute[TAILLE]": "petit", "lat": lat, "long": long}
            return client.post(f"{BASE}/requests.json", data=form)

        return post
    if name.startswith("statistics_"):
        # Extension: the statistics cases of bench/insight_cases.py (issue 9 §6)
        path = statistics_paths()[0 if "area_month" in name else 1]
        if name.endswith("_xml"):
            path = path.replace("statistics.json", "statistics.xml")
        return lambda: client.get(path)
    if name.startswith("request_"):
        fmt = name.split("_")[1]
        return lambda: client.get(f"{BASE}/requests/{random.randint(1, highest)}.{fmt}")  # noqa: S311
    path = f"{BASE}/requests.{name.split('_')[1]}" + (f"?{query}" if query else "")
    if name.startswith("poll_"):
        # Polling (case 8): the listing asked again with the ETag of its last answer (a 304 while unchanged).
        tags = [client.get(path).headers["ETag"]]

        def poll():
            reply = client.get(path, headers={"If-None-Match": tags[0]})
            tags[0] = reply.headers.get("ETag", tags[0])
            return reply

        return poll
    return lambda: client.get(path)


def main() -> None:
    """Profile one case and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=CASES)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--query", default="", help="query string of the listing cases (e.g. service_code=5201)")
    parser.add_argument("--sampled", action="store_true", help="no cProfile: for py-spy outside the process")
    args = parser.parse_args()
    url = bench_url()
    engine = make_engine(url)
    with Session(engine) as session:
        highest = session.scalar(text("SELECT coalesce(max(id), 0) FROM service_request"))
        _row, key = create_key(session, "bench-profile", resolve_jurisdiction(session, "paris.fr"))
        session.commit()
    # Quotas out of reach, as in bench/run.py: every request is still counted, none refused.
    unlimited = {f"RATE_LIMIT_{name}": 10**9 for name in ("KEY", "WRITES", "ADDRESS")}
    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING", **unlimited})
    client = app.test_client()
    make = _case(args.case, client, key, highest, args.query)
    try:
        make()  # warm the caches
        statements: list[str] = []
        app_engine = app.extensions["open311.db"].engine
        listener = lambda *a: statements.append(a[2].split("\n")[0][:100])  # noqa: E731
        event.listen(app_engine, "before_cursor_execute", listener)
        status = make().status_code
        event.remove(app_engine, "before_cursor_execute", listener)
        print(f"status {status}; {len(statements)} SQL statements in one request:")
        for statement in statements:
            print(f"  {statement}")
        times = []
        profiler = cProfile.Profile()
        for _ in range(args.count):
            started = time.perf_counter()
            if not args.sampled:
                profiler.enable()
            make()
            profiler.disable()
            times.append((time.perf_counter() - started) * 1000)
        print(f"{args.count} requests: p50 {percentile(times, 0.5):.2f} ms, p99 {percentile(times, 0.99):.2f} ms")
        for order in () if args.sampled else ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(25)
            print(out.getvalue())
    finally:
        with Session(engine) as session:
            session.execute(text("DELETE FROM service_request WHERE id > :n"), {"n": highest})
            session.execute(text("DELETE FROM api_key WHERE name = 'bench-profile'"))
            session.commit()
        engine.dispose()
        if args.case == "post":
            vacuum(url)


if __name__ == "__main__":
    main()
