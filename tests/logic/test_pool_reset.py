"""db.make_engine: a connection given back to the pool inside a transaction, or a failed one, is rolled
back (by the pool's reset event, which leaves idle connections alone)."""

from __future__ import annotations

import pytest
from psycopg import pq

from open311.db import make_engine


@pytest.fixture()
def one_connection(database_url_for_tests):
    """A new engine: its pool's one connection, given back, is the next one checked out."""
    engine = make_engine(database_url_for_tests)
    yield engine
    engine.dispose()


def _checked_out(engine):
    pooled = engine.raw_connection()
    return pooled, pooled.driver_connection


@pytest.mark.parametrize("failed", [False, True])
def test_a_connection_left_in_a_transaction_comes_back_idle(one_connection, failed):
    pooled, driver = _checked_out(one_connection)
    backend = driver.execute("SELECT pg_backend_pid()").fetchone()[0]
    driver.execute("CREATE TEMPORARY TABLE left_behind (n int)")
    if failed:
        with pytest.raises(Exception, match="division by zero"):
            driver.execute("SELECT 1 / 0")
    assert driver.pgconn.transaction_status != pq.TransactionStatus.IDLE
    pooled.close()
    pooled, driver = _checked_out(one_connection)
    assert driver.execute("SELECT pg_backend_pid()").fetchone()[0] == backend  # the same connection
    assert driver.execute("SELECT to_regclass('pg_temp.left_behind')").fetchone()[0] is None  # rolled back
    pooled.close()
