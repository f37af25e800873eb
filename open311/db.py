"""Database engine and one session per application context, closed at teardown."""

from __future__ import annotations

import logging
import select
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import psycopg
from flask import Flask, current_app, g, has_request_context, request
from psycopg import pq
from psycopg.rows import namedtuple_row, tuple_row
from sqlalchemy import Engine, Executable, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

#: Seconds to wait for a connection to the database before answering 503.
CONNECT_TIMEOUT = 5


@dataclass
class Database:
    """The engines and session factories an application uses.

    Extension: with a read URL (a streaming replica), GET and HEAD requests read from it; everything
    that writes goes to the primary.
    """

    engine: Engine
    sessionmaker: sessionmaker[Session]
    read_sessionmaker: sessionmaker[Session]

    def dispose(self) -> None:
        """Close the pooled connections of both engines (the writer's and the readers')."""
        self.engine.dispose()
        reader = self.read_sessionmaker.kw.get("bind")
        if isinstance(reader, Engine) and reader is not self.engine:
            reader.dispose()


#: psycopg's threshold of executions before it prepares a statement by itself: never (None would also
#: refuse explicit preparation).
NEVER_IMPLICITLY = 2**31 - 1


def make_engine(url: str, *, echo: bool = False, autocommit: bool = False) -> Engine:
    """An engine for a PostGIS URL (``postgresql://`` is read as psycopg 3); with ``autocommit``, its
    connections read in autocommit mode for good."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    # psycopg would prepare a statement on the server after a few executions, and PostgreSQL may then
    # plan it once for all parameters (a generic plan). Our listings depend on their dates, boxes and
    # radii: a generic plan made them take seconds at 10 million requests (bench/RESULTS.md). So nothing
    # is prepared implicitly (every statement is planned for its values); keyed lookups, whose plan never
    # depends on the key, are prepared explicitly (:class:`CompiledStatement`).
    options = {"prepare_threshold": NEVER_IMPLICITLY, "connect_timeout": CONNECT_TIMEOUT}
    # No pool_pre_ping: it costs a round trip per request (a third of GET requests/{id}). A connection
    # the server closed (a restart) is found at checkout without a round trip instead (below).
    # Statement parameters stay out of error messages and logs (they hold reporters' contact details).
    mode = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    engine = create_engine(
        url, echo=echo, connect_args=options, hide_parameters=not echo, pool_reset_on_return=None, **mode
    )
    event.listen(engine, "checkout", _drop_closed_connection)
    event.listen(engine, "reset", _roll_back_unless_idle)
    return engine


def _roll_back_unless_idle(dbapi_connection, _record, state) -> None:
    """At checkin, instead of the pool's rollback on return: a connection left in a transaction (or a
    failed one) is rolled back; an idle one, the usual case (its session ended its transaction, or it
    read in autocommit mode), goes back as it is, without psycopg's rollback of nothing (a twentieth of a
    polling client's 304)."""
    if state.terminate_only or not state.asyncio_safe:
        return  # about to be closed
    if dbapi_connection.pgconn.transaction_status != pq.TransactionStatus.IDLE:
        dbapi_connection.rollback()


def _drop_closed_connection(dbapi_connection, _record, _proxy) -> None:
    """At checkout, a pooled connection the server has closed is replaced, without a round trip.

    An idle connection has nothing to read unless the server sent something: when PostgreSQL stops
    or restarts it sends its "terminating connection" error and closes the socket, which makes the
    socket readable. Polling it costs a system call; SQLAlchemy then takes a fresh connection.
    """
    if dbapi_connection.closed or dbapi_connection.broken:
        raise sa_exc.DisconnectionError("the connection is closed")
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError, psycopg.Error) as exc:
        raise sa_exc.DisconnectionError("the connection's socket is gone") from exc
    if readable:
        raise sa_exc.DisconnectionError("the server closed the connection (restarted or stopped)")


