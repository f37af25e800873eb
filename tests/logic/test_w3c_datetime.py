"""The database's w3c_datetime() (migration 0006) writes exactly what open311.formats.format_datetime does."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from open311.formats import format_datetime

ZONES = ["Europe/Paris", "America/New_York", "UTC", "Asia/Kolkata", "America/St_Johns", "Europe/London"]

#: Ordinary instants, fractions of a second, and both sides of Paris's and New York's DST changes.
INSTANTS = [
    datetime(2026, 1, 1, 12, 34, 56, 789000, tzinfo=UTC),
    datetime(2026, 7, 1, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 59, 59, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 8, 7, 0, 0, tzinfo=UTC),
    datetime(2026, 11, 1, 5, 30, 0, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 0, 0, tzinfo=UTC) + timedelta(microseconds=1),
]


@pytest.mark.parametrize("zone", ZONES)
def test_sql_and_python_write_the_same_text(session, zone):
    for instant in INSTANTS:
        written = session.scalar(text("SELECT w3c_datetime(:value, :zone)"), {"value": instant, "zone": zone})
        assert written == format_datetime(instant.astimezone(ZoneInfo(zone))), (instant, zone)


def test_null_stays_null(session):
    assert session.scalar(text("SELECT w3c_datetime(NULL, 'Europe/Paris')")) is None
