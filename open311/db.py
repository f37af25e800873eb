"""Database engine and one session per application context, closed at teardown."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker


@dataclass
class Database:
    """The engine and the session factory an application uses."""

    engine: Engine
    sessionmaker: sessionmaker[Session]


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for a PostGIS URL (``postgresql://`` is read as psycopg 3)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return create_engine(url, echo=echo, pool_pre_ping=True, future=True)


def init_app(app: Flask, url: str) -> None:
    """Attach a Database to the app and close the request's session at teardown."""
    engine = make_engine(url, echo=app.config.get("SQL_ECHO", False))
    app.extensions["open311.db"] = Database(engine, sessionmaker(engine, expire_on_commit=False))
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    """The session of the current application context, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["open311.db"].sessionmaker()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
