"""Extension: conditional GETs of the listings, so that apps polling ``requests.json`` all day get
``304 Not Modified`` while nothing changed, without a row being read.

Every 200 of GET requests carries a weak ``ETag`` naming the jurisdiction's change counter (see
:mod:`open311.logic.listing_changes`), a digest of the URL (host, path, query string), the jurisdiction's
time zone and this server's code and settings, and for the default moving window ("the last 90 days")
the bounds it was read with. A repeated GET with that tag in ``If-None-Match`` is answered before its
arguments are parsed: one statement reads the counter and, for a moving window, probes the index for a
request that left or entered the window since; the 304 carries the tag of the new bounds. The tag was
made by a 200 for exactly this URL, so its arguments are known to be valid.

``Last-Modified`` is sent once the last change has settled (its time cannot be shared by a later change;
two seconds after it) and is that change's second plus two seconds, so that the value given for one
state is never given for another. ``If-Modified-Since`` (only without ``If-None-Match``) is answered
with a 304 only when it is exactly the Last-Modified the listing has now (RFC 9110 §13.1.3 allows exact
matches; the ``Date`` of an older answer, which some caches send instead, never makes a stale 304),
after the arguments were checked. Every answer says ``Cache-Control: no-cache``: caches revalidate
each time.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path

from flask import Flask, Response, current_app, request
from psycopg import pq
from sqlalchemy import Engine

from ..db import CompiledStatement, get_session
from ..errors import Open311Error
from ..logic.listing_changes import (
    CHECK_STATE,
    READ_STATE,
    ListingState,
    check_params,
    checked_state,
    version_and_moved,
)
from ..logic.request_search import RequestQuery, Window, listing_window
from .blueprint import geo_report
from .catalog import current_jurisdiction

#: The endpoints whose answers carry these validators (production and test endpoint).
LISTING_ENDPOINTS = frozenset({"georeport.Requests", "georeport_test.Requests"})
#: Settings that never change what a listing shows (and must not enter a digest: secrets).
IGNORED_SETTINGS = ("DATABASE_URL", "READ_DATABASE_URL", "SECRET", "PASSWORD", "TOKEN", "KEY")
#: Last-Modified is the change's second plus this (see the module's text).
SETTLED_AFTER = timedelta(seconds=2)

VALIDATOR_HEADERS = {
    "ETag": {
        "description": "Extension: a weak validator; send it back in If-None-Match.",
        "schema": {"type": "string"},
    },
    "Last-Modified": {
        "description": "Extension: when the listing last changed (once a change has settled).",
        "schema": {"type": "string"},
    },
    "Cache-Control": {"description": "no-cache: revalidate every time.", "schema": {"type": "string"}},
}


@cache
def _code_digest() -> bytes:
    """A digest of this server's code: another version may write the same rows differently."""
    digest = hashlib.blake2b(digest_size=16)
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.digest()


def init_conditional(app: Flask) -> None:
    """Compute the digest of the code and settings this app writes listings with."""
    digest = hashlib.blake2b(_code_digest(), digest_size=16)
    for name, value in sorted(app.config.items()):
        if not any(word in name for word in IGNORED_SETTINGS):
            digest.update(f"{name}={value!r}\n".encode())
    app.extensions["open311.representation"] = digest.digest()


def _url_digest(jurisdiction) -> str:
    return _digest(
        current_app.extensions["open311.representation"], request.scheme, request.host, request.path,
        request.query_string, jurisdiction.time_zone,
    )  # fmt: skip


@lru_cache(maxsize=4096)  # polling clients ask for the same few URLs again and again
def _digest(representation: bytes, scheme: str, host: str, path: str, query: bytes, time_zone: str) -> str:
    digest = hashlib.blake2b(representation, digest_size=8)
    for part in (scheme, host, path, time_zone):
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    digest.update(query)
    return digest.hexdigest()


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // MICROSECOND


