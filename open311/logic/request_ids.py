"""Service request ids as clients send them: text that may name one of our ids.

Our ids are PostgreSQL bigints written in ASCII digits. ``str.isdigit`` and ``int`` also accept other
digits (``²``, ``٣``) and ``int`` accepts ``1_000`` and spaces; none of those names an id, and a value
past the bigint range must never reach the database (it answered 500).
"""

from __future__ import annotations

import re

#: The largest id (and any integer) PostgreSQL's bigint holds.
MAX_BIGINT = 2**63 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def as_request_id(text: str) -> int | None:
    """The id ``text`` names, or None when it cannot name one of ours (not ASCII digits, past bigint)."""
    if _ASCII_DIGITS.fullmatch(text) is None:
        return None
    value = int(text)
    return value if value <= MAX_BIGINT else None
