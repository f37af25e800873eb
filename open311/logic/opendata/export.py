"""Extension: bulk exports of a jurisdiction's requests as CSV, NDJSON or GeoJSON, at any size.

Rows come out of PostgreSQL by ``COPY (SELECT ...) TO STDOUT``, read message by message and written as
they come, in chunks: memory stays flat whatever the size, and the slowest side (the database, the
encoder or the client's connection) sets the pace. CSV is PostgreSQL's own (RFC 4180 quoting, at C
speed; lines end in CRLF); NDJSON and GeoJSON are encoded from a binary COPY of the same columns.
The validator (row count, latest change, highest id, photos published, the city file's last load) is
read in the same transaction as the rows (REPEATABLE READ where the connection allows), so the ETag,
``X-Result-Count`` and the body describe the same data.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import orjson
from psycopg import Connection
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...models import AreaLayer, Jurisdiction, ServiceRequest
from ..request_search import RequestQuery, request_conditions
from .columns import SQL_TYPES, RequestColumns
from .publication import publication

#: Changes whenever what an export contains for the same data changes (columns, transform): part of
#: every ETag, so that harvesters fetch again after an upgrade.
EXPORT_VERSION = "1"
FORMATS = ("csv", "ndjson", "geojson")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8; header=present",
    "ndjson": "application/x-ndjson",
    "geojson": "application/geo+json",
}
#: Bytes written at a time (a few hundred rows).
CHUNK_BYTES = 64 * 1024
#: zlib level of gzip responses: level 1 keeps up with the export (level 6 made it the bottleneck).
GZIP_LEVEL = 1


@dataclass(frozen=True)
class Validator:
    """What says whether an export changed: for ETag, Last-Modified and X-Result-Count."""

    count: int
    last_modified: datetime | None
    etag: str


def exported_jurisdiction(jurisdiction: Jurisdiction) -> Jurisdiction:
    """The jurisdiction, unless it is a sandbox (a 404: a sandbox publishes no open data)."""
    if jurisdiction.sandbox_of_id is not None:
        raise NotFound(f"{jurisdiction.jurisdiction_id} is a sandbox: it publishes no open data")
    return jurisdiction


def request_columns(session: Session, jurisdiction: Jurisdiction) -> RequestColumns:
    """The export columns of the jurisdiction (an area column per layer)."""
    layers = session.scalars(
        select(AreaLayer).where(AreaLayer.jurisdiction_id == jurisdiction.id).order_by(AreaLayer.rank)
    ).all()
    return RequestColumns(layers)


def _compile(statement: Select) -> tuple[str, dict]:
    compiled = statement.compile(dialect=psycopg_dialect(), compile_kwargs={"render_postcompile": True})
    return str(compiled), compiled.params


class Export:
    """An export on a session of its own: one transaction for its validator and its rows, closed when
    the rows are streamed (or on :meth:`close`)."""

    def __init__(self, session: Session, jurisdiction: Jurisdiction):
        self.session = session
        self.jurisdiction = exported_jurisdiction(jurisdiction)
        self._connection: Connection | None = None
        self._own_transaction = False

    def begin(self) -> Connection:
        """The export's transaction: one snapshot for the validator and the rows, datetimes written in the
        jurisdiction's time zone."""
        if self._connection is None:
            connection = self.session.connection().connection.driver_connection
            if connection.autocommit:  # the API's read sessions: a transaction of our own
                connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                self._own_transaction = True
            connection.execute(
                "SELECT set_config('TimeZone', %s, true), set_config('DateStyle', 'ISO, YMD', true)",
                (self.jurisdiction.time_zone,),
            )
            self._connection = connection
        return self._connection

    def _validator(self, key: tuple, aggregates: Select) -> Validator:
        """Run ``aggregates`` (count, latest change, then anything that must change the ETag) with the
        city file's last load, and make the validator."""
        changeset = select(Jurisdiction.changeset).where(Jurisdiction.id == self.jurisdiction.id).scalar_subquery()
        sql, params = _compile(aggregates.add_columns(changeset))
        count, updated, *more = self.begin().execute(sql, params).fetchone()
        last_modified = max((moment for moment in (updated, more[-1]) if moment is not None), default=None)
        digest = hashlib.sha256(repr((EXPORT_VERSION, *key, count, updated, *more)).encode())
        return Validator(count, last_modified, digest.hexdigest()[:32])

    def chunks(self, fmt: str) -> Iterator[bytes]:
        """The export's bytes in ``fmt``, a chunk at a time (in the export's transaction)."""
        return self._chunks(self.begin(), fmt)

    def stream(self, fmt: str, *, gzip: bool = False) -> Iterator[bytes]:
        """The export's bytes, gzipped if asked; the session is closed at the end (or when the consumer
        stops early)."""
        try:
            chunks = self.chunks(fmt)
            yield from _gzipped(chunks) if gzip else chunks
        finally:
            self.close()

    def _chunks(self, connection: Connection, fmt: str) -> Iterator[bytes]:
        raise NotImplementedError

    def close(self) -> None:
        """End the export's transaction and close its session."""
        connection, self._connection = self._connection, None
        try:
            if connection is not None and self._own_transaction and not connection.closed:
                connection.execute("ROLLBACK")  # read only: nothing to keep
        finally:
            self.session.close()


