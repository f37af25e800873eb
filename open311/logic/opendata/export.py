"""Extension: bulk exports of a jurisdiction's requests as CSV, NDJSON or GeoJSON, at any size.

Rows come out of PostgreSQL by ``COPY (SELECT ...) TO STDOUT``, read message by message and written as
they come, in chunks: memory stays flat whatever the size, and the slowest side (the database, the
encoder or the client's connection) sets the pace. CSV is PostgreSQL's own (RFC 4180 quoting, at C
speed; lines end in CRLF); NDJSON and GeoJSON are PostgreSQL's JSON of the same columns (one object
a row, read from a binary COPY and passed through as bytes). Large exports are read by two backends
at once (parallel.py).
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

from psycopg import Connection
from sqlalchemy import ColumnElement, Select, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...models import AreaLayer, Jurisdiction, ServiceRequest
from ..request_search import RequestQuery, request_conditions
from .columns import RequestColumns
from .parallel import ONE_SNAPSHOT, ParallelCopy, id_ranges, snapshot_connection
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
#: Rows of a range of ids read by one COPY when two backends share an export, and the fewest rows worth
#: a second backend. Both backends stay busy while a connection's queue (parallel.QUEUE_BLOCKS) holds
#: half a range: about 4 MB of CSV, 9 MB of GeoJSON. Smaller ranges cost a plan each (about 1 ms).
RANGE_ROWS = 20_000
PARALLEL_ROWS = 2 * RANGE_ROWS
#: Rows of a JSON export sent as one COPY row (a message of about 50 KB: fewer messages cost the
#: backend and the reader less, 6.1 against 7.0 us a row at 128). Blocks read every id of their span
#: by the primary key, so they are used only where at least BLOCK_DENSITY of the ids between the first
#: and the last row are rows of the export (a block then spans BLOCK_ROWS / BLOCK_DENSITY ids at most);
#: a sparser export is sent a row a message. NDJSON of services at 10M, one backend, rows a message
#: against blocks: 23% of the ids 18.8 against 17.0 s, 5.8% 7.1 against 6.2 s, 2.3% 2.8 against 4.0 s,
#: 0.6% 0.9 against 1.7 s.
BLOCK_ROWS = 64
BLOCK_DENSITY = 0.1
#: How the JSON lines come out: a binary COPY sends each text as its length and bytes, untouched. A CSV
#: COPY scans every byte for quotes and delimiters (0.7 us a row of NDJSON in the backend) and the text
#: format would double the JSON's backslashes.
JSON_COPY = "FORMAT binary"
#: What a binary COPY's first message starts with: the signature, the flags and the header extension's
#: length (both 0); each row's message then starts with its field count (1) and the field's length.
BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
BINARY_FIELD_PREFIX = 6
BINARY_ONE_FIELD = b"\x00\x01"
#: The binary COPY's trailer (a field count of -1), a message of its own.
BINARY_TRAILER = b"\xff\xff"
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
        #: The validator's aggregates (count, latest change, then the rest), once read.
        self.aggregates: tuple | None = None
        self._isolation: str | None = None

    def begin(self) -> Connection:
        """The export's transaction: one snapshot for the validator and the rows, datetimes written in the
        jurisdiction's time zone."""
        if self._connection is None:
            connection = self.session.connection().connection.driver_connection
            if connection.autocommit:  # the API's read sessions: a transaction of our own
                connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                self._own_transaction, self._isolation = True, "repeatable read"
            connection.execute(
                "SELECT set_config('TimeZone', %s, true), set_config('DateStyle', 'ISO, YMD', true)",
                (self.jurisdiction.time_zone,),
            )
            self._connection = connection
        return self._connection

    def _one_snapshot(self) -> bool:
        """Whether the validator and the rows are read in one snapshot (REPEATABLE READ or SERIALIZABLE):
        JSON blocks span the ids the validator saw, and would leave out rows written since."""
        connection = self.begin()  # knows the isolation of a transaction it began
        if self._isolation is None:
            self._isolation = connection.execute("SELECT current_setting('transaction_isolation')").fetchone()[0]
        return self._isolation in ONE_SNAPSHOT

    def _validator(self, key: tuple, aggregates: Select) -> Validator:
        """Run ``aggregates`` (count, latest change, then anything that must change the ETag) with the
        city file's last load, and make the validator."""
        changeset = select(Jurisdiction.changeset).where(Jurisdiction.id == self.jurisdiction.id).scalar_subquery()
        sql, params = _compile(aggregates.add_columns(changeset))
        count, updated, *more = self.aggregates = tuple(self.begin().execute(sql, params).fetchone())
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
    """``items`` joined by ``separator``, up to CHUNK_BYTES at a time (an item longer than that in
    pieces of CHUNK_BYTES: a queue of chunks stays within its bytes). ``trailing``: the separator ends
    every item (line ends); else it stands between items only (across chunks too)."""
    batch: list = []
    size, lead, end = 0, b"", separator if trailing else b""
    step = len(separator)
    for item in items:
        if size + len(item) + step > CHUNK_BYTES and batch:
            yield from _pieces(lead + separator.join(batch) + end)
            batch, lead = [], b"" if trailing else separator
            size = len(lead)
        batch.append(item)
        size += len(item) + step  # the item and its separator
    if batch:
        yield from _pieces(lead + separator.join(batch) + end)


