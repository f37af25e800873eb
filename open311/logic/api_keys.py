"""API keys: created once in clear, stored hashed, scoped, revocable (spec §1.7: 403 when missing or invalid)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ..db import CompiledStatement
from ..errors import BadRequest, Forbidden, NotFound
from ..models import ApiKey, Department, Jurisdiction
from ..models.api_key import ROLES, api_key_department

KEY_PREFIX = "o311_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    session: Session,
    name: str,
    jurisdiction: Jurisdiction | None = None,
    *,
    role: str = "client",
    department_codes: list[str] | None = None,
    rate_limit: int | None = None,
) -> tuple[ApiKey, str]:
    """A new key for ``name``, valid for ``jurisdiction`` (or all); returns the row and the key in clear.

    Extension: a ``staff`` key may change requests; with ``department_codes`` only those departments'.
    Extension: ``rate_limit`` requests per minute instead of the server's default.
    """
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}")
    if rate_limit is not None and rate_limit <= 0:
        raise BadRequest("rate_limit must be a positive number of requests per minute")
    departments = []
    if department_codes:
        if role != "staff" or jurisdiction is None:
            raise BadRequest("departments scope staff keys of one jurisdiction: give --role staff and --jurisdiction")
        departments = session.scalars(
            select(Department).where(
                Department.jurisdiction_id == jurisdiction.id, Department.code.in_(department_codes)
            )
        ).all()
        unknown = set(department_codes) - {d.code for d in departments}
        if unknown:
            raise NotFound(f"no department {', '.join(sorted(unknown))} in {jurisdiction.jurisdiction_id}")
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    row = ApiKey(
        name=name, key_hash=_hash(key), prefix=key[:12], jurisdiction_id=jurisdiction.id if jurisdiction else None,
        role=role, departments=list(departments), rate_limit=rate_limit,
    )  # fmt: skip
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


#: Built once, prepared on each connection: every authenticated request runs it. Through the ORM (an
#: ApiKey entity) the same lookup took twice the Python time (about 110 µs more per call).
KEY_BY_HASH = CompiledStatement.of(
    select(ApiKey.id, ApiKey.name, ApiKey.role, ApiKey.jurisdiction_id, ApiKey.revoked).where(
        ApiKey.key_hash == bindparam("key_hash")
    )
)
#: The departments of a staff key, read only when a check asks for them.
KEY_DEPARTMENTS = (
    select(Department)
    .join(api_key_department, api_key_department.c.department_id == Department.id)
    .where(api_key_department.c.api_key_id == bindparam("key_id"))
    .order_by(Department.id)
)


@dataclass
class LiveKey:
    """The live key of a call, as authorization and attribution read it: plain values, and the key's
    departments (a staff key's scope; none: the whole jurisdiction) read from the call's session the
    first time a check asks for them. Made per call, never kept across calls."""

    id: int
    name: str
    role: str
    jurisdiction_id: int | None
    session: Session = field(repr=False, compare=False)
    _departments: tuple[Department, ...] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def departments(self) -> tuple[Department, ...]:
        """The departments this key may act for (read once, then kept on this object)."""
        if self._departments is None:
            self._departments = tuple(self.session.scalars(KEY_DEPARTMENTS, {"key_id": self.id}).all())
        return self._departments


def authenticate(session: Session, key: str | None, jurisdiction: Jurisdiction) -> CallKey:
    """The live key ``key`` valid for ``jurisdiction``, or 403 saying why."""
    if not key:
        raise Forbidden("api_key was not provided: request one from the operator of this server")
    rows = KEY_BY_HASH.fetch(session, {"key_hash": _hash(key)})
    row = rows[0] if rows else None
    if row is None or row.revoked is not None:
        raise Forbidden("Invalid api_key received -- can't proceed with create_request")
    if row.jurisdiction_id is not None and row.jurisdiction_id not in (jurisdiction.id, jurisdiction.sandbox_of_id):
        raise Forbidden(f"This api_key is not valid for jurisdiction_id {jurisdiction.jurisdiction_id}")
    live = LiveKey(row.id, row.name, row.role, row.jurisdiction_id, session)
    if row.jurisdiction_id is not None and row.jurisdiction_id == jurisdiction.sandbox_of_id:
        return _on_sandbox(session, live, jurisdiction)
    return live


@dataclass(frozen=True)
class SandboxKey:
    """Extension: a jurisdiction's key acting on its sandbox twin (the test endpoint), with the same scope
    there: the twin's jurisdiction and the twin's departments of the same codes."""

    id: int
    name: str
    role: str
    jurisdiction_id: int
    departments: tuple[Department, ...]


def _on_sandbox(session: Session, row: LiveKey, sandbox: Jurisdiction) -> SandboxKey:
    codes = [department.code for department in row.departments]
    twins = (
        session.scalars(
            select(Department).where(Department.jurisdiction_id == sandbox.id, Department.code.in_(codes))
        ).all()
        if codes
        else []
    )
    return SandboxKey(row.id, row.name, row.role, sandbox.id, tuple(twins))


#: The key of a call as :func:`authenticate` gives it: its own, or acting on a sandbox twin.
CallKey = LiveKey | SandboxKey


class KeyIdentity(NamedTuple):
    """Extension: what rate limiting needs of a live key (plain values, safe to cache)."""

    id: int
    #: Requests per minute of this key; None: the server's default.
    rate_limit: int | None


#: Built once: run for every request that carries a key, before its body is read.
LIVE_KEY = select(ApiKey.id, ApiKey.rate_limit).where(
    ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked.is_(None)
)


def key_identity(session: Session, key: str) -> KeyIdentity | None:
    """The identity of the live (not revoked) key ``key``, whatever its scope; None when unknown or revoked."""
    row = session.execute(LIVE_KEY, {"key_hash": _hash(key)}).first()
    return KeyIdentity(row.id, row.rate_limit) if row is not None else None