#: SQLSTATE classes of failures that end when the database is back or on a second try: transaction
#: rollback (40: a serialization failure, a hot standby cancelling a statement that conflicts with
#: recovery, a deadlock), connection exceptions (08), insufficient resources (53, e.g. too many
#: connections), operator intervention (57: shutdown, starting up, statement timeout) and system errors (58).
UNAVAILABLE_CLASSES = ("08", "40", "53", "57", "58")


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot answer now (503, try again) rather than a bug."""
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True  # no connection free in the pool in time / none could be made
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig
    if not isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        return False
    sqlstate = getattr(error, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(UNAVAILABLE_CLASSES)


def init_app(app: Flask, url: str, read_url: str | None = None) -> None:
    """Attach a Database to the app and close the request's session at teardown."""
    echo = app.config.get("SQL_ECHO", False)
    engine = make_engine(url, echo=echo)
    # GETs never write: they read in autocommit mode, which spares the BEGIN and ROLLBACK round trips, on
    # connections of their own that stay in that mode (switching a shared connection to it at each checkout
    # and back at checkin was a twentieth of GET requests/{id}'s CPU).
    reader = make_engine(read_url or url, echo=echo, autocommit=True)
    app.extensions["open311.db"] = Database(
        engine, sessionmaker(engine, expire_on_commit=False), sessionmaker(reader, expire_on_commit=False)
    )
    app.teardown_appcontext(_close_session)
    for pool in (engine.pool, reader.pool):
        _count_connections(pool)


def _count_connections(pool) -> None:
    """Extension: the pool's connections in use and open, for /metrics."""
    from .metrics import POOL_CHECKED_OUT, POOL_OPEN

    event.listen(pool, "checkout", lambda *_: POOL_CHECKED_OUT.inc())
    event.listen(pool, "checkin", lambda *_: POOL_CHECKED_OUT.dec())
    event.listen(pool, "connect", lambda *_: POOL_OPEN.inc())
    event.listen(pool, "close", lambda *_: POOL_OPEN.dec())


@dataclass(frozen=True)
class CompiledStatement:
    """A statement compiled once for psycopg, run on the session's connection without SQLAlchemy's
    per-execution work. With ``prepare`` (for statements whose best plan is the same for every
    parameter, such as keyed lookups, where planning took three times as long as running) it is a
    server-side prepared statement, planned once per connection; without, it is planned for its values.
    """

    sql: str
    defaults: dict = field(default_factory=dict)
    prepare: bool = True

    @classmethod
    def of(cls, statement: Executable, *, prepare: bool = True) -> CompiledStatement:
        """Compile a SQLAlchemy statement; its literal values become default parameters."""
        compiled = statement.compile(dialect=psycopg_dialect())
        return cls(str(compiled), {k: v for k, v in compiled.params.items() if v is not None}, prepare)

    def fetch(self, session: Session, params: dict, *, named: bool = True) -> list:
        """The rows for ``params``, in the session's transaction (none for a plain write): named tuples, or
        plain ones (``named=False``: a page of records skips building a named tuple per row)."""
        wrapper = session.connection()
        connection = wrapper.connection.driver_connection
        try:
            with connection.cursor(row_factory=namedtuple_row if named else tuple_row) as cursor:
                cursor.execute(self.sql, {**self.defaults, **params}, prepare=self.prepare)
                return _rows(cursor)
        except psycopg.Error as exc:
            raise _as_sqlalchemy_error(wrapper, self.sql, exc) from exc


def _rows(cursor) -> list:
    # Whether rows came back, without building ``description`` (a Column per field: 6% of GET one).
    result = cursor.pgresult
    return cursor.fetchall() if result is not None and result.status == pq.ExecStatus.TUPLES_OK else []


def _as_sqlalchemy_error(wrapper, sql: str, exc: psycopg.Error) -> sa_exc.DBAPIError:
    """A psycopg error raised straight to us, as SQLAlchemy would have said it (a lost connection is
    invalidated, so the pool drops it)."""
    connection = wrapper.connection.driver_connection
    lost = connection.closed or connection.broken
    if lost:
        wrapper.invalidate(exc)
    return sa_exc.DBAPIError.instance(
        sql, None, exc, psycopg.Error, hide_parameters=True, connection_invalidated=lost, dialect=psycopg_dialect()
    )


#: The statements of :func:`fetch_in_one_snapshot` go between these two.
ONE_SNAPSHOT_BEGIN = b"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
ONE_SNAPSHOT_END = b"COMMIT"