def _pieces(chunk: bytes) -> Iterator[bytes]:
    """``chunk`` in pieces of CHUNK_BYTES at most."""
    if len(chunk) <= CHUNK_BYTES:
        yield chunk
        return
    for start in range(0, len(chunk), CHUNK_BYTES):
        yield chunk[start : start + CHUNK_BYTES]


def csv_chunks(connection: Connection, statement: Select) -> Iterator[bytes]:
    """PostgreSQL's CSV of ``statement`` (header first), lines ending in CRLF, in chunks."""
    sql, params = _compile(statement)
    with connection.cursor().copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)", params) as copy:
        yield from _crlf(copy)


def _crlf(lines: Iterable) -> Iterator[bytes]:
    """A CSV COPY's lines, ending in CRLF, in chunks (one row a message, ending with LF: RFC 4180
    wants CRLF)."""
    return _chunked((line[:-1] for line in lines), b"\r\n", trailing=True)


def _json_lines(messages: Iterable) -> Iterator[bytes]:
    """A binary COPY's texts (the JSON lines of a block of rows, or of one row), each ending with LF, in
    chunks."""
    return _chunked(_binary_texts(messages), b"\n", trailing=True)


def _binary_texts(messages: Iterable) -> Iterator[memoryview]:
    """The one text field of each row of a binary COPY (a view of its message: no copy), each message
    checked to be one row of one non-null field that fills it. The messages are read to their end (the
    trailer's is skipped): the COPY must finish before the connection is used again."""
    messages = iter(messages)
    for first in messages:
        first = memoryview(first)
        if first[: len(BINARY_HEADER)] != BINARY_HEADER:
            raise ValueError("not a binary COPY")
        first = first[len(BINARY_HEADER) :]
        if first and first != BINARY_TRAILER:  # the header comes with the first row (or the trailer)
            yield _field(first)
        break
    for message in messages:
        if message != BINARY_TRAILER:
            yield _field(memoryview(message))


def _field(message: memoryview) -> memoryview:
    """The text of a binary COPY row of one field."""
    if message[:2] != BINARY_ONE_FIELD or int.from_bytes(message[2:6]) != len(message) - BINARY_FIELD_PREFIX:
        raise ValueError("a binary COPY message is not one row of one non-null field")
    return message[BINARY_FIELD_PREFIX:]


def _json_line(fmt: str) -> str:
    """The JSON line of a row ``r``: its object (NDJSON), or its Feature after a comma (GeoJSON: the
    consumer drops the first one); PostgreSQL writes numbers, booleans and nulls as JSON does and floats
    in their shortest exact form, as orjson did."""
    if fmt == "ndjson":
        return "row_to_json(r)::text"
    point = """'{"type":"Point","coordinates":[' || r.long || ',' || r.lat || ']}'"""
    geometry = f"CASE WHEN r.lat IS NULL OR r.long IS NULL THEN 'null' ELSE {point} END"
    return f"""',{{"type":"Feature","geometry":' || {geometry} || ',"properties":' || row_to_json(r) || '}}'"""


def _json_blocks_sql(sql: str, fmt: str) -> str:
    """The SELECT of the JSON lines of the rows of ``sql`` (whose ids run from ``blocks.low`` to
    ``blocks.high``), a block of ids at a time: each COPY row is the lines of one block, in id order
    (the ARRAY keeps the order of its subquery, which ``sql`` sorts)."""
    blocks = (
        "SELECT low, least(low + %(block_ids)s - 1, %(range_high)s::bigint) AS high "
        "FROM generate_series(%(range_low)s::bigint, %(range_high)s::bigint, %(block_ids)s::bigint) AS low"
    )
    # OFFSET 0: the block's lines are computed once, not again for the WHERE. Our own SQL, no input:
    lines = f"SELECT array_to_string(ARRAY(SELECT {_json_line(fmt)} FROM ({sql}) AS r), E'\\n') AS lines OFFSET 0"  # noqa: S608
    return f"SELECT a.lines FROM ({blocks}) AS blocks CROSS JOIN LATERAL ({lines}) AS a WHERE a.lines <> ''"  # noqa: S608


