"""Fixtures of the logic tests: the statistics' and maps' realistic data set."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from ..insight_data import load_dataset


@pytest.fixture(scope="module")
def dataset(engine, base_app):
    """The data set in a transaction of its own for the whole module, and a client reading it."""
    with engine.connect() as connection:
        transaction = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            load_dataset(session)
            session.commit()
        # statistics for the planner of the reference queries (earlier tests leave others behind)
        connection.execute(text("ANALYZE service_request, service_request_area, request_stats, stats_pending"))
        database = base_app.extensions["open311.db"]
        original = database.sessionmaker, database.read_sessionmaker
        database.sessionmaker = database.read_sessionmaker = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint"
        )
        try:
            yield connection, base_app.test_client()
        finally:
            database.sessionmaker, database.read_sessionmaker = original
            transaction.rollback()
