"""db.parallel_workers: the setting holds inside the block only, in autocommit mode and in a transaction."""

from __future__ import annotations

import pytest
from psycopg import pq
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from open311.db import parallel_workers

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
