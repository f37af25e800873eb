"""The database floor: the API's own SQL run from a plain psycopg loop, rows encoded to JSON.

It is what the API could not do faster with any framework: one connection, the compiled statement of
the case, fetch, ``orjson.dumps`` of the rows (the API's encoder). Latencies are per query at one client.
"""

from __future__ import annotations

import random
import time
from datetime import datetime

import orjson
import psycopg
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from open311.db import make_engine
from open311.logic import request_search
from open311.logic.jurisdictions import resolve_jurisdiction
from open311.logic.request_records import record_query
from open311.logic.request_search import RequestQuery, current_snapshot
from open311.models import ServiceRequest

from .common import percentile


def _sql(statement) -> str:
    return str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def listing_sql(url: str, query: RequestQuery) -> str:
    """The SQL the API runs for one page of ``query`` (the snapshot taken now), its parameters written in."""
    engine = make_engine(url)
    with Session(engine) as session:
        paris = resolve_jurisdiction(session, "paris.fr")
        sql = literal_sql(session, *request_search.listing_sql(session, paris, query, current_snapshot(session)))
    engine.dispose()
    return sql


def literal_sql(session: Session, sql: str, parameters: dict) -> str:
    """``sql`` with its parameters written in as literals (psycopg's own quoting)."""
    return psycopg.ClientCursor(session.connection().connection.driver_connection).mogrify(sql, parameters)


def single_sql() -> str:
    """GET requests/{id}: the API's statement with a placeholder for the id."""
    statement = record_query().where(ServiceRequest.id == 123456789, ServiceRequest.jurisdiction_id == 1)
    statement = statement.params(time_zone="Europe/Paris")
    return _sql(statement).replace("123456789", "%s")


def _default(value):
    return value.isoformat() if isinstance(value, datetime) else str(value)


def measure(url: str, sql: str, seconds: float, ids: int | None = None, *, cached_plan: bool = False) -> dict:
    """Run ``sql`` in a loop for ``seconds`` (with a random id from 1..ids when given); rps and p50/p99 in ms.

    Each run is planned anew, as the API plans its listings (their dates, boxes and filters change from
    one call to the next: a plan kept for other values can take seconds, open311/db.py). With
    ``cached_plan`` psycopg prepares the repeated statement after a few runs, so its plan is made once:
    what no server can do for listings whose values change, measured for comparison. The lookup of one
    id (``ids``) is prepared either way, as the API prepares it."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    latencies = []
    with psycopg.connect(dsn, autocommit=True) as connection:
        cursor = connection.cursor()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            parameters = (random.randint(1, ids),) if ids else None  # noqa: S311 (load, not security)
            cursor.execute(sql, parameters, prepare=bool(ids or cached_plan))
            columns = [c.name for c in cursor.description]
            orjson.dumps([dict(zip(columns, row, strict=True)) for row in cursor.fetchall()], default=_default)
            latencies.append(time.perf_counter() - started)
    total = sum(latencies)
    return {
        "rps": len(latencies) / total,
        "p50": percentile(latencies, 0.50) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
    }
