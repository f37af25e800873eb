"""Migrations: upgrade to head, down to base, up again, and no drift from the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from open311.db import make_engine
from open311.models import Base
from open311.provision import downgrade, ensure_database, include_object, reset_schema, upgrade

from ..conftest import derived_url


@pytest.fixture(scope="module")
def migrations_url():
    url = derived_url("migrations")
    ensure_database(url)
    reset_schema(url)
    return url


def drift(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": include_object, "compare_type": True}
            )
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"spatial_ref_sys"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_without_drift(migrations_url):
    upgrade(migrations_url)
    assert drift(migrations_url) == []
    assert tables(migrations_url) == set(Base.metadata.tables) | {"alembic_version"}
    downgrade(migrations_url, "base")
    assert tables(migrations_url) == {"alembic_version"}
    upgrade(migrations_url)
    assert drift(migrations_url) == []


def test_every_constraint_is_named_by_the_convention():
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"
