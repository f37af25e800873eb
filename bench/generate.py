"""Fill the bench database with N realistic requests of the Paris demo (default 10 million).

    .venv/bin/python -m bench.generate [--requests 10000000] [--years 10] [--chunk 500000]

Ten years with a growth curve (density rising linearly: the last year holds about a fifth), points
drawn around the 6,003 real DansMaRue locations (about 60 m of jitter), a service mix over the whole
catalogue (sidewalks and bulky waste most common), open/closed and detailed-status mixes by age, and a
history for each request (created, plus the closing change for closed ones). Rows are produced by the
server (INSERT ... SELECT from generate_series, the bulk path: nothing crosses the wire), assigned to
arrondissements with ST_Covers and routed like the API does, chunk by chunk; secondary indexes and
foreign keys are dropped during the load and rebuilt afterwards, the statistics rollups are built once
from the loaded requests (stats_rebuild, in bulk), then everything is analysed.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from open311.cli import DEMO_CITY, DEMO_HISTORY
from open311.db import make_engine
from open311.logic.city_loader import load_city
from open311.logic.jurisdictions import resolve_jurisdiction
from open311.provision import ensure_database, reset_schema, upgrade

from .common import bench_url

LOADED_TABLES = ("service_request", "service_request_area", "request_update")
#: Statistics rollups: emptied with the requests, filled once in bulk after the load (stats_rebuild).
ROLLUP_TABLES = ("request_stats", "stats_pending")

#: Relative frequency of each service (others: 1). Sidewalk and roadway defects, bulky waste and
#: cleanliness dominate DansMaRue.
SERVICE_WEIGHTS = {"5201": 40, "5101": 15, "1002": 25, "1010": 15, "3405": 10, "3407": 10, "3602": 12, "6010": 6}

CLOSED_MIX = [
    ("fixed", 70),
    ("closed", 10),
    ("duplicate", 8),
    ("not_responsible", 5),
    ("no_further_action", 5),
    ("cancelled", 2),
]
OPEN_MIX = [("received", 40), ("investigating", 20), ("in_progress", 25), ("action_scheduled", 10), ("reopened", 5)]


def _pick(mix: list[tuple[str, int]], variable: str) -> str:
    """A SQL CASE choosing a value of ``mix`` from a uniform random ``variable`` in [0, 1)."""
    total, bound, arms = sum(w for _, w in mix), 0, []
    for value, weight in mix[:-1]:
        bound += weight
        arms.append(f"WHEN {variable} < {bound / total:.4f} THEN '{value}'")
    return f"CASE {' '.join(arms)} ELSE '{mix[-1][0]}' END"


CHUNK_SQL = """
CREATE TEMP TABLE gen ON COMMIT DROP AS
WITH draws AS (
    SELECT g AS id,
           1 + floor(random() * :points)::int AS point_index,
           (:services)[1 + floor(random() * cardinality(:services))::int] AS service_id,
           -- ids grow with time, as in a live system (recent requests sit together on disk); the
           -- square root gives a density rising linearly over the years
           :start_epoch + sqrt((g - 1 + random()) / :total) * :span_seconds AS requested_epoch,
           random() AS status_draw, random() AS mix_draw, random() AS delay_draw,
           random() - 0.5 AS dx, random() - 0.5 AS dy
    FROM generate_series(:first, :last) AS g
)
SELECT d.id, d.service_id,
       p.lon + d.dx * 0.0016 AS lon, p.lat + d.dy * 0.0011 AS lat,
       to_timestamp(d.requested_epoch) AS requested,
       CASE WHEN d.status_draw < (CASE WHEN d.requested_epoch < :now_epoch - 60 * 86400 THEN 0.97 ELSE 0.45 END)
            THEN {closed} ELSE {open} END AS detailed_status,
       d.delay_draw, p.address, p.zipcode, p.channel
FROM draws d JOIN bench_point p ON p.i = d.point_index;

