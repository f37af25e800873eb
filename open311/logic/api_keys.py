"""API keys: created once in clear, stored hashed, scoped, revocable (spec §1.7: 403 when missing or invalid)."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import Forbidden, NotFound
from ..models import ApiKey, Jurisdiction

KEY_PREFIX = "o311_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, name: str, jurisdiction: Jurisdiction | None = None) -> tuple[ApiKey, str]:
    """A new key for ``name``, valid for ``jurisdiction`` (or all); returns the row and the key in clear."""
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    row = ApiKey(
        name=name, key_hash=_hash(key), prefix=key[:12], jurisdiction_id=jurisdiction.id if jurisdiction else None
    )
    session.add(row)
    session.flush()
    return row, key


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, oldest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_key(session: Session, key_id: int) -> ApiKey:
    """Revoke a key by its id; it is refused from now on."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"no API key with id {key_id}")
    if row.revoked is None:
        row.revoked = func.now()
        session.flush()
    return row


def authenticate(session: Session, key: str | None, jurisdiction: Jurisdiction) -> ApiKey:
    """The live key ``key`` valid for ``jurisdiction``, or 403 saying why."""
    if not key:
        raise Forbidden("api_key was not provided: request one from the operator of this server")
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(key)))
    if row is None or row.revoked is not None:
        raise Forbidden("Invalid api_key received -- can't proceed with create_request")
    if row.jurisdiction_id is not None and row.jurisdiction_id != jurisdiction.id:
        raise Forbidden(f"This api_key is not valid for jurisdiction_id {jurisdiction.jurisdiction_id}")
    return row
