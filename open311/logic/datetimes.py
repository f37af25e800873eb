"""W3C datetimes (spec §1.4): parsing what clients send, always with a time zone."""

from __future__ import annotations

import re
from datetime import datetime

from ..errors import BadRequest

# W3C-DTF with a time and a zone: seconds and fractions optional, Z or ±hh:mm required.
W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def parse_w3c(value: str, name: str) -> datetime:
    """A timezone-aware datetime from a W3C datetime, or 400 naming the parameter."""
    text = value.strip()
    if not W3C_DATETIME.match(text):
        raise BadRequest(
            f"{name} must be a W3C datetime with a time zone, e.g. 2024-01-31T23:59:59Z or "
            f"2024-01-31T23:59:59+01:00 (got '{value}')"
        )
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(f"{name} is not a valid date and time: '{value}'") from exc
