"""The set-based half of the importer: one batch of checked rows stored in one transaction, all or nothing.

Steps, each a statement or two over the batch as a whole (a set-based step such as statistics rollups
fits between :func:`store` and the commit, reading ``import_inserted``):

1. :func:`stage`: the rows go to a temporary table by COPY.
2. :func:`place`: each row is assigned to one area of each layer (``ST_Covers``, the border rule of a
   POST) and routed (most specific rule, then the service's and the jurisdiction's defaults); rows outside
   every area are refused unless the jurisdiction accepts them.
3. :func:`store`: rows whose ``external_id`` is already stored are skipped, the others are inserted in
   time order (neighbouring entries of the time-ordered indexes), with their ``created`` history row and
   their areas. Importers of one jurisdiction take turns per batch (an advisory lock), so the skip is exact.

Referential integrity: every id a batch writes comes from rows the batch locks first (``FOR KEY SHARE``,
as a foreign-key check does: the jurisdiction, its services, departments, layers and areas), so no
concurrent change can remove what a row refers to. When the session may (a superuser), the per-row
foreign-key triggers are then skipped for the batch (``session_replication_role = replica``): they
checked, row by row, what the locks already guarantee, and took a third of an import's time at 1M rows
(bench/RESULTS.md). Other triggers of these tables are ``ENABLE ALWAYS`` (migrations perf3, perf4) and still run;
while one of them is not, the shortcut is off (:data:`_REPLICA_SAFE`).
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..models import Jurisdiction

log = logging.getLogger(__name__)

STAGING_COLUMNS = (
    "line", "external_id", "service_id", "requested_datetime", "updated_datetime", "detailed_status",
    "description", "address", "zipcode", "lon", "lat", "channel",
)  # fmt: skip

#: Temporary tables of a session, emptied at each commit (created once per import).
_TABLES = """
CREATE TEMP TABLE IF NOT EXISTS import_staging (
    line integer, external_id text, service_id integer, requested_datetime timestamptz,
    updated_datetime timestamptz, detailed_status text, description text, address text, zipcode text,
    lon double precision, lat double precision, channel text
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS import_area (line integer, layer_id integer, rank integer, area_id integer)
    ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS import_route (line integer, department_id integer) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS import_inserted (line integer, id bigint, department_id integer)
    ON COMMIT DELETE ROWS
"""

#: Extension (statistics): the changes the batch's requests bring to the rollups, queued in the batch's
#: transaction as the statistics' triggers queue them (the triggers wait during an import: the session
#: runs with ``open311.statistics`` off). Statistics read queued changes at once; :data:`FOLD` adds them
#: to the rollups, once per :data:`FOLD_ROWS` imported rows rather than at each batch.
_COUNT = """
INSERT INTO stats_pending (
    sign, jurisdiction_id, layer_id, area_id, service_id, department_id, status, requested, closed, responded,
    expected)
SELECT 1, r.jurisdiction_id, coalesce(a.layer_id, 0), coalesce(a.area_id, 0), r.service_id,
       coalesce(r.department_id, 0), r.status, r.requested_datetime, r.closed_datetime,
       r.first_response_datetime, r.expected_datetime
FROM import_inserted i
JOIN service_request r ON r.id = i.id
CROSS JOIN LATERAL (
    SELECT NULL::integer AS layer_id, NULL::integer AS area_id
    UNION ALL SELECT x.layer_id, x.area_id FROM service_request_area x WHERE x.request_id = r.id
) a
"""
FOLD = "SELECT stats_fold()"
#: Imported rows between two folds of the queued statistics changes (one set-based pass each).
FOLD_ROWS = 200_000

_LOCK = """
SELECT pg_advisory_xact_lock(hashtext('open311.import'), :jurisdiction);
SELECT 1 FROM jurisdiction WHERE id = :jurisdiction FOR KEY SHARE;
SELECT 1 FROM service WHERE jurisdiction_id = :jurisdiction FOR KEY SHARE;
SELECT 1 FROM department WHERE jurisdiction_id = :jurisdiction FOR KEY SHARE;
SELECT 1 FROM area_layer WHERE jurisdiction_id = :jurisdiction FOR KEY SHARE;
SELECT 1 FROM area a JOIN area_layer l ON l.id = a.layer_id WHERE l.jurisdiction_id = :jurisdiction
    FOR KEY SHARE OF a
"""

_ASSIGN = """
INSERT INTO import_area (line, layer_id, rank, area_id)
SELECT DISTINCT ON (s.line, l.id) s.line, l.id, l.rank, a.id
FROM import_staging s
JOIN area a ON ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326))
JOIN area_layer l ON l.id = a.layer_id AND l.jurisdiction_id = :jurisdiction
ORDER BY s.line, l.id, a.code
"""

_ROUTE = """
INSERT INTO import_route (line, department_id)
SELECT DISTINCT ON (x.line) x.line, r.department_id
FROM import_area x
JOIN import_staging s ON s.line = x.line
JOIN routing_rule r ON r.area_id = x.area_id AND r.service_id = s.service_id
ORDER BY x.line, x.rank DESC
"""

_OUTSIDE = """
DELETE FROM import_staging s WHERE NOT EXISTS (SELECT 1 FROM import_area x WHERE x.line = s.line)
RETURNING s.line, s.lat, s.lon
"""

#: Rows already stored (a second run of the same file) leave the batch.
_KNOWN = """
DELETE FROM import_staging s USING service_request r
WHERE r.jurisdiction_id = :jurisdiction AND r.external_id = s.external_id
"""

_INSERT = """
WITH inserted AS (
    INSERT INTO service_request (
        jurisdiction_id, service_id, department_id, detailed_status, description, address, zipcode,
        location, requested_datetime, updated_datetime, expected_datetime, external_id, channel,
        location_description)
    SELECT :jurisdiction, s.service_id,
        COALESCE(rt.department_id, sv.default_department_id, :default_department),
        s.detailed_status, s.description, s.address, s.zipcode,
        ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), s.requested_datetime, s.updated_datetime,
        s.requested_datetime + make_interval(hours => sv.resolution_hours), s.external_id, s.channel,
        CASE WHEN s.address IS NULL THEN location_description(
            ARRAY(SELECT x.area_id FROM import_area x WHERE x.line = s.line), :jurisdiction, NULL, s.lon, s.lat) END
    FROM import_staging s JOIN service sv ON sv.id = s.service_id LEFT JOIN import_route rt ON rt.line = s.line
    ORDER BY s.requested_datetime, s.line
    RETURNING id, external_id, department_id, detailed_status, requested_datetime
), history AS (
    INSERT INTO request_update (
        jurisdiction_id, request_id, kind, created, new_status, department_id, old_department_id)
    SELECT :jurisdiction, i.id, 'created', i.requested_datetime, i.detailed_status, i.department_id, i.department_id
    FROM inserted i
    ORDER BY i.id
), areas AS (
    INSERT INTO service_request_area (request_id, layer_id, area_id, requested_datetime)
    SELECT i.id, x.layer_id, x.area_id, i.requested_datetime
    FROM inserted i JOIN import_staging s ON s.external_id = i.external_id JOIN import_area x ON x.line = s.line
    ORDER BY x.area_id, i.requested_datetime
)
INSERT INTO import_inserted (line, id, department_id)
SELECT s.line, i.id, i.department_id FROM inserted i JOIN import_staging s ON s.external_id = i.external_id
"""


#: Whether batches may run with ``session_replication_role = replica``: only a superuser may set it, and
#: every trigger of the written tables that is not a foreign-key check must fire in that mode as it does
#: otherwise (``ENABLE ALWAYS``, or disabled). A trigger added later without ``ENABLE ALWAYS`` (a
#: statistics rollup, a derived column) turns the shortcut off rather than being skipped.
#: ``_NOT_ALWAYS`` lists the triggers that do not; ``_REPLICA_MODE`` reads both conditions at once.
_NOT_ALWAYS = """
SELECT tgrelid::regclass || '.' || tgname FROM pg_trigger
WHERE NOT tgisinternal AND tgenabled NOT IN ('A', 'D')
  AND tgrelid IN ('service_request'::regclass, 'request_update'::regclass, 'service_request_area'::regclass)
