"""``export_datetime`` (migrations odata3 and odata6): ISO 8601 with seconds and the offset of the
session's time zone, half-hour, negative and local mean time offsets included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

ZONES = [
    "Europe/Paris", "UTC", "Asia/Kolkata", "America/St_Johns", "America/Los_Angeles", "Pacific/Chatham",
    "Asia/Kathmandu", "Australia/Adelaide",
]  # fmt: skip
MOMENTS = [
    datetime(2026, 3, 29, 0, 59, 59, 900_000, tzinfo=UTC),  # the change to summer time in Paris
    datetime(2026, 10, 25, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(1890, 5, 1, 12, 0, 0, 700_000, tzinfo=UTC),  # local mean times: offsets with seconds
    datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=123_456_789.25),
]
#: The body of migration odata3, the text the exports always wrote.
FIRST_BODY = (
    "overlay(date_trunc('second', v)::text PLACING 'T' FROM 11 FOR 1)"
    " || CASE WHEN length(date_trunc('second', v)::text) = 22 THEN '\\:00' ELSE '' END"
)


@pytest.mark.parametrize("zone", ZONES)
def test_export_datetime_is_iso_8601_in_the_sessions_zone(session, zone):
    session.execute(
        text("SELECT set_config('TimeZone', :zone, true), set_config('DateStyle', 'ISO, YMD', true)"), {"zone": zone}
    )
    for moment in MOMENTS:
        written, first = session.execute(
            text(f"SELECT export_datetime(v), {FIRST_BODY} FROM (SELECT CAST(:moment AS timestamptz) AS v) AS s"),  # noqa: S608
            {"moment": moment},
        ).one()
        expected = moment.astimezone(ZoneInfo(zone)).replace(microsecond=0).isoformat()
        assert written == first == expected
