"""db's statement helpers: parallel_workers (the setting holds inside the block only, in autocommit mode and
in a transaction) and fetch_in_one_snapshot (one transaction, one round trip)."""

from __future__ import annotations

import pytest
from psycopg import errors, pq
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from open311.db import CompiledStatement, database_unavailable, fetch_in_one_snapshot, parallel_workers

SETTING = "SELECT current_setting('max_parallel_workers_per_gather')"


def _status(session: Session):
    return session.connection().connection.driver_connection.pgconn.transaction_status


def test_an_autocommit_session_gets_a_transaction_of_its_own_and_ends_it(engine):
    with Session(engine.execution_options(isolation_level="AUTOCOMMIT")) as session:
        before = session.connection().exec_driver_sql(SETTING).scalar()
        with parallel_workers(session, 3):
            assert session.connection().exec_driver_sql(SETTING).scalar() == "3"
            assert _status(session) == pq.TransactionStatus.INTRANS
        assert _status(session) == pq.TransactionStatus.IDLE
        assert session.connection().exec_driver_sql(SETTING).scalar() == before


def test_in_a_transaction_the_setting_is_put_back_and_the_transaction_goes_on(session):
    before = session.connection().exec_driver_sql(SETTING).scalar()
    with parallel_workers(session, 3):
        assert session.connection().exec_driver_sql(SETTING).scalar() == "3"
    assert session.connection().exec_driver_sql(SETTING).scalar() == before
    assert _status(session) == pq.TransactionStatus.INTRANS


def test_after_a_failed_statement_an_autocommit_session_reads_on_as_before(engine):
    with Session(engine.execution_options(isolation_level="AUTOCOMMIT")) as session:
        before = session.connection().exec_driver_sql(SETTING).scalar()
        with pytest.raises(DBAPIError, match="division by zero"), parallel_workers(session, 3):
            session.connection().exec_driver_sql("SELECT 1 / 0")
        assert _status(session) == pq.TransactionStatus.IDLE
        assert session.connection().exec_driver_sql(SETTING).scalar() == before


STATE = CompiledStatement("SELECT now() AS started, current_setting('transaction_isolation') AS isolation")
FAILING = CompiledStatement("SELECT 1 / %(zero)s AS n", prepare=False)


def test_statements_in_one_snapshot_share_a_repeatable_read_transaction(engine):
    with Session(engine.execution_options(isolation_level="AUTOCOMMIT")) as session:
        first, second = fetch_in_one_snapshot(session, [(STATE, {}, True), (STATE, {}, False)])
        assert first[0].isolation == "repeatable read" and first[0].started == second[0][0]
        assert _status(session) == pq.TransactionStatus.IDLE
        # On their own, in autocommit mode, each statement is a transaction of its own.
        alone = STATE.fetch(session, {})[0]
        assert alone.isolation == "read committed" and alone.started > first[0].started


def test_in_a_transaction_the_caller_reads_one_by_one(session):
    assert fetch_in_one_snapshot(session, [(STATE, {}, True)]) is None


def test_a_failed_statement_in_one_snapshot_leaves_the_connection_idle(engine):
    with Session(engine.execution_options(isolation_level="AUTOCOMMIT")) as session:
        with pytest.raises(DBAPIError, match="division by zero"):
            fetch_in_one_snapshot(session, [(STATE, {}, True), (FAILING, {"zero": 0}, True)])
        assert _status(session) == pq.TransactionStatus.IDLE
        assert fetch_in_one_snapshot(session, [(FAILING, {"zero": 1}, True)])[0][0].n == 1


def test_reads_have_a_pool_of_their_own_in_autocommit_mode_and_writes_keep_transactions(live):
    from open311.db import discard_session, get_session

    database = live.extensions["open311.db"]
    with live.test_request_context("/", method="GET"):
        reading = get_session().connection().connection.driver_connection
        assert reading.autocommit
        discard_session()
    with live.test_request_context("/", method="POST"):
        writing = get_session().connection().connection.driver_connection
        assert not writing.autocommit and writing is not reading
        discard_session()
    with live.test_request_context("/", method="GET"):  # the same pooled connection, still in autocommit
        assert get_session().connection().connection.driver_connection is reading and reading.autocommit
        discard_session()
    database.dispose()
    assert database.engine.pool.checkedin() == 0 and database.read_sessionmaker.kw["bind"].pool.checkedin() == 0


def test_a_writing_session_that_has_sent_nothing_keeps_its_own_transaction(engine):
    with Session(engine) as session:
        driver = session.connection().connection.driver_connection
        before = session.connection().exec_driver_sql(SETTING).scalar()
        with parallel_workers(session, 3):
            assert session.connection().exec_driver_sql(SETTING).scalar() == "3"
        assert _status(session) == pq.TransactionStatus.INTRANS  # not committed by the helper
        assert session.connection().exec_driver_sql(SETTING).scalar() == before
        assert not driver.autocommit


@pytest.mark.parametrize("error", [errors.SerializationFailure, errors.DeadlockDetected])
def test_a_rolled_back_transaction_means_try_again(error):
    """A hot standby cancelling a statement that conflicts with recovery says 40001: 503, not 500."""
    assert database_unavailable(error("canceling statement due to conflict with recovery"))
    assert not database_unavailable(errors.UniqueViolation("duplicate key"))
