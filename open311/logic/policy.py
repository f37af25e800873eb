"""Who may do what to a service request (Extension): one table of role x action x scope.

Every path that changes a request or reads its staff history asks :func:`authorize` before it
writes anything: the staff API (``requests/{id}/updates``), mySociety's ``POST servicerequestupdates``
and merges (for the duplicate and for the original). The importer changes no stored request: it
only adds new ones (rows whose external id is known are skipped) and is run by the operator from
the command line, without a key. The README's table is :data:`POLICY`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from ..errors import Forbidden
from .api_keys import CallKey


class Action(StrEnum):
    """What a key does to a request (the value completes "only a staff key may ...")."""

    READ_HISTORY = "read a request's history"
    COMMENT = "comment on a request"
    REPORTER_STATUS = "mark a request fixed, closed or reopened"
    STATUS = "set this status"
    REASSIGN = "reassign a request"
    MERGE = "merge requests"


class Scope(StrEnum):
    """The requests a key may act on for an action."""

    NOWHERE = "never"
    OWN = "requests submitted with this key"
    DEPARTMENTS = "requests of its jurisdiction and departments"


ROLES = ("client", "staff")

_ = Scope
#: role x action -> scope. The README's table reads the same.
# fmt: off
POLICY: dict[Action, tuple[Scope, Scope]] = {
    # action                  client         staff
    Action.READ_HISTORY:     (_.NOWHERE,    _.DEPARTMENTS),
    Action.COMMENT:          (_.OWN,        _.DEPARTMENTS),
    Action.REPORTER_STATUS:  (_.OWN,        _.DEPARTMENTS),
    Action.STATUS:           (_.NOWHERE,    _.DEPARTMENTS),
    Action.REASSIGN:         (_.NOWHERE,    _.DEPARTMENTS),
    Action.MERGE:            (_.NOWHERE,    _.DEPARTMENTS),
}
# fmt: on

#: The detailed statuses a reporter may ask for (FIXED, CLOSED, REOPEN); OPEN on an open request is a comment.
REPORTER_STATUSES = frozenset({"fixed", "closed", "reopened"})


class Target(Protocol):
    """What the policy reads of a request."""

    jurisdiction_id: int
    department_id: int | None
    api_key_id: int | None


def scope_of(key: CallKey, action: Action) -> Scope:
    """The scope in which ``key``'s role may do ``action``."""
    return POLICY[action][ROLES.index(key.role)]


def status_action(new_status: str | None) -> Action:
    """The action of moving a request to ``new_status`` (None: no change, a comment)."""
    if new_status is None:
        return Action.COMMENT
    return Action.REPORTER_STATUS if new_status in REPORTER_STATUSES else Action.STATUS


def refusal(key: CallKey, action: Action, request: Target) -> str | None:
    """Why ``key`` may not do ``action`` to ``request``, or None when it may."""
    scope = scope_of(key, action)
    if scope is Scope.NOWHERE:
        return f"This api_key is a {key.role} key: only a staff key may {action}"
    if scope is Scope.OWN:
        if key.id is not None and request.api_key_id == key.id:
            return None
        return "This api_key may only update the requests it submitted"
    if key.jurisdiction_id is not None and key.jurisdiction_id != request.jurisdiction_id:
        return "This api_key is not valid for this request's jurisdiction"
    if key.departments and request.department_id not in {d.id for d in key.departments}:
        return "This request is outside the departments of this api_key"
    return None


def allowed(key: CallKey, action: Action, request: Target) -> bool:
    """Whether ``key`` may do ``action`` to ``request``."""
    return refusal(key, action, request) is None


def authorize(key: CallKey, action: Action, *requests: Target) -> None:
    """403 unless ``key`` may do ``action`` to every one of ``requests``."""
    for request in requests:
        reason = refusal(key, action, request)
        if reason is not None:
            raise Forbidden(reason)