def _chunked(items: Iterable[bytes], separator: bytes, *, trailing: bool) -> Iterator[bytes]:
    """``items`` joined by ``separator``, about CHUNK_BYTES at a time. ``trailing``: the separator ends
    every item (line ends); else it stands between items only (across chunks too)."""
    batch: list = []
    size, lead, end = 0, b"", separator if trailing else b""
    for item in items:
        batch.append(item)
        size += len(item)
        if size >= CHUNK_BYTES:
            yield lead + separator.join(batch) + end
            batch, size, lead = [], 0, b"" if trailing else separator
    if batch:
        yield lead + separator.join(batch) + end


def csv_chunks(connection: Connection, statement: Select) -> Iterator[bytes]:
    """PostgreSQL's CSV of ``statement`` (header first), lines ending in CRLF, in chunks."""
    sql, params = _compile(statement)
    with connection.cursor().copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)", params) as copy:
        # One row a message, ending with LF: RFC 4180 wants CRLF.
        yield from _chunked((line[:-1] for line in copy), b"\r\n", trailing=True)


class RequestExport(Export):
    """The requests matching a query (the listing's filters, no 90-day window, no row cap)."""

    def __init__(self, session: Session, jurisdiction: Jurisdiction, query: RequestQuery):
        super().__init__(session, jurisdiction)
        self.query = query
        self.columns = request_columns(session, jurisdiction)
        published = publication(session, jurisdiction)
        self.conditions: list[ColumnElement] = request_conditions(
            session, jurisdiction, query, published, bounded=False
        )

    def validator(self) -> Validator:
        """Count, latest change and ETag of this export (one pass over the matching requests)."""
        aggregates = select(
            func.count(),
            func.max(ServiceRequest.updated_datetime),
            func.max(ServiceRequest.id),
            func.count(ServiceRequest.media_url),
        ).where(*self.conditions)
        return self._validator((self.columns.names, sorted(vars(self.query).items(), key=str)), aggregates)

    def sql(self, *, csv: bool = False) -> tuple[str, dict]:
        """The SELECT of the rows (for CSV cells, or typed values) and its parameters, for psycopg."""
        return _compile(self.columns.statement(self.conditions, csv=csv))

    def _chunks(self, connection: Connection, fmt: str) -> Iterator[bytes]:
        if fmt == "csv":
            return csv_chunks(connection, self.columns.statement(self.conditions, csv=True))
        return self._ndjson(connection) if fmt == "ndjson" else self._geojson(connection)

    def _rows(self, connection: Connection) -> Iterator[dict]:
        sql, params = self.sql()
        names = self.columns.names
        with connection.cursor().copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT binary)", params) as copy:
            copy.set_types([SQL_TYPES[column.type] for column in self.columns.columns])
            for row in copy.rows():
                yield dict(zip(names, row, strict=True))

    def _ndjson(self, connection: Connection) -> Iterator[bytes]:
        return _chunked(map(orjson.dumps, self._rows(connection)), b"\n", trailing=True)

    def _geojson(self, connection: Connection) -> Iterator[bytes]:
        yield b'{"type":"FeatureCollection","features":[\n'
        yield from _chunked(map(_feature, self._rows(connection)), b",\n", trailing=False)
        yield b"\n]}\n"


def _feature(record: dict) -> bytes:
    """A GeoJSON Feature of an export row: its published point and its columns (one orjson call: writing
    the Feature around the properties' JSON with Python's float repr took 1.3-2x as long)."""
    return orjson.dumps({"type": "Feature", "geometry": point_geometry(record), "properties": record})


def point_geometry(record: dict) -> dict | None:
    """A GeoJSON Point of the record's ``long``/``lat`` (null for a request without a location)."""
    if record.get("lat") is None or record.get("long") is None:
        return None
    return {"type": "Point", "coordinates": [record["long"], record["lat"]]}


def _gzipped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: the gzip container
    for chunk in chunks:
        compressed = compressor.compress(chunk)
        if compressed:
            yield compressed
    yield compressor.flush()
