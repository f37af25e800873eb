"""Extension: rate limits per key and per client address, with the IETF RateLimit headers.

Every request is counted before its view runs (health and metrics excepted): against its key when it
carries a live one (``X-API-Key``, ``Authorization: Bearer``, ``api_key`` in the query string — read
before the body — or in a form body), else against the client's address (an IPv6 client by its /64).
Writes are also counted against the key's write quota. Over a quota: 429 with ``Retry-After`` and
the standard's ``errors`` document. Every counted answer carries ``RateLimit-Policy`` and
``RateLimit`` (draft-ietf-httpapi-ratelimit-headers), e.g. ``"key";q=6000;w=60`` and ``"key";r=5998;t=41``.
"""

from __future__ import annotations

import ipaddress
import threading

from cachetools import TTLCache
from flask import Flask, Response, current_app, g, request

from ..db import get_session
from ..errors import Forbidden, TooManyRequests
from ..logic.api_keys import KeyIdentity, key_identity
from ..logic.rate_limits import Decision, Limiter, Policy, PostgresStore, RedisStore
from .bounds import BODY_METHODS
from .keys import presented_key

#: Never counted: the operators' endpoints.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
#: POST requests: it counts its write itself (see count_request).
SUBMISSION_ENDPOINT = "georeport.Requests"
_UNKNOWN = KeyIdentity(0, None)  # cached "no such live key"


class KeyIdentities:
    """Live keys by key, kept by each worker for the catalogue cache's time (plain values)."""

    def __init__(self, seconds: int):
        self.cache: TTLCache | None = TTLCache(maxsize=10_000, ttl=seconds) if seconds > 0 else None
        self.lock = threading.Lock()

    def get(self, key: str) -> KeyIdentity | None:
        """The key's identity (None: unknown or revoked)."""
        if self.cache is not None:
            with self.lock:
                found = self.cache.get(key)
            if found is not None:
                return None if found is _UNKNOWN else found
        identity = key_identity(get_session(), key)
        if self.cache is not None:
            with self.lock:
                self.cache[key] = identity or _UNKNOWN
        return identity


def client_bucket() -> str:
    """The client's address (after the trusted proxies), an IPv6 client by its /64 network."""
    address = request.remote_addr or "unknown"
    if ":" not in address:
        return address  # IPv4, as the server or the trusted proxy wrote it
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if parsed.version == 6:
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def request_key() -> tuple[str | None, bool]:
    """The key the request carries and whether it was read without the body."""
    key = presented_key()
    if key is not None:
        return key, True
    if request.method in BODY_METHODS and request.mimetype in FORM_TYPES:
        return request.form.get("api_key") or None, False
    return None, False


def count_request() -> None:
    """Count the request against its quotas; the 429 answer when one is spent."""
    if request.path in EXEMPT_PATHS:
        return None
    config = current_app.config
    limiter: Limiter = current_app.extensions["open311.limiter"]
    key, early = request_key()
    identity = current_app.extensions["open311.key_identities"].get(key) if key else None
    if key and identity is None and early and request.method in BODY_METHODS:
        raise Forbidden("Invalid api_key received: it is unknown or revoked")  # before the body is read
    decisions: list[Decision] = []
    if identity is not None:
        quota = identity.rate_limit or config["RATE_LIMIT_KEY"]
        if quota:
            decisions.append(limiter.hit(str(identity.id), Policy("key", quota)))
        writes = config["RATE_LIMIT_WRITES"]
        if request.method in BODY_METHODS and writes and identity.rate_limit is None:
            policy = Policy("writes", writes)
            if limiter.counts_in_database and request.endpoint == SUBMISSION_ENDPOINT:
                # A submission counts itself, in its own transaction, with its fingerprint (api/folding.py):
                # one round trip less. What this worker already knows is enforced there too, after an
                # identical earlier submission had the chance to be answered.
                g.open311_writes = (str(identity.id), policy)
                g.open311_writes_known = limiter.known(str(identity.id), policy)
                decisions.append(g.open311_writes_known)
            else:
                decisions.append(limiter.hit(str(identity.id), policy))
    elif config["RATE_LIMIT_ADDRESS"]:
        decisions.append(limiter.hit(client_bucket(), Policy("address", config["RATE_LIMIT_ADDRESS"])))
    g.open311_rate_limits = decisions
    spent = [d for d in decisions if not d.allowed and d is not g.get("open311_writes_known")]
    if spent:
        raise refusal(spent)
    return None


def refusal(spent: list[Decision]) -> TooManyRequests:
    """The 429 of the spent quotas (counted in /metrics)."""
    descriptions = [
        f"Too many requests ({'for this api_key' if d.policy.name != 'address' else 'from this address'}, "
        f"{d.policy.name} quota: {d.policy.quota} per {d.policy.window} s); try again in {d.reset} s."
        for d in spent
    ]
    refusals = current_app.extensions.get("open311.rate_limit_refusals")
    if refusals is not None:
        for decision in spent:
            refusals(decision.policy.name)
    return TooManyRequests(*descriptions, headers={"Retry-After": str(max(d.reset for d in spent))})


def refuse_known_spent_writes() -> None:
    """A submission whose write quota this worker knows spent: 429 before any work."""
    known = g.get("open311_writes_known")
    if known is not None and not known.allowed:
        raise refusal([known])


def counted_by_the_request(decision: Decision) -> None:
    """A hit the request counted itself: its decision replaces what was known before."""
    g.open311_rate_limits = [decision if d.policy.name == decision.policy.name else d for d in g.open311_rate_limits]
    if not decision.allowed:
        raise refusal([decision])


def rate_limit_headers(response: Response) -> Response:
    """RateLimit-Policy and RateLimit on every counted answer."""
    decisions = g.get("open311_rate_limits")
    if decisions:
        response.headers["RateLimit-Policy"] = ", ".join(
            f'"{d.policy.name}";q={d.policy.quota};w={d.policy.window}' for d in decisions
        )
        response.headers["RateLimit"] = ", ".join(f'"{d.policy.name}";r={d.remaining};t={d.reset}' for d in decisions)
    return response


def init_rate_limits(app: Flask) -> None:
    """The limiter and its store (Redis when OPEN311_RATE_LIMIT_REDIS_URL is set, else PostgreSQL)."""
    url = app.config.get("RATE_LIMIT_REDIS_URL")
    store = RedisStore(url) if url else PostgresStore.for_engine(app.extensions["open311.db"].engine)
    app.extensions["open311.limiter"] = Limiter(store)
    app.extensions["open311.key_identities"] = KeyIdentities(app.config["CATALOG_CACHE_SECONDS"])
    app.before_request(count_request)
    app.after_request(rate_limit_headers)