"""
_REPLICA_SAFE = f"SELECT rolsuper AND NOT EXISTS ({_NOT_ALWAYS}) FROM pg_roles WHERE rolname = current_user"  # noqa: S608
_REPLICA_MODE = f"SELECT rolsuper, ARRAY({_NOT_ALWAYS} ORDER BY 1) FROM pg_roles WHERE rolname = current_user"  # noqa: S608


def begin_import(session: Session) -> bool:
    """Create the session's temporary tables; whether batches may skip the per-row foreign-key triggers
    (a warning names the triggers that keep a superuser's import from it: it runs several times slower)."""
    session.execute(text(_TABLES))
    session.commit()
    superuser, triggers = session.execute(text(_REPLICA_MODE)).one()
    if superuser and triggers:
        log.warning("The import checks references row by row: triggers %s are not ENABLE ALWAYS", ", ".join(triggers))
    return bool(superuser and not triggers)


def stage(session: Session, rows: list[tuple], *, analyze: bool) -> None:
    """COPY the rows (tuples of :data:`STAGING_COLUMNS`) into ``import_staging``; ``analyze`` gives the
    temporary tables statistics (once per import: without them the joins nest-loop)."""
    # Emptied at each commit already; a caller's outer transaction (a savepoint's commit) may keep them.
    session.execute(text("TRUNCATE import_staging, import_area, import_route, import_inserted"))
    cursor = session.connection().connection.cursor()
    with cursor.copy(f"COPY import_staging ({', '.join(STAGING_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    if analyze:
        session.execute(text("ANALYZE import_staging"))


def place(session: Session, jurisdiction: Jurisdiction, *, analyze: bool) -> list[tuple[int, str]]:
    """Lock what the batch refers to, assign and route its rows; the refused rows (outside every area)
    with their reasons."""
    params = {"jurisdiction": jurisdiction.id}
    for statement in _LOCK.split(";"):
        session.execute(text(statement), params)
    session.execute(text(_ASSIGN), params)
    session.execute(text(_ROUTE))
    if analyze:
        session.execute(text("ANALYZE import_area, import_route"))
    if jurisdiction.accept_outside:
        return []
    return [
        (line, f"({lat}, {lon}) is outside the jurisdiction {jurisdiction.jurisdiction_id}")
        for line, lat, lon in session.execute(text(_OUTSIDE))
    ]


def store(
    session: Session, jurisdiction: Jurisdiction, *, trusted_references: bool, queue_statistics: bool = False
) -> tuple[int, int]:
    """Insert the staged rows not stored yet, with their history and areas (``import_inserted`` lists
    them); (inserted, skipped). ``trusted_references``: :func:`place` locked every row they refer to, so
    the per-row foreign-key triggers are skipped for this transaction. ``queue_statistics``: the statistics'
    triggers wait (:func:`statistics_waiting`), so the batch queues its changes itself."""
    params = {"jurisdiction": jurisdiction.id, "default_department": jurisdiction.default_department_id}
    skipped = session.execute(text(_KNOWN), params).rowcount
    if trusted_references:
        session.execute(text("SET LOCAL session_replication_role = replica"))
    inserted = session.execute(text(_INSERT), params).rowcount
    if trusted_references:
        session.execute(text("SET LOCAL session_replication_role = DEFAULT"))
    if inserted and queue_statistics:
        session.execute(text(_COUNT))
    return inserted, skipped


def statistics_waiting(session: Session) -> bool:
    """Turn the statistics' triggers off for the session's connection (the session must keep it) and say
    whether they were on: then :func:`store` queues each batch's changes itself, :data:`FOLD` adds them up
    in bulk and :func:`statistics_on` turns them back on. Off already: a bulk load that rebuilds the
    rollups once afterwards (logic/demo.py)."""
    was_on = session.scalar(text("SELECT current_setting('open311.statistics', true)")) != "off"
    session.execute(text("SELECT set_config('open311.statistics', 'off', false)"))
    return was_on


def statistics_on(session: Session) -> None:
    """The statistics' triggers fire again on the session's connection."""
    session.execute(text("SELECT set_config('open311.statistics', 'on', false)"))
