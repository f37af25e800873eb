"""Alembic environment: the URL comes from open311's settings (or the caller's config)."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers

from open311.config import load_settings
from open311.db import make_engine
from open311.models import Base
from open311.provision import database_url, include_object

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url")
    if url:
        return url
    return database_url(load_settings())


def run_migrations_online() -> None:
    """Run the migrations on a live connection."""
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _configure_and_run(connectable)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            _configure_and_run(connection)
    finally:
        engine.dispose()


def _configure_and_run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        compare_type=True,
        # Each revision commits on its own: deferred triggers (the listing version's) fire between
        # revisions, so that a later one may ALTER a table whose rows an earlier one changed.
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("open311 migrations run online only: use `open311 db upgrade`.")
run_migrations_online()
