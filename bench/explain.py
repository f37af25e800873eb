"""Print the query plans of the main GET requests queries, as the API builds them.

``.venv/bin/python bench/explain.py [--analyze] [--jurisdiction paris.fr]`` against the configured
database (DATABASE_URL or the private cluster). Each plan should use an index on service_request
(or service_request_area, or the GiST index on location), never a sequential scan of it.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from open311.config import load_settings
from open311.db import make_engine
from open311.logic.jurisdictions import resolve_jurisdiction
from open311.logic.request_search import RequestQuery, current_snapshot, listing_sql
from open311.provision import database_url

NOW = datetime.now(UTC)

#: The queries apps run all day, one per filter family.
CASES = {
    "default (last 90 days, 1000)": RequestQuery(),
    "service_code + status + 30 days": RequestQuery(
        service_codes=["5201"], statuses=["open"], start_date=NOW - timedelta(days=30), end_date=NOW
    ),
    "updated_after (1 day)": RequestQuery(updated_after=NOW - timedelta(days=1)),
    "bbox around the 7th, 30 days": RequestQuery(
        bbox=(2.28, 48.84, 2.33, 48.87), start_date=NOW - timedelta(days=30), end_date=NOW
    ),
    "radius 500 m, 30 days": RequestQuery(lat=48.8584, long=2.2945, radius=500, start_date=NOW - timedelta(days=30)),
    "agency_responsible": RequestQuery(agencies=["DVD-STV-SO"]),
    "area": RequestQuery(areas=["7"]),
    "area + status, 30 days": RequestQuery(
        areas=["7"], statuses=["open"], start_date=NOW - timedelta(days=30), end_date=NOW
    ),
    "status closed": RequestQuery(statuses=["closed"]),
    "detailed_status in_progress": RequestQuery(detailed_statuses=["in_progress"]),
    "service_code, 5 years": RequestQuery(
        service_codes=["5201"], start_date=NOW - timedelta(days=5 * 365), end_date=NOW
    ),
    "service_request_id list": RequestQuery(service_request_ids=["1", "2", "3"]),
    "deep page (200 x 100)": RequestQuery(page=200, page_size=100, start_date=NOW - timedelta(days=90)),
}


def plans(session: Session, jurisdiction_id: str, analyze: bool = False) -> dict[str, str]:
    """The EXPLAIN output of every case."""
    jurisdiction = resolve_jurisdiction(session, jurisdiction_id)
    snapshot = current_snapshot(session)
    result = {}
    for name, query in CASES.items():
        connection = session.connection().connection.driver_connection
        sql = psycopg.ClientCursor(connection).mogrify(*listing_sql(session, jurisdiction, query, snapshot))
        options = "ANALYZE, BUFFERS" if analyze else "COSTS"
        rows = session.execute(text(f"EXPLAIN ({options}) {sql}")).scalars()
        result[name] = "\n".join(rows)
    return result


def main() -> None:
    """Print the plans."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyze", action="store_true", help="run the queries (EXPLAIN ANALYZE, BUFFERS)")
    parser.add_argument("--jurisdiction", default="paris.fr")
    args = parser.parse_args()
    engine = make_engine(database_url(load_settings()))
    with Session(engine) as session:
        for name, plan in plans(session, args.jurisdiction, args.analyze).items():
            print(f"== {name}\n{plan}\n")
    engine.dispose()


if __name__ == "__main__":
    main()
