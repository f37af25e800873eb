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
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from queue import Full, Queue
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..formats import xml_illegal_character
from ..models import Jurisdiction, Service
from ..models.service_request import DETAILED_STATUSES
from . import import_store
from .datetimes import parse_w3c
from .import_store import STAGING_COLUMNS

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


# -- batches ----------------------------------------------------------------------------------------


@dataclass
class _Batch:
    """Checked rows (staging tuples) and what reading them found, ready for the database."""

    rows: list[tuple] = field(default_factory=list)
    read: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


def _batches(rows: Iterable[ImportRow | _Refused], batch_size: int) -> Iterator[_Batch]:
    """The rows in batches, each row's external id once per batch (a second one is refused)."""
    batch, seen = _Batch(), set()
    for row in rows:
        batch.read += 1
        if isinstance(row, _Refused):
            batch.refused.append((row.line, row.reason))
        elif row.external_id in seen:
            batch.refused.append((row.line, f"external id {row.external_id} appears twice in the file"))
        else:
            seen.add(row.external_id)
            batch.rows.append(row.staged())
            if len(batch.rows) >= batch_size:
                yield batch
                batch, seen = _Batch(), set()
    yield batch


_DONE = object()


def _read_ahead(batches: Iterator[_Batch], depth: int = 2) -> Iterator[_Batch]:
    """The batches, read and checked by a thread while the database stores the previous one (reading
    took a third of an import's time; waiting on the database releases the GIL)."""
    ready: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        ready.put(batch, timeout=0.5)
                        break
                    except Full:
                        continue
            ready.put(_DONE)
        except BaseException as exc:  # given to the importing thread
            ready.put(exc)

    reader = threading.Thread(target=produce, name="import-reader", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


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
    trusted_references = import_store.begin_import(session)
    if source_format == "dansmarue":
        rows = dansmarue_rows(records, catalogue, ZoneInfo(jurisdiction.time_zone))
    else:
        rows = generic_rows(records, catalogue, columns or {}, ZoneInfo(jurisdiction.time_zone))
    counting = import_store.statistics_waiting(session)
    unfolded = 0

    def fold() -> None:
        nonlocal unfolded
        session.execute(text(import_store.FOLD))
        session.commit()
        unfolded = 0

    try:
        for number, batch in enumerate(_read_ahead(_batches(rows, batch_size))):
            report.read += batch.read
            report.refused += batch.refused
            if batch.rows:
                import_store.stage(session, batch.rows, analyze=number == 0)
                report.refused += import_store.place(session, jurisdiction, analyze=number == 0)
                inserted, skipped = import_store.store(
                    session, jurisdiction, trusted_references=trusted_references, queue_statistics=counting
                )
                session.commit()
                report.imported += inserted
                report.skipped += skipped
                unfolded += inserted if counting else 0
                if unfolded >= import_store.FOLD_ROWS:
                    fold()
            if progress:
                progress(f"{report.read} rows read, {report.imported} imported")
    except BaseException:
        session.rollback()
        raise
    finally:
        if counting:
            import_store.statistics_on(session)
            session.commit()
    if unfolded:
        fold()
    report.refused.sort()
    return report
