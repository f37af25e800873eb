"""Bulk import of a city's history: checked row by row, assigned and routed in PostGIS by batch.

Rows are read and checked in Python (service, location, dates, lengths); each refused row is
reported with its line number and reason. Accepted rows go to a staging table by COPY, then one
set of statements assigns them to areas (ST_Covers, the same border rule as a POST), routes them
(most specific rule, then the service's and the jurisdiction's defaults) and inserts them. The
``external_id`` makes a second run skip what the first one stored. Each imported request gets its
``created`` history row; no webhook event is sent for history. A row without an address gets its
location described from its areas, as a POST does.

Historical requests are not held to the attributes their service requires today.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..formats import xml_illegal_character
from ..models import Jurisdiction, Service
from ..models.service_request import DETAILED_STATUSES
from .datetimes import parse_w3c

BATCH_SIZE = 5000

#: Generic CSV: the columns the importer reads (override with ``columns``).
GENERIC_COLUMNS = {
    "external_id": "external_id",
    "service_code": "service_code",
    "requested_datetime": "requested_datetime",
    "updated_datetime": "updated_datetime",
    "status": "status",
    "lat": "lat",
    "long": "long",
    "address": "address",
    "zipcode": "zipcode",
    "description": "description",
    "channel": "channel",
}

STAGING_COLUMNS = (
    "line", "external_id", "service_id", "requested_datetime", "updated_datetime", "detailed_status",
    "description", "address", "zipcode", "lon", "lat", "channel",
)  # fmt: skip


class RowProblem(ValueError):
    """Why one row is refused."""


@dataclass
class ImportReport:
    """What an import did: counts and every refused line with its reason."""

    read: int = 0
    imported: int = 0
    skipped: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the operator."""
        return (
            f"{self.read} rows read, {self.imported} imported, {self.skipped} already imported, "
            f"{len(self.refused)} refused"
        )


# -- reading the formats ------------------------------------------------------------------------


@dataclass
class ImportRow:
    """A checked row, ready for staging."""

    line: int
    external_id: str
    service_id: int
    requested_datetime: datetime
    updated_datetime: datetime
    detailed_status: str
    description: str | None
    address: str | None
    zipcode: str | None
    lon: float
    lat: float
    channel: str | None

    def staged(self) -> tuple:
        """The staging table's tuple."""
        return tuple(getattr(self, name) for name in STAGING_COLUMNS)


def _coordinates(lat_text: str | None, long_text: str | None) -> tuple[float, float]:
    try:
        lat, lon = float(lat_text), float(long_text)
    except (TypeError, ValueError):
        raise RowProblem(f"no usable coordinates (lat={lat_text!r}, long={long_text!r})") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise RowProblem(f"coordinates out of range (lat={lat}, long={lon})")
    return lon, lat


def _text(value: str | None, name: str, limit: int) -> str | None:
    value = (value or "").strip() or None
    if value is not None and len(value) > limit:
        raise RowProblem(f"{name} is longer than {limit:,} characters")
    bad = value and xml_illegal_character(value)
    if bad:
        raise RowProblem(f"{name} contains the character U+{ord(bad):04X}, which XML cannot carry")
    return value


class _Catalogue:
    """Service lookups of one jurisdiction, by code and by name."""

    def __init__(self, session: Session, jurisdiction: Jurisdiction):
        services = session.scalars(select(Service).where(Service.jurisdiction_id == jurisdiction.id)).all()
        self.by_code = {s.service_code: s.id for s in services}
        self.by_name = {s.service_name.casefold(): s.id for s in services}


