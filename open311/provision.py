"""Bringing a database to the current schema: create it, enable PostGIS, run the migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import make_url

from .cluster import Cluster
from .db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def database_url(settings: dict) -> str:
    """The configured DATABASE_URL, else the URL of the private cluster."""
    if settings.get("DATABASE_URL"):
        return settings["DATABASE_URL"]
    return Cluster(Path(settings["VAR_DIR"]), settings["DB_PORT"]).url()


def ensure_database(url: str) -> bool:
    """Create the database of ``url`` if missing and enable PostGIS in it; True when created."""
    target = make_url(make_engine(url).url)
    created = False
    admin = make_engine(target.set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database})
            if not exists:
                conn.execute(text(f"CREATE DATABASE \"{target.database}\" ENCODING 'UTF8' TEMPLATE template0"))
                created = True
    finally:
        admin.dispose()
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    finally:
        engine.dispose()
    return created


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave PostGIS's own tables (spatial_ref_sys, tiger, topology) out of autogenerate and drift checks."""
    from geoalchemy2 import alembic_helpers

    from .models import Base

    if type_ == "table" and reflected and compare_to is None and name not in Base.metadata.tables:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def reset_schema(url: str) -> None:
    """Drop everything in the public schema and enable PostGIS again (test databases only)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
            conn.execute(text("CREATE EXTENSION postgis"))
    finally:
        engine.dispose()


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` using the project's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Run the migrations up to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Run the migrations down to ``revision``."""
    command.downgrade(alembic_config(url), revision)