def block_ids(count: int, low: int | None, high: int | None) -> int | None:
    """How many ids a block of a JSON export spans (about BLOCK_ROWS of its ``count`` rows, if they are
    spread evenly from ``low`` to ``high``); None when the rows are too sparse for blocks."""
    if not count or low is None or high is None or count < BLOCK_DENSITY * (high - low + 1):
        return None
    return max(BLOCK_ROWS, -(-(high - low + 1) * BLOCK_ROWS // count))


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
            func.min(ServiceRequest.id),  # with the highest: the ranges of ids of a parallel export
        ).where(*self.conditions)
        return self._validator((self.columns.names, sorted(vars(self.query).items(), key=str)), aggregates)

    def sql(self, *, csv: bool = False) -> tuple[str, dict]:
        """The SELECT of the rows (for CSV cells, or typed values) and its parameters, for psycopg."""
        return _compile(self.columns.statement(self.conditions, csv=csv))

    def _copy(self, fmt: str, *, ranged: bool = False, header: bool = True) -> tuple[str, dict]:
        """The COPY statement of the rows in ``fmt`` and its parameters, of the ids from ``range_low`` to
        ``range_high`` if ``ranged``: CSV, or the JSON lines of the rows, a block of rows a COPY row when
        the export is dense enough (:func:`block_ids`), else a row a COPY row."""
        ids = (bindparam("range_low", 0), bindparam("range_high", 0)) if ranged else None
        if fmt == "csv":
            sql, params = _compile(self.columns.statement(self.conditions, csv=True, ids=ids))
            return f"COPY ({sql}) TO STDOUT WITH (FORMAT csv{', HEADER' if header else ''})", params
        if self.aggregates is None:
            self.validator()
        count, _updated, high, _media, low = self.aggregates[:5]
        width = block_ids(count, low, high) if self._one_snapshot() else None
        if width is None:
            sql, params = _compile(self.columns.statement(self.conditions, ids=ids))
            return f"COPY (SELECT {_json_line(fmt)} FROM ({sql}) AS r) TO STDOUT WITH ({JSON_COPY})", params  # noqa: S608
        blocks = (literal_column("blocks.low"), literal_column("blocks.high"))
        sql, params = _compile(self.columns.statement(self.conditions, ids=blocks))
        bounds = {"range_low": low, "range_high": high, "block_ids": width}
        return f"COPY ({_json_blocks_sql(sql, fmt)}) TO STDOUT WITH ({JSON_COPY})", {**params, **bounds}

    def _chunks(self, connection: Connection, fmt: str) -> Iterator[bytes]:
        lines = self._lines(connection, fmt)
        if fmt != "geojson":
            return lines
        return _feature_collection(lines)

    def _lines(self, connection: Connection, fmt: str) -> Iterator[bytes]:
        """The COPY's bytes, in chunks: by two backends when the export is large and the transaction's
        snapshot can be shared, else by one."""
        blocks = _crlf if fmt == "csv" else _json_lines
        helper = self._second_connection(connection)
        if helper is None:
            statement, params = self._copy(fmt)
            with connection.cursor().copy(statement, params) as copy:
                yield from blocks(copy)
            return
        try:
            count, _updated, high, _media, low = self.aggregates[:5]
            ranges = id_ranges(low, high, count, RANGE_ROWS)
            plain, params = self._copy(fmt, ranged=True, header=False)
            first, _params = self._copy(fmt, ranged=True)

            def copy_of(index: int) -> tuple[str, dict]:
                low, high = ranges[index]
                return first if index == 0 else plain, {**params, "range_low": low, "range_high": high}

            yield from ParallelCopy([connection, helper], len(ranges), copy_of, blocks)
        finally:
            helper.close()  # its transaction (read only) ends with it

    def _second_connection(self, connection: Connection) -> Connection | None:
        """A connection sharing the export's snapshot, when the export is worth two backends."""
        if self.aggregates is None:
            self.validator()
        if self.aggregates[0] < PARALLEL_ROWS:
            return None
        return snapshot_connection(connection)


def _feature_collection(lines: Iterator[bytes]) -> Iterator[bytes]:
    """The FeatureCollection around Feature lines that each start with a comma (but the first)."""
    yield b'{"type":"FeatureCollection","features":[\n'
    first = True
    for chunk in lines:
        if first and chunk:
            chunk, first = chunk[1:], False
        yield chunk
    yield b"]}\n"


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