def dansmarue_rows(records: Iterable[tuple[int, dict]], catalogue: _Catalogue, zone: ZoneInfo) -> Iterator[ImportRow]:
    """DansMaRue open-data export rows (``id_dmr``, ``soustype``, ``datedecl``, ``latitude``, ...).

    The service is the one named like the row's ``soustype``; the date (day only) is taken at
    midnight in the city's time zone; the export lists processed reports, so they are stored closed.
    """
    for line, row in records:
        try:
            external_id = _text(row.get("id_dmr"), "id_dmr", 100)
            if not external_id:
                raise RowProblem("no id_dmr")
            soustype = (row.get("soustype") or "").strip()
            service_id = catalogue.by_name.get(soustype.casefold())
            if service_id is None:
                raise RowProblem(f"no service named '{soustype}' in the catalogue")
            try:
                day = date.fromisoformat((row.get("datedecl") or "").strip())
            except ValueError:
                raise RowProblem(f"datedecl is not a date: {row.get('datedecl')!r}") from None
            requested = datetime.combine(day, time(0, 0), tzinfo=zone)
            lon, lat = _coordinates(row.get("latitude"), row.get("longitude"))
            yield ImportRow(
                line, external_id, service_id, requested, requested, "closed", None,
                _text(row.get("adresse"), "adresse", 1000), _text(row.get("code_postal"), "code_postal", 20),
                lon, lat, _text(row.get("prefixe"), "prefixe", 100),
            )  # fmt: skip
        except RowProblem as problem:
            yield problem_row(line, str(problem))


def generic_rows(
    records: Iterable[tuple[int, dict]], catalogue: _Catalogue, columns: dict[str, str], zone: ZoneInfo
) -> Iterator[ImportRow]:
    """Generic CSV rows: the columns of :data:`GENERIC_COLUMNS` (renamed by ``columns``).

    Datetimes are read as the API reads them (a ``T`` or a space, fractions, ``Z``, ``+01:00``, ``+0100``
    or ``+01``: PostgreSQL's own text form loads as is); one without a zone, or a bare date (its
    midnight), is in the city's time zone, as exports of ``timestamp without time zone`` columns are.
    """
    mapping = {**GENERIC_COLUMNS, **columns}
    for line, row in records:
        values = {name: row.get(column) for name, column in mapping.items()}
        get = values.get
        try:
            external_id = _text(get("external_id"), "external_id", 100)
            if not external_id:
                raise RowProblem("no external_id")
            code = (get("service_code") or "").strip()
            if code not in catalogue.by_code:
                raise RowProblem(f"unknown service_code '{code}'")
            requested = parse_w3c(get("requested_datetime") or "", "requested_datetime", zone)
            updated_text = (get("updated_datetime") or "").strip()
            updated = parse_w3c(updated_text, "updated_datetime", zone) if updated_text else requested
            status = (get("status") or "open").strip().lower()
            status = {"open": "received"}.get(status, status)
            if status not in DETAILED_STATUSES:
                raise RowProblem(f"unknown status '{status}'")
            lon, lat = _coordinates(get("lat"), get("long"))
            yield ImportRow(
                line, external_id, catalogue.by_code[code], requested, updated, status,
                _text(get("description"), "description", 4000), _text(get("address"), "address", 1000),
                _text(get("zipcode"), "zipcode", 20), lon, lat, _text(get("channel"), "channel", 100),
            )  # fmt: skip
        except RowProblem as problem:
            yield problem_row(line, str(problem))
        except Exception as problem:  # parse_w3c's BadRequest
            yield problem_row(line, getattr(problem, "description", str(problem)))


@dataclass
class _Refused:
    line: int
    reason: str


def problem_row(line: int, reason: str) -> _Refused:
    """A refused row in the stream of rows."""
    return _Refused(line, reason)


# -- the set-based part ---------------------------------------------------------------------------