def _moment(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def make_tag(jurisdiction_id: int, version: int, digest: str, window: Window) -> str:
    """The (unquoted) tag: jurisdiction, version, digest, and the bounds of a moving window."""
    tag = f"{jurisdiction_id:x}.{version:x}.{digest}"
    if window.moving:
        tag += f".{_micros(window.start):x}.{_micros(window.end):x}"
    return tag


def read_tag(tag: str) -> tuple[int, int, str, Window, tuple[int, int]] | None:
    """What :func:`make_tag` wrote, and a moving window's bounds in microseconds (None for any other tag)."""
    parts = tag.split(".")
    try:
        numbers = [int(part, 16) for part in parts[:2] + parts[3:]]
        if len(parts) == 3:
            return numbers[0], numbers[1], parts[2], Window(None, None), ()
        if len(parts) == 5:
            window = Window(_moment(numbers[2]), _moment(numbers[3]), moving=True)
            return numbers[0], numbers[1], parts[2], window, (numbers[2], numbers[3])
    except (ValueError, OverflowError):
        pass
    return None


def _last_modified(state: ListingState) -> datetime | None:
    if not state.settled or state.changed_at is None:
        return None
    return state.changed_at.astimezone(UTC).replace(microsecond=0) + SETTLED_AFTER


def not_modified(headers: dict) -> Response:
    """The 304 carrying the validators a 200 would carry (Last-Modified aside: the client has it)."""
    return Response(
        status=304,
        headers=[
            ("ETag", headers["ETag"]),
            ("Cache-Control", headers["Cache-Control"]),
            ("Vary", "Accept-Encoding"),  # as the 200, whose coding follows Accept-Encoding
        ],
    )


def _etag(jurisdiction_id: int, version: int, digest: str, window: Window) -> str:
    return f'W/"{make_tag(jurisdiction_id, version, digest, window)}"'


def _version_and_moved(jurisdiction_id: int, moved: tuple[int, int, int, int] | None) -> tuple[int, bool] | None:
    """The version and whether the window's rows stayed, read on a pooled connection of the read engine
    outside any session (one round trip); None when the database fails (the view then answers)."""
    engine = current_app.extensions["open311.db"].read_sessionmaker.kw["bind"]
    if not isinstance(engine, Engine):  # sessions bound to one connection and its transaction (the tests')
        moments = [_moment(micros) for micros in moved or ()]
        bounds = ((moments[0], moments[1]), (moments[2], moments[3])) if moved else ()
        state, unmoved = checked_state(CHECK_STATE.fetch(get_session(), check_params(jurisdiction_id, *bounds))[0])
        return state.version, unmoved
    pooled = engine.raw_connection()
    try:
        pgconn = pooled.driver_connection.pgconn
        found = version_and_moved(pgconn, pooled.info, jurisdiction_id, moved)
        if found is None and pgconn.status != pq.ConnStatus.OK:
            pooled.invalidate()
        return found
    finally:
        pooled.close()


def answer_from_tag() -> Response | None:
    """Before the arguments are parsed: 304 when ``If-None-Match`` holds this URL's tag and nothing the
    listing shows changed since (one statement); None to let the view answer."""
    req = request._get_current_object()
    if req.endpoint not in LISTING_ENDPOINTS or req.method not in ("GET", "HEAD"):
        return None
    offered = req.if_none_match
    if not offered or offered.star_tag:
        return None
    try:
        jurisdiction = current_jurisdiction({"jurisdiction_id": req.args.get("jurisdiction_id") or None})
    except Open311Error:
        return None  # the view answers the error
    digest = _url_digest(jurisdiction)
    for tag in offered.as_set(include_weak=True):
        found = read_tag(tag)
        if found is None or found[0] != jurisdiction.id or found[2] != digest:
            continue
        version, window, moved = found[1], found[3], None
        if window.moving:
            now = listing_window(RequestQuery(), datetime.now(UTC))
            moved = (*found[4], _micros(now.start), _micros(now.end))
        else:
            now = window
        if _version_and_moved(jurisdiction.id, moved) == (version, True):
            return not_modified({"ETag": _etag(jurisdiction.id, version, digest, now), "Cache-Control": "no-cache"})
        return None
    return None


# First of the blueprint's hooks (after the app's own, such as rate limits): a tag made by a 200 for this
# very URL tells that its characters and arguments passed every check.
geo_report.before_request_funcs.setdefault(None, []).insert(0, answer_from_tag)


def _since() -> datetime | None:
    """If-Modified-Since, which counts only without If-None-Match."""
    return request.if_modified_since if "If-None-Match" not in request.headers else None


def sends_validator() -> bool:
    """Whether the client sent a validator (the view then reads the state before any row: a 304 reads none)."""
    return "If-None-Match" in request.headers or request.if_modified_since is not None


def state_statement(jurisdiction, window: Window) -> tuple[CompiledStatement, dict]:
    """In the view, after the arguments were checked: the statement reading the jurisdiction's state for
    this answer, and its parameters. With If-Modified-Since on a moving window its row also says whether a
    request left or entered the window since (``moved``)."""
    since = _since()
    if since is not None and window.moving:
        then = listing_window(RequestQuery(), since)
        return CHECK_STATE, check_params(jurisdiction.id, (then.start, then.end), (window.start, window.end))
    return READ_STATE, {"jurisdiction_id": jurisdiction.id}


def listing_validators(jurisdiction, window: Window, row) -> tuple[dict, bool]:
    """From the state's row (:func:`state_statement`, read before the rows or in their snapshot): the
    validator headers of the answer and whether it is a 304 (``If-None-Match`` naming its tag or ``*``,
    or ``If-Modified-Since`` without ``If-None-Match``)."""
    since = _since()
    state = ListingState(row.version, row.changed_at, row.settled, row.highest_id)
    unmoved = not getattr(row, "moved", False)
    headers = {
        "ETag": _etag(jurisdiction.id, state.version, _url_digest(jurisdiction), window),
        "Cache-Control": "no-cache",
    }
    last_modified = _last_modified(state)
    if last_modified is not None:
        headers["Last-Modified"] = last_modified.strftime("%a, %d %b %Y %H:%M:%S GMT")
    unchanged = request.if_none_match.contains_weak(headers["ETag"][3:-1]) or (
        since is not None and last_modified is not None and since == last_modified and unmoved
    )
    return headers, unchanged