CREATE TEMP TABLE gen_area ON COMMIT DROP AS
SELECT DISTINCT ON (g.id, l.id) g.id, l.id AS layer_id, l.rank, a.id AS area_id
FROM gen g
JOIN area a ON ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(g.lon, g.lat), 4326))
JOIN area_layer l ON l.id = a.layer_id AND l.jurisdiction_id = :jurisdiction
ORDER BY g.id, l.id, a.code;

CREATE TEMP TABLE gen_route ON COMMIT DROP AS
SELECT DISTINCT ON (x.id) x.id, r.department_id
FROM gen_area x JOIN gen g ON g.id = x.id
JOIN routing_rule r ON r.area_id = x.area_id AND r.service_id = g.service_id
ORDER BY x.id, x.rank DESC;

ANALYZE gen, gen_area, gen_route;

INSERT INTO service_request (
    id, jurisdiction_id, service_id, department_id, detailed_status, status_notes, description, address,
    zipcode, location, requested_datetime, updated_datetime, expected_datetime, channel, closed_datetime,
    first_response_datetime)
SELECT g.id, :jurisdiction, g.service_id,
       COALESCE(rt.department_id, s.default_department_id, :default_department),
       g.detailed_status,
       CASE WHEN g.detailed_status IN ('fixed', 'closed') THEN 'Intervention réalisée.' END,
       CASE WHEN g.delay_draw < 0.3 THEN 'Signalé depuis l''application.' END,
       g.address, g.zipcode, ST_SetSRID(ST_MakePoint(g.lon, g.lat), 4326), g.requested, g.updated,
       g.requested + make_interval(hours => s.resolution_hours),
       g.channel,
       -- (statistics: the one status change of the history below closes it or answers it)
       CASE WHEN g.detailed_status IN ({closed_list}) THEN g.updated END,
       CASE WHEN g.detailed_status <> 'received' THEN g.updated END
FROM (SELECT gen.*, LEAST(gen.requested + (gen.delay_draw ^ 3) * interval '60 days', now()) AS updated FROM gen) g
JOIN service s ON s.id = g.service_id LEFT JOIN gen_route rt ON rt.id = g.id;

INSERT INTO service_request_area (request_id, layer_id, area_id, requested_datetime)
SELECT x.id, x.layer_id, x.area_id, g.requested FROM gen_area x JOIN gen g ON g.id = x.id;

INSERT INTO request_update (jurisdiction_id, request_id, kind, created, old_status, new_status, department_id,
                            old_department_id)
SELECT :jurisdiction, r.id, 'created', r.requested_datetime, NULL, 'received', r.department_id, r.department_id
FROM service_request r WHERE r.id BETWEEN :first AND :last
UNION ALL
SELECT :jurisdiction, r.id, 'status', r.updated_datetime, 'received', r.detailed_status, r.department_id,
       r.department_id
FROM service_request r WHERE r.id BETWEEN :first AND :last AND r.detailed_status <> 'received';
"""


def _constraints_and_indexes(session: Session) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Foreign keys (table, name, definition) and non-primary indexes (name, definition) of the loaded tables."""
    tables = ", ".join(f"'{t}'" for t in LOADED_TABLES)
    foreign_keys = session.execute(
        text(
            f"SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "  # noqa: S608 (fixed table names)
            f"WHERE contype = 'f' AND conrelid::regclass::text IN ({tables})"
        )
    ).all()
    indexes = session.execute(
        text(
            f"SELECT i.indexname, i.indexdef FROM pg_indexes i LEFT JOIN pg_constraint c ON c.conname = i.indexname "  # noqa: S608 (fixed table names)
            f"WHERE i.tablename IN ({tables}) AND c.contype IS DISTINCT FROM 'p' AND c.contype IS DISTINCT FROM 'u'"
        )
    ).all()
    return [tuple(row) for row in foreign_keys], [tuple(row) for row in indexes]


