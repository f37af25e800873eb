"""What the privacy transform costs a listing: its public texts stored at write time (what the server
does) against the same transform run on every read, side by side at the database floor.

    .venv/bin/python -m bench.privacy [--seconds 5] [--rounds 3]

Cases: GET requests.json with no parameters (the last 90 days, 1,000 records) and a 30-day service
filter. Runs are interleaved (stored, on read, stored, ...) and the median of each is printed.
"""

from __future__ import annotations

import argparse
import re
import statistics
from datetime import UTC, datetime, timedelta

from open311.logic.request_search import RequestQuery

from . import db_floor
from .common import bench_url

#: The stored public text read by the API, and what the same column costs when redacted on read.
STORED = re.compile(r"coalesce\(service_request\.public_(description|status_notes|address), service_request\.\w+\)")


def on_read(sql: str) -> str:
    """The listing's SQL with each public text computed by the transform instead of read."""
    changed = STORED.sub(lambda match: f"redact_personal_data(service_request.{match.group(1)})", sql)
    assert changed != sql, "the listing no longer reads stored public texts"
    return changed


def main() -> None:
    """Print requests/s of each case with stored and with on-read public texts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = bench_url()
    now = datetime.now(UTC)
    cases = {
        "requests.json (90 days, 1,000)": RequestQuery(),
        "service_code + 30 days": RequestQuery(
            service_codes=["5201"], start_date=now - timedelta(days=30), end_date=now
        ),
    }
    for name, query in cases.items():
        stored_sql = db_floor.listing_sql(url, query)
        runs: dict[str, list[float]] = {"stored": [], "on read": []}
        for _ in range(args.rounds):
            for variant, sql in (("stored", stored_sql), ("on read", on_read(stored_sql))):
                runs[variant].append(db_floor.measure(url, sql, args.seconds)["rps"])
        stored, read = statistics.median(runs["stored"]), statistics.median(runs["on read"])
        print(
            f"{name:32} stored {stored:7.1f}/s   on read {read:7.1f}/s   on read costs "
            f"{(1 / read - 1 / stored) * 1000:5.1f} ms a page ({stored / read:.2f}x)",
            flush=True,
        )


if __name__ == "__main__":
    main()
