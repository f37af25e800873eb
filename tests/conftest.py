"""Fixtures: a real PostGIS test database built by the migrations, one savepoint per test."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from open311 import create_app
from open311.config import load_settings
from open311.db import make_engine
from open311.logic.city_loader import load_city
from open311.logic.rate_limits import Limiter
from open311.provision import database_url, ensure_database, reset_schema, upgrade

CITIES = Path(__file__).resolve().parent.parent / "open311" / "cities"
PARIS = CITIES / "paris" / "city.yaml"
NEW_YORK = CITIES / "new-york" / "city.yaml"


def derived_url(suffix: str) -> str:
    """A database beside the configured one (same server), named ``<name>_<suffix>``."""
    explicit = os.environ.get("OPEN311_TEST_DATABASE_URL")
    base = make_url(make_engine(explicit or database_url(load_settings())).url)
    name = base.database if explicit and suffix == "test" else f"{base.database}_{suffix}"
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url_for_tests() -> str:
    """The test database, emptied and migrated to head, with Paris and New York loaded."""
    url = derived_url("test")
    ensure_database(url)
    reset_schema(url)
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_city(session, PARIS, allow_private_webhooks=True)
        load_city(session, NEW_YORK)
        session.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def engine(database_url_for_tests):
    """One engine for the whole run."""
    engine = make_engine(database_url_for_tests)
    yield engine
    engine.dispose()


@pytest.fixture()
def connection(engine):
    """A connection whose outer transaction is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture()
def session(connection) -> Session:
    """A session inside the test's transaction: its commits only release savepoints."""
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        yield session


@pytest.fixture(scope="session")
def base_app(database_url_for_tests):
    """The application, configured for the test database."""
    settings = {"DATABASE_URL": database_url_for_tests, "TESTING": True, "PROPAGATE_EXCEPTIONS": False}
    # Tests change the catalogue inside their transactions: no cache, except where a test turns it on.
    # Tests post the same report several times on purpose: no folding, except where a test turns it on.
    # Stored photo URLs and discovery come from BASE_URL (never from the request's Host).
    app = create_app(
        {**settings, "CATALOG_CACHE_SECONDS": 0, "SUBMISSION_FOLD_SECONDS": 0, "BASE_URL": "http://localhost"}
    )
    yield app
    app.extensions["open311.db"].dispose()


class IsolatedStore:
    """The rate-limit store of one test: its buckets are named apart from every other test's."""

    def __init__(self, store):
        self.store, self.prefix = store, secrets.token_hex(4)

    def add(self, bucket: str, window_start: int, window: int, hits: int) -> int:
        return self.store.add(f"{self.prefix}:{bucket}", window_start, window, hits)

    def sweep(self, before: int) -> None:
        self.store.sweep(before)


@pytest.fixture()
def app(base_app, connection):
    """The application with its sessions bound to the test's transaction."""
    database = base_app.extensions["open311.db"]
    original = database.sessionmaker, database.read_sessionmaker
    bound = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    database.sessionmaker = database.read_sessionmaker = bound
    # Rate-limit counters start afresh in each test (they are written for real, as in production).
    limiter, store = base_app.extensions["open311.limiter"], base_app.extensions["open311.limiter"].store
    # One window for the whole test (a minute's end in the middle would reset the counts).
    now = time.time()
    base_app.extensions["open311.limiter"] = Limiter(IsolatedStore(store), clock=lambda: now)
    yield base_app
    database.sessionmaker, database.read_sessionmaker = original
    base_app.extensions["open311.limiter"] = limiter


@pytest.fixture()
def client(app):
    """A test client of the application."""
    return app.test_client()


@pytest.fixture()
def single_jurisdiction(session):
    """Only Paris is hosted (New York and its sandbox removed inside the test's transaction)."""
    from sqlalchemy import delete

    from open311.models import Jurisdiction

    session.execute(
        delete(Jurisdiction).where(Jurisdiction.jurisdiction_id != "paris.fr", Jurisdiction.sandbox_of_id.is_(None))
    )
    session.flush()
    return "paris.fr"


@pytest.fixture()
def api_key(session) -> str:
    """A client key valid for every jurisdiction."""
    from open311.logic.api_keys import create_key

    _row, key = create_key(session, "test app")
    session.flush()
    return key


@pytest.fixture()
def submit(client, api_key):
    """POST requests.{fmt} with the test key and Paris unless told otherwise; returns the response."""

    def post(fmt="json", **fields):
        data = {"api_key": api_key, "jurisdiction_id": "paris.fr", **fields}
        data = {key: value for key, value in data.items() if value is not None}
        return client.post(f"/open311/v2/requests.{fmt}", data=data)

    return post


EIFFEL_TOWER = {"lat": "48.8584", "long": "2.2945"}
POTHOLE = {"service_code": "5201", "attribute[TAILLE]": "grand", **EIFFEL_TOWER}


@pytest.fixture()
def staff_key(session) -> str:
    """A staff key for the whole of Paris."""
    from open311.logic.api_keys import create_key
    from open311.logic.jurisdictions import resolve_jurisdiction

    _row, key = create_key(session, "Paris ops desk", resolve_jurisdiction(session, "paris.fr"), role="staff")
    return key


@pytest.fixture()
def staff(client, staff_key):
    """POST requests/{id}/updates.{fmt} with the staff key; returns the response."""

    def change(request_id, fmt="json", key=None, **fields):
        data = {"api_key": key or staff_key, "jurisdiction_id": "paris.fr", **fields}
        return client.post(f"/open311/v2/requests/{request_id}/updates.{fmt}", data=data)

    return change


#: Tables whose rows a test on the live application may add, deleted afterwards (children cascade).
LIVE_TABLES = ("service_request", "api_key", "outbox_event")
CLEAN_UP = "DELETE FROM {} WHERE id > :mark"


@pytest.fixture()
def live(engine, database_url_for_tests):
    """The application on the real database, outside any test transaction, with its per-worker cache on.

    Each request commits on its own pooled connection, so requests released together by a barrier
    really run concurrently. Every row the test adds is deleted afterwards.
    """
    from sqlalchemy import text

    def high_water() -> dict[str, int]:
        with engine.connect() as connection:
            query = "SELECT coalesce(max(id), 0) FROM {}"
            return {table: connection.scalar(text(query.format(table))) for table in LIVE_TABLES}

    marks = high_water()
    settings = {"DATABASE_URL": database_url_for_tests, "TESTING": True, "PROPAGATE_EXCEPTIONS": False}
    app = create_app({**settings, "CATALOG_CACHE_SECONDS": 30})
    try:
        yield app
    finally:
        app.extensions["open311.db"].dispose()
        with engine.begin() as connection:
            for table in LIVE_TABLES:
                connection.execute(text(CLEAN_UP.format(table)), {"mark": marks[table]})


def release_together(count: int, call) -> list:
    """Run ``call(i)`` in ``count`` threads released at once by a barrier; their results, in order."""
    import threading

    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = call(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results