def _load_points(session: Session) -> int:
    session.execute(
        text(
            "CREATE TEMP TABLE bench_point (i int PRIMARY KEY, lon float8, lat float8, address text, zipcode text, "
            "channel text)"
        )
    )
    with DEMO_HISTORY.open(encoding="utf-8") as handle:
        rows = [
            (i, float(r["longitude"]), float(r["latitude"]), r["adresse"], r["code_postal"], r["prefixe"])
            for i, r in enumerate(csv.DictReader(handle), start=1)
        ]
    cursor = session.connection().connection.cursor()
    with cursor.copy("COPY bench_point FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return len(rows)


def generate(url: str, requests: int, years: float, chunk: int, fresh: bool = True) -> dict:
    """Build the bench database; returns the timings (seconds) of each phase."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if fresh:
        ensure_database(url)
        reset_schema(url)
        upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_city(session, Path(DEMO_CITY), allow_private_webhooks=True)
        session.commit()
        paris = resolve_jurisdiction(session, "paris.fr")
        services = session.execute(
            text("SELECT id, service_code FROM service WHERE jurisdiction_id = :j ORDER BY position"), {"j": paris.id}
        ).all()
        weighted = [sid for sid, code in services for _ in range(SERVICE_WEIGHTS.get(code, 1))]
        session.execute(
            text(
                f"TRUNCATE service_request, service_request_area, request_update, outbox_event, {', '.join(ROLLUP_TABLES)} CASCADE"
            )
        )
        foreign_keys, indexes = _constraints_and_indexes(session)
        for table, name, _definition in foreign_keys:
            session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        for name, _definition in indexes:
            session.execute(text(f'DROP INDEX "{name}"'))
        session.commit()
        timings["setup"] = time.perf_counter() - started

        now_epoch = float(session.scalar(text("SELECT extract(epoch FROM now())")))
        points = _load_points(session)
        span = years * 365.25 * 86400
        sql = (
            CHUNK_SQL.replace("{closed}", _pick(CLOSED_MIX, "d.mix_draw"))
            .replace("{open}", _pick(OPEN_MIX, "d.mix_draw"))
            .replace("{closed_list}", ", ".join(f"'{status}'" for status, _weight in CLOSED_MIX))
        )
        statements = [s for s in sql.split(";\n") if s.strip()]
        loading = time.perf_counter()
        for first in range(1, requests + 1, chunk):
            last = min(first + chunk - 1, requests)
            params = {
                "points": points, "services": weighted, "start_epoch": now_epoch - span, "span_seconds": span,
                "now_epoch": now_epoch, "first": first, "last": last, "jurisdiction": paris.id, "total": requests,
                "default_department": paris.default_department_id,
            }  # fmt: skip
            # the statistics triggers wait: the rollups are built once from the loaded requests (below)
            session.execute(text("SET LOCAL open311.statistics = 'off'"))
            for statement in statements:
                session.execute(text(statement), {k: v for k, v in params.items() if f":{k}" in statement})
            session.commit()
            elapsed = time.perf_counter() - loading
            print(f"{last:>12,} requests  {elapsed:7.0f} s  {last / elapsed:8.0f} rows/s", flush=True)
        timings["load"] = time.perf_counter() - loading

        indexing = time.perf_counter()
        session.execute(text("SET maintenance_work_mem = '1GB'"))
        session.commit()
        for name, definition in indexes:
            print(f"index {name}", flush=True)
            session.execute(text(definition))
            session.commit()
        for table, name, definition in foreign_keys:
            session.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
            session.commit()
        session.execute(text("SELECT setval(pg_get_serial_sequence('service_request', 'id'), :n)"), {"n": requests})
        session.execute(
            text("SELECT setval(pg_get_serial_sequence('request_update', 'id'), (SELECT max(id) FROM request_update))")
        )
        session.commit()
        timings["indexes"] = time.perf_counter() - indexing
        rollups = time.perf_counter()
        session.execute(text("SELECT stats_rebuild(:jurisdiction)"), {"jurisdiction": paris.id})
        session.commit()
        timings["rollups"] = time.perf_counter() - rollups
    analysing = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    timings["analyse"] = time.perf_counter() - analysing
    engine.dispose()
    timings["total"] = time.perf_counter() - started
    return timings


def main() -> None:
    """Generate and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000_000)
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--chunk", type=int, default=500_000)
    args = parser.parse_args()
    timings = generate(bench_url(), args.requests, args.years, args.chunk)
    print("timings: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()))


if __name__ == "__main__":
    main()