_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS import_staging (
    line integer, external_id text, service_id integer, requested_datetime timestamptz,
    updated_datetime timestamptz, detailed_status text, description text, address text, zipcode text,
    lon double precision, lat double precision, channel text
)
"""

_ASSIGN = """
CREATE TEMP TABLE import_area AS
SELECT DISTINCT ON (s.line, l.id) s.line, l.id AS layer_id, l.rank, a.id AS area_id
FROM import_staging s
JOIN area a ON ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326))
JOIN area_layer l ON l.id = a.layer_id AND l.jurisdiction_id = :jurisdiction
ORDER BY s.line, l.id, a.code
"""

_ROUTE = """
CREATE TEMP TABLE import_route AS
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
    ON CONFLICT (jurisdiction_id, external_id) DO NOTHING
    RETURNING id, external_id, department_id, detailed_status, requested_datetime
), history AS (
    INSERT INTO request_update (
        jurisdiction_id, request_id, kind, created, new_status, department_id, old_department_id)
    SELECT :jurisdiction, i.id, 'created', i.requested_datetime, i.detailed_status, i.department_id, i.department_id
    FROM inserted i
), areas AS (
    INSERT INTO service_request_area (request_id, layer_id, area_id, requested_datetime)
    SELECT i.id, x.layer_id, x.area_id, i.requested_datetime
    FROM inserted i JOIN import_staging s ON s.external_id = i.external_id JOIN import_area x ON x.line = s.line
)
SELECT count(*) FROM inserted
"""


def _import_batch(session: Session, jurisdiction: Jurisdiction, rows: list[ImportRow], report: ImportReport) -> None:
    seen: set[str] = set()
    unique = []
    for row in rows:
        if row.external_id in seen:
            report.refused.append((row.line, f"external id {row.external_id} appears twice in the file"))
        else:
            seen.add(row.external_id)
            unique.append(row)
    session.execute(text(_STAGING))
    session.execute(text("TRUNCATE import_staging"))
    session.execute(text("DROP TABLE IF EXISTS import_area, import_route"))
    cursor = session.connection().connection.cursor()
    with cursor.copy(f"COPY import_staging ({', '.join(STAGING_COLUMNS)}) FROM STDIN") as copy:
        for row in unique:
            copy.write_row(row.staged())
    session.execute(text(_ASSIGN), {"jurisdiction": jurisdiction.id})
    session.execute(text(_ROUTE))
    # Temporary tables get no statistics by themselves; without them the joins below nest-loop.
    session.execute(text("ANALYZE import_staging, import_area, import_route"))
    if not jurisdiction.accept_outside:
        for line, lat, lon in session.execute(text(_OUTSIDE)):
            report.refused.append((line, f"({lat}, {lon}) is outside the jurisdiction {jurisdiction.jurisdiction_id}"))
    staged = session.scalar(text("SELECT count(*) FROM import_staging"))
    inserted = session.scalar(
        text(_INSERT), {"jurisdiction": jurisdiction.id, "default_department": jurisdiction.default_department_id}
    )
    report.imported += inserted
    report.skipped += staged - inserted
    session.execute(text("DROP TABLE import_area, import_route"))
    session.commit()


def import_requests(
    session: Session,
    jurisdiction: Jurisdiction,
    path: Path,
    *,
    source_format: str = "dansmarue",
    columns: dict[str, str] | None = None,
    delimiter: str = ",",
    batch_size: int = BATCH_SIZE,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import a CSV file of historical requests into ``jurisdiction``; commits once per batch."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        records = ((reader.line_num, row) for row in reader)
        return import_records(
            session, jurisdiction, records, source_format=source_format, columns=columns, batch_size=batch_size,
            progress=progress,
        )  # fmt: skip


def import_records(
    session: Session,
    jurisdiction: Jurisdiction,
    records: Iterable[tuple[int, dict]],
    *,
    source_format: str = "csv",
    columns: dict[str, str] | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import rows given as (line number, {column: text}) pairs, as :func:`import_requests` does a file's."""
    report = ImportReport()
    catalogue = _Catalogue(session, jurisdiction)
    if source_format == "dansmarue":
        rows = dansmarue_rows(records, catalogue, ZoneInfo(jurisdiction.time_zone))
    else:
        rows = generic_rows(records, catalogue, columns or {}, ZoneInfo(jurisdiction.time_zone))
    batch: list[ImportRow] = []
    for row in rows:
        report.read += 1
        if isinstance(row, _Refused):
            report.refused.append((row.line, row.reason))
            continue
        batch.append(row)
        if len(batch) >= batch_size:
            _import_batch(session, jurisdiction, batch, report)
            batch = []
            if progress:
                progress(f"{report.read} rows read, {report.imported} imported")
    if batch:
        _import_batch(session, jurisdiction, batch, report)
    report.refused.sort()
    return report