def fetch_in_one_snapshot(
    session: Session, statements: list[tuple[CompiledStatement, dict, bool]]
) -> list[list] | None:
    """The rows of each (statement, parameters, named) read in one snapshot and one round trip: a pipeline
    of a read-only REPEATABLE READ transaction, the statements and its end. Only on a connection reading
    in autocommit mode (GET and HEAD requests); None in a transaction (the caller reads one by one there).

    A listing reads its state (the change counter and the highest id) and then its page: two round trips
    one after the other, of which the first was a tenth of a 100-row listing (bench/RESULTS.md)."""
    wrapper = session.connection()
    connection = wrapper.connection.driver_connection
    if not connection.autocommit or connection.pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return None
    if not psycopg.Pipeline.is_supported():  # a libpq older than 14
        return None
    cursors = [connection.cursor(row_factory=namedtuple_row if named else tuple_row) for _, _, named in statements]
    try:
        with connection.pipeline():
            connection.execute(ONE_SNAPSHOT_BEGIN)
            for cursor, (statement, params, _named) in zip(cursors, statements, strict=True):
                cursor.execute(statement.sql, {**statement.defaults, **params}, prepare=statement.prepare)
            connection.execute(ONE_SNAPSHOT_END)
        return [_rows(cursor) for cursor in cursors]
    except psycopg.Error as exc:
        if not (connection.closed or connection.broken):
            with suppress(psycopg.Error):  # the transaction a failed statement left open
                connection.rollback()
        # The error comes at the pipeline's end, without saying which statement failed: all are named.
        sql = ";\n".join(statement.sql for statement, _params, _named in statements)
        raise _as_sqlalchemy_error(wrapper, sql, exc) from exc
    finally:
        for cursor in cursors:
            cursor.close()


@contextmanager
def parallel_workers(session: Session, workers: int) -> Iterator[None]:
    """Let PostgreSQL give up to ``workers`` parallel workers to each statement run inside.

    The private cluster's setting is 0 (cluster.py): an API's many small queries gain nothing from them.
    A scan of half a million rows does. ``SET LOCAL`` lasts until the transaction ends, so a session
    reading in autocommit mode gets a transaction of its own; in the session's own transaction the
    setting is put back after the statements."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    # Only a connection reading in autocommit mode needs a transaction of its own: on one that is not,
    # psycopg begins the session's transaction with the first statement.
    own = driver.autocommit and driver.pgconn.transaction_status == pq.TransactionStatus.IDLE
    try:
        if own:
            connection.exec_driver_sql("BEGIN READ ONLY")
        before = connection.exec_driver_sql(
            "SELECT current_setting('max_parallel_workers_per_gather'),"
            " set_config('max_parallel_workers_per_gather', %(workers)s, true)",
            {"workers": str(workers)},
        ).scalar()
        yield
    except BaseException:
        if own:  # the session reads on in autocommit mode (a lost connection is dropped by the pool)
            with suppress(psycopg.Error):
                driver.rollback()
        raise
    if own:
        connection.exec_driver_sql("COMMIT")
    else:
        connection.exec_driver_sql("SELECT set_config('max_parallel_workers_per_gather', %(before)s, true)",
                                   {"before": before})  # fmt: skip


def get_session() -> Session:
    """The session of the current application context, opened on first use.

    GET and HEAD requests get a read-only, autocommit session (on the replica when one is configured).
    """
    if "db_session" not in g:
        database = current_app.extensions["open311.db"]
        reading = has_request_context() and request.method in ("GET", "HEAD")
        factory = database.read_sessionmaker if reading else database.sessionmaker
        g.db_session = factory()
    return g.db_session


def detach_session() -> Session:
    """The current session, handed over to the caller: the teardown no longer closes it (Extension: a
    streamed export reads on after the view returns, and closes it when done)."""
    session = get_session()
    g.pop("db_session")
    return session


def discard_session() -> None:
    """Close the request's session (its connection is given back, or dropped if it failed); never raises.

    The teardown runs after the response is made: an error there (a connection lost during the
    request) would replace the response by the server's own error page, so it is logged instead.
    """
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()
    except Exception as exc:  # the response is made: nothing may replace it now
        log.warning("Closing the session failed (%s); its connection is dropped", exc)
        try:
            session.invalidate()
        except Exception:
            log.warning("Dropping the connection failed too", exc_info=True)


def _close_session(_exc: BaseException | None) -> None:
    discard_session()
