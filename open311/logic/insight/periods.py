"""Windows and periods of the statistics: whole days of the jurisdiction's time zone.

A window runs from the first moment of its start day to the last moment of its end day (never later
than today: nothing has happened after now). A period (day, week from Monday, month or year) is named by
its first day; the first and last periods are cut by the window's edges. Rollup rows exist per day,
month and year: a range of days is covered by whole years, then whole months, then days, and the month
or year holding today stands for "to date".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ...errors import BadRequest

PERIODS = ("day", "week", "month", "year")
#: The default window: this month and the eleven before it.
DEFAULT_MONTHS = 12
#: Bounds of the work one call may ask for.
MAX_YEARS = 100
MAX_PERIODS = 5000


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_start(day: date, period: str) -> date:
    """The first day of the period holding ``day``."""
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return month_start(day)
    return date(day.year, 1, 1)


def next_period(start: date, period: str) -> date:
    """The first day of the period after the one starting on ``start``."""
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return add_months(start, 1)
    return date(start.year + 1, 1, 1)


@dataclass(frozen=True)
class Window:
    """Whole local days, both inclusive; ``today`` is the jurisdiction's today."""

    start: date
    end: date
    today: date

    @property
    def reaches_today(self) -> bool:
        """Whether the window's last day is today (its stock measures are counted now)."""
        return self.end == self.today


def local_day(value: date | datetime, zone: ZoneInfo) -> date:
    """The jurisdiction's day of a date (as is) or of a datetime."""
    if isinstance(value, datetime):
        return value.astimezone(zone).date()
    return value


def resolve_window(start: date | datetime | None, end: date | datetime | None, zone: ZoneInfo, now: datetime) -> Window:
    """The window of a call: its days, the defaults (the last 12 months to today) and the bounds."""
    today = now.astimezone(zone).date()
    end_day = min(local_day(end, zone), today) if end is not None else today
    start_day = local_day(start, zone) if start is not None else add_months(end_day, 1 - DEFAULT_MONTHS)
    if start_day > end_day:
        raise BadRequest("end_date is before start_date (or start_date is in the future)")
    if (end_day - start_day).days > MAX_YEARS * 366:
        raise BadRequest(f"start_date and end_date may not be more than {MAX_YEARS} years apart")
    return Window(start_day, end_day, today)


@dataclass(frozen=True)
class Period:
    """One period of the answer: its name (first day) and the days of the window it covers."""

    key: date | None
    first: date
    last: date


def window_periods(window: Window, period: str | None) -> list[Period]:
    """The periods of the window, in order (one period, without a key, when not grouped by period)."""
    if period is None:
        return [Period(None, window.start, window.end)]
    periods = []
    start = period_start(window.start, period)
    while start <= window.end:
        following = next_period(start, period)
        periods.append(Period(start, max(start, window.start), min(following - timedelta(days=1), window.end)))
        if len(periods) > MAX_PERIODS:
            raise BadRequest(f"Too many periods (more than {MAX_PERIODS}): use a longer period or a shorter window")
        start = following
    return periods


def segment_end(grain: str, start: date) -> date:
    """The last day a rollup row covers."""
    if grain == "d":
        return start
    if grain == "m":
        return add_months(start, 1) - timedelta(days=1)
    return date(start.year, 12, 31)


def segments(
    first: date, last: date, grains: str, today: date, days_from: date | None = None
) -> list[tuple[str, date]] | None:
    """Rollup rows (grain, period start) covering the days first..last exactly, or None when the grains
    cannot: whole years, then whole months, then days (kept from ``days_from`` only, when given). A month
    or year holding today counts as whole when ``last`` is today (only due dates lie after now; the
    reader takes them back off)."""
    found: list[tuple[str, date]] = []
    day = first
    while day <= last:
        year_end = date(day.year, 12, 31)
        month_end = add_months(day, 1) - timedelta(days=1)
        if "y" in grains and day.month == 1 and day.day == 1 and (year_end <= last or last == today):
            found.append(("y", day))
            day = year_end + timedelta(days=1)
        elif "m" in grains and day.day == 1 and (month_end <= last or last == today):
            found.append(("m", day))
            day = month_end + timedelta(days=1)
        elif "d" in grains and (days_from is None or day >= days_from):
            found.append(("d", day))
            day += timedelta(days=1)
        else:
            return None
    return found
