"""Extension: each jurisdiction's web origins (CORS), as plain values a worker may keep."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Jurisdiction


class OriginPolicy(NamedTuple):
    """Which page origins may read the API and which may write to it (``*``: any)."""

    read: frozenset[str]
    write: frozenset[str]

    def allows(self, origin: str, write: bool) -> bool:
        """Whether a page of ``origin`` may read (or, with ``write``, write)."""
        origins = self.write if write else self.read
        return "*" in origins or origin in origins


def origin_policies(session: Session) -> dict[str, OriginPolicy]:
    """The origin policy of every jurisdiction, by jurisdiction_id."""
    rows = session.execute(
        select(Jurisdiction.jurisdiction_id, Jurisdiction.cors_read_origins, Jurisdiction.cors_write_origins)
    )
    return {row[0]: OriginPolicy(frozenset(row[1] or ()), frozenset(row[2] or ())) for row in rows}
