"""Database engine and one session per application context, closed at teardown."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app, g, has_request_context, request
from psycopg import pq
from psycopg.rows import namedtuple_row
from sqlalchemy import Engine, Executable, create_engine
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.orm import Session, sessionmaker


@dataclass
class Database:
    """The engines and session factories an application uses.

    Extension: with a read URL (a streaming replica), GET and HEAD requests read from it; everything
    that writes goes to the primary.
    """

    engine: Engine
    sessionmaker: sessionmaker[Session]
    read_sessionmaker: sessionmaker[Session]


#: psycopg's threshold of executions before it prepares a statement by itself: never (None would also
#: refuse explicit preparation).
NEVER_IMPLICITLY = 2**31 - 1


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for a PostGIS URL (``postgresql://`` is read as psycopg 3)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    # psycopg would prepare a statement on the server after a few executions, and PostgreSQL may then
    # plan it once for all parameters (a generic plan). Our listings depend on their dates, boxes and
    # radii: a generic plan made them take seconds at 10 million requests (bench/RESULTS.md). So nothing
    # is prepared implicitly (every statement is planned for its values); keyed lookups, whose plan never
    # depends on the key, are prepared explicitly (:class:`CompiledStatement`).
    options = {"prepare_threshold": NEVER_IMPLICITLY}
    # No pool_pre_ping: it costs a round trip per request (a third of GET requests/{id}). After a
    # database restart the first statement on a dead connection fails, SQLAlchemy then discards the
    # whole pool, and the requests after it get fresh connections.
    return create_engine(url, echo=echo, connect_args=options)


def init_app(app: Flask, url: str, read_url: str | None = None) -> None:
    """Attach a Database to the app and close the request's session at teardown."""
    echo = app.config.get("SQL_ECHO", False)
    engine = make_engine(url, echo=echo)
    # GETs never write: they read in autocommit mode, which spares the BEGIN and ROLLBACK round trips.
    reader = (make_engine(read_url, echo=echo) if read_url else engine).execution_options(isolation_level="AUTOCOMMIT")
    app.extensions["open311.db"] = Database(
        engine, sessionmaker(engine, expire_on_commit=False), sessionmaker(reader, expire_on_commit=False)
    )
    app.teardown_appcontext(_close_session)


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

    def fetch(self, session: Session, params: dict) -> list:
        """The rows (named tuples) for ``params``, in the session's transaction (none for a plain write)."""
        connection = session.connection().connection.driver_connection
        with connection.cursor(row_factory=namedtuple_row) as cursor:
            cursor.execute(self.sql, {**self.defaults, **params}, prepare=self.prepare)
            # Whether rows came back, without building ``description`` (a Column per field: 6% of GET one).
            result = cursor.pgresult
            return cursor.fetchall() if result is not None and result.status == pq.ExecStatus.TUPLES_OK else []


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


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
