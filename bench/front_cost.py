"""What the nginx front costs (or saves) beside gunicorn alone, interleaved in one run.

    .venv/bin/python -m bench.front_cost [--rounds 3] [--duration 8]

Each round serves the production layout (4 workers x 2 threads, access log on) behind nginx and
then without a front, and drives each with wrk (as many connections as threads) on services.json,
GET requests/{id}.json on random ids and POST requests.json. Database: ``OPEN311_BENCH_DATABASE_URL``,
else the one ``make run`` uses (the demo city). Rate limits are lifted (the benchmark is one client).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from . import run
from .ab import arguments, interleave, report

UNLIMITED = {"OPEN311_RATE_LIMIT_ADDRESS": "0", "OPEN311_RATE_LIMIT_KEY": "0", "OPEN311_RATE_LIMIT_WRITES": "0"}


def main() -> None:
    """Interleave the two layouts and print the figures."""
    args, url = arguments(__doc__)
    requests, highest, _size = run._count(url)
    key = run._client_key(url)
    directory = Path(tempfile.mkdtemp())
    cases = {
        "services.json": ("/open311/v2/services.json?jurisdiction_id=paris.fr", None),
        "GET one": ("/", run._lua_random_id(directory, "json", highest)),
        "POST": ("/open311/v2/requests.json", run._lua_post(directory, key, url)),
    }
    variants = {"nginx": {**UNLIMITED, "OPEN311_FRONT": "nginx"}, "none": {**UNLIMITED, "OPEN311_FRONT": "none"}}
    try:
        figures = interleave(url, variants, cases, args.rounds, args.duration)
    finally:
        run._cleanup(url, highest)
    print(f"\n{requests:,} requests in the database; median requests/s over {args.rounds} rounds")
    report(figures, cases, variants, baseline="none")


if __name__ == "__main__":
    main()
