"""Datetimes as clients send them (spec §1.4), and the date windows of the listings.

The standard writes W3C datetimes (``2024-01-31T23:59:59+01:00``); clients also send what their
languages print: Python's ``str(datetime)`` puts a space for the ``T`` (``2026-11-29 00:00:00-06:00``),
PostgreSQL's text form has fractions and an hour-only offset (``2023-12-01 10:25:35.007751+00``), others
write ``+0530`` or a comma before the fraction. All of these are read; a ``+`` sent unencoded in a query
string arrives as a space and is read as ``+``. A zone stays required wherever the standard requires one
(``default_zone`` is for the importer's history files only).

Dates are accepted from the year 0002 to 9998: the sentinels 0001-01-01 and 9999-12-31 (.NET's
``DateTime.MinValue``/``MaxValue``) sit where adding the 90-day window or converting the zone no longer
fits a date, and are refused with a 400 naming the parameter.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from ..errors import BadRequest

# Date, a T / t / space, hh:mm, optional :ss and fraction (. or ,), then the zone: Z, ±hh:mm, ±hhmm, ±hh,
# or the same offset after a space (an unencoded + in a query string).
W3C_DATETIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[Tt ]+(?P<time>\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)"
    r"\s*(?P<zone>[Zz]|(?:[+-]| (?=\d))\d{2}(?::?\d{2})?)?$"
)
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: The first and last instants a date parameter may name.
EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)

#: The standard's window: no dates mean the last 90 days; one date means 90 days from (or to) it.
DEFAULT_WINDOW = timedelta(days=90)

EXAMPLES = "e.g. 2024-01-31T23:59:59Z, 2024-01-31T23:59:59+01:00 or 2024-01-31 23:59:59.5+01:00"


def _zone(text: str) -> timezone:
    if text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text.lstrip("+- ").replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _naive(date_text: str, time_text: str) -> datetime:
    """The naive datetime of the two parts (fractions beyond microseconds are cut)."""
    whole, _, fraction = time_text.replace(",", ".").partition(".")
    value = datetime.fromisoformat(f"{date_text}T{whole}")
    if fraction:
        value = value.replace(microsecond=int(fraction[:6].ljust(6, "0")))
    return value


def parse_w3c(value: str, name: str, default_zone: tzinfo | None = None) -> datetime:
    """A timezone-aware datetime from what a client sent, or 400 naming the parameter.

    Without a zone in the text, ``default_zone`` is used when given (a bare date is then its midnight);
    otherwise the zone is required.
    """
    text = value.strip()
    match = W3C_DATETIME.match(text)
    if match is None and default_zone is not None and DATE_ONLY.match(text):
        match = W3C_DATETIME.match(f"{text}T00:00")
    if match is None or (match["zone"] is None and default_zone is None):
        expected = "a date or a W3C datetime" if default_zone else "a W3C datetime with a time zone"
        raise BadRequest(f"{name} must be {expected}, {EXAMPLES} (got '{value}')")
    try:
        parsed = _naive(match["date"], match["time"])
        parsed = parsed.replace(tzinfo=_zone(match["zone"]) if match["zone"] else default_zone)
    except ValueError as exc:
        raise BadRequest(f"{name} is not a valid date and time: '{value}'") from exc
    try:
        in_range = EARLIEST <= parsed <= LATEST and parsed.astimezone(UTC) is not None
    except OverflowError:
        in_range = False
    if not in_range:
        raise BadRequest(f"{name} is out of range: dates from the year 0002 to 9998 are accepted (got '{value}')")
    return parsed


def date_window(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The window of a listing: ``start_date``..``end_date`` as given, whatever their span (the 1,000 cap
    and paging bound the work); one of them: 90 days from or to it; none: the last 90 days."""
    if start and end:
        if end < start:
            raise BadRequest("end_date is before start_date")
        return start, end
    if start:
        return start, start + DEFAULT_WINDOW
    if end:
        return end - DEFAULT_WINDOW, end
    return now - DEFAULT_WINDOW, now
