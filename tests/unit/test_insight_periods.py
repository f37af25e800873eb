"""Extension (statistics): windows, periods and the rollup rows covering them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from open311.errors import BadRequest
from open311.logic.insight.histograms import RELATIVE_ERROR, bucket_of, representative_seconds
from open311.logic.insight.periods import resolve_window, segments, window_periods

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # already December 1st in Paris


def test_windows_are_local_days_ending_today_by_default():
    window = resolve_window(None, None, PARIS, NOW)
    assert (window.start, window.end, window.today) == (date(2026, 1, 1), date(2026, 12, 1), date(2026, 12, 1))
    late_evening = datetime(2024, 1, 31, 23, 30, tzinfo=UTC)  # February 1st in Paris
    assert resolve_window(late_evening, date(2030, 1, 1), PARIS, NOW).start == date(2024, 2, 1)
    with pytest.raises(BadRequest):
        resolve_window(date(2026, 12, 2), None, PARIS, NOW)


def test_periods_are_cut_by_the_window():
    window = resolve_window(date(2024, 1, 3), date(2024, 1, 16), PARIS, NOW)
    weeks = window_periods(window, "week")
    assert [(p.key, p.first, p.last) for p in weeks] == [
        (date(2024, 1, 1), date(2024, 1, 3), date(2024, 1, 7)),
        (date(2024, 1, 8), date(2024, 1, 8), date(2024, 1, 14)),
        (date(2024, 1, 15), date(2024, 1, 15), date(2024, 1, 16)),
    ]
    assert window_periods(window, None)[0].key is None


def test_segments_use_years_then_months_then_days():
    today = date(2026, 11, 15)
    assert segments(date(2023, 12, 30), date(2025, 2, 2), "dmy", today) == [
        ("d", date(2023, 12, 30)), ("d", date(2023, 12, 31)), ("y", date(2024, 1, 1)), ("m", date(2025, 1, 1)),
        ("d", date(2025, 2, 1)), ("d", date(2025, 2, 2)),
    ]  # fmt: skip
    assert segments(date(2026, 1, 1), today, "dmy", today) == [("y", date(2026, 1, 1))]  # to date
    assert segments(date(2025, 6, 1), date(2025, 6, 30), "my", today) == [("m", date(2025, 6, 1))]
    assert segments(date(2025, 6, 2), date(2025, 6, 30), "dmy", today, days_from=date(2026, 9, 1)) is None


def test_buckets_stand_for_their_durations_within_the_bound():
    for seconds in (0, 59, 60, 61, 3600, 86_400 * 3.3, 86_400 * 365 * 9):
        value = float(representative_seconds([bucket_of(seconds)])[0])
        assert abs(value - seconds) <= max(RELATIVE_ERROR * seconds, 30) + 1e-6
