"""What the nginx front costs (or saves) beside gunicorn alone, interleaved in one run.

    .venv/bin/python -m bench.front_cost [--rounds 3] [--duration 8]

Each round serves the production layout (4 workers x 2 threads, access log on) behind nginx and
then without a front, and drives each with wrk (as many connections as threads) on services.json,
GET requests/{id}.json on random ids and POST requests.json. Database: ``OPEN311_BENCH_DATABASE_URL``,
else the one ``make run`` uses (the demo city). Prints requests/s per case and front, each round,
and the median ratio nginx / none.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from open311.config import load_settings
from open311.provision import database_url

from . import run
from .slow_clients import free_port


def main() -> None:
    """Interleave the two layouts and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds per case")
    args = parser.parse_args()
    url = os.environ.get("OPEN311_BENCH_DATABASE_URL") or database_url(load_settings())
    run.PORT = free_port()
    requests, highest, _size = run._count(url)
    key = run._client_key(url)
    directory = Path(tempfile.mkdtemp())
    scripts = {"id": run._lua_random_id(directory, "json", highest), "post": run._lua_post(directory, key)}
    cases = {
        "services.json": ("/open311/v2/services.json?jurisdiction_id=paris.fr", None),
        "GET one": ("/", scripts["id"]),
        "POST": ("/open311/v2/requests.json", scripts["post"]),
    }
    figures: dict[tuple[str, str], list[float]] = {}
    try:
        for number in range(args.rounds):
            for front in ("nginx", "none"):
                os.environ["OPEN311_FRONT"] = front
                with run.Server("open311:create_app()", url):
                    for case, (path, script) in cases.items():
                        result = run.wrk(path, args.duration, run.CONNECTIONS, script)
                        figures.setdefault((case, front), []).append(result["rps"])
                        print(f"round {number + 1} {front:5} {case:14} {result}", flush=True)
    finally:
        run._cleanup(url, highest)
    print(f"\n{requests:,} requests in the database; median requests/s over {args.rounds} rounds")
    for case in cases:
        nginx, alone = statistics.median(figures[case, "nginx"]), statistics.median(figures[case, "none"])
        print(f"{case:14} nginx {nginx:8.0f}   none {alone:8.0f}   nginx/none {nginx / alone:.2f}")


if __name__ == "__main__":
    main()
