"""Extension: what browsers need — CORS for a city's web apps, and security headers on every answer.

CORS is set per jurisdiction in the city file (``jurisdiction.cors``): pages of any origin may read by
default, pages of the listed origins may write. A write from a page of another origin is refused
(403) — a form POST needs no preflight, so not sending the CORS header would only hide the answer
from the page, not stop the change. Preflights are answered; answers that depend on the origin say
``Vary: Origin``.

Every answer carries ``X-Content-Type-Options: nosniff`` (an uploaded GIF that is also HTML is never
taken for a page), ``Referrer-Policy``, ``X-Frame-Options`` and a Content-Security-Policy: nothing
may run in API answers and photos; /docs may run Swagger UI's scripts and its one inline script.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, current_app, g, request

from ..db import get_session
from ..errors import Forbidden
from ..logic.cors import OriginPolicy, origin_policies
from .bounds import BODY_METHODS
from .cache import catalog_cache

#: Paths a page of another origin may call (the API, its photos and its description).
CORS_PREFIXES = ("/open311/", "/media/", "/openapi.json")
ALLOW_METHODS = "GET, HEAD, POST"
ALLOW_HEADERS = "X-API-Key, Authorization, Content-Type, If-None-Match, If-Modified-Since"
EXPOSE_HEADERS = (
    "X-Result-Count, X-Page, X-Page-Size, X-Page-Count, X-Snapshot, Link, ETag, Last-Modified, "
    "RateLimit, RateLimit-Policy, Retry-After"
)
PREFLIGHT_MAX_AGE = "600"

NO_CONTENT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
#: Extension: the dashboard's pages run their own scripts and styles (no inline ones) and call the API here;
#: images may come from a tile server (OPEN311_DASHBOARD_TILE_URL).
DASHBOARD_PREFIX = "/dashboard"
DASHBOARD_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
DOCS_POLICY = (
    "default-src 'none'; script-src 'self' {scripts}; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
SECURITY_ITEMS = tuple(SECURITY_HEADERS.items())
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def _policies() -> dict[str, OriginPolicy]:
    return catalog_cache().get_or_make(("origin policies",), lambda: origin_policies(get_session()))


def _same_origin(origin: str) -> bool:
    """A page of this server itself (e.g. /docs trying the API)."""
    return origin == request.host_url.rstrip("/").lower()


def origin_allowed(origin: str, write: bool) -> bool:
    """Whether a page of ``origin`` may read (or write) what this request names.

    The jurisdiction is the one the request names (query string, or a form body already bounded),
    else the default one; when it names none and several are hosted, any jurisdiction's consent will
    do for the preflight (the request itself then needs its ``jurisdiction_id``).
    """
    if _same_origin(origin):
        return True
    named = request.args.get("jurisdiction_id")
    if not named and request.method in BODY_METHODS and request.mimetype in {
        "application/x-www-form-urlencoded", "multipart/form-data",
    }:  # fmt: skip
        named = request.form.get("jurisdiction_id")
    named = named or current_app.config.get("DEFAULT_JURISDICTION")
    policies = _policies()
    candidates = [policies[named]] if named in policies else list(policies.values())
    return any(policy.allows(origin, write) for policy in candidates)


def _cors_path() -> bool:
    return request.path.startswith(CORS_PREFIXES)


def check_origin() -> Response | None:
    """Answer preflights; refuse writes from pages of origins the jurisdiction does not list."""
    origin = request.headers.get("Origin")
    if not origin or not _cors_path():
        return None
    origin = origin.lower()
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        wanted = request.headers["Access-Control-Request-Method"].upper()
        response = Response(status=204)
        response.vary.update(("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"))
        if wanted in ALLOW_METHODS.split(", ") and origin_allowed(origin, write=wanted in BODY_METHODS):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        g.open311_preflight = True
        return response
    write = request.method in BODY_METHODS
    if not origin_allowed(origin, write):
        if write:
            raise Forbidden(f"Pages of {origin} may not submit or change requests here (CORS)")
        return None
    g.open311_cors_origin = origin
    return None


def browser_headers(response: Response) -> Response:
    """Security headers on every answer; the CORS headers on answers to allowed pages."""
    headers = response.headers
    headers.extend(SECURITY_ITEMS)  # set nowhere else: appended without a search (this runs on every answer)
    path = request.path
    if path == "/" + current_app.config["OPENAPI_SWAGGER_UI_PATH"] and response.mimetype == "text/html":
        headers["Content-Security-Policy"] = _docs_policy(response)
    elif path == DASHBOARD_PREFIX or path.startswith(DASHBOARD_PREFIX + "/"):
        headers["Content-Security-Policy"] = _dashboard_policy()
    else:
        headers.add("Content-Security-Policy", NO_CONTENT_POLICY)
    if path.startswith(CORS_PREFIXES) and not g.get("open311_preflight"):
        vary = headers.get("Vary")
        headers["Vary"] = f"{vary}, Origin" if vary else "Origin"
        origin = g.get("open311_cors_origin")
        if origin:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    return response


def _dashboard_policy() -> str:
    """The dashboard's policy, with the origin of the tile server when one is set."""
    tiles = current_app.config.get("DASHBOARD_TILE_URL")
    match = re.match(r"^(https?://[^/{}]+)", tiles or "")
    return DASHBOARD_POLICY.format(tiles=f" {match.group(1)}" if match else "")


def _docs_policy(response: Response) -> str:
    """The /docs policy, allowing exactly the inline scripts of the page (by hash, computed once)."""
    policy = current_app.extensions.get("open311.docs_policy")
    if policy is None:
        hashes = [
            "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
            for script in _INLINE_SCRIPT.findall(response.get_data())
        ]
        policy = current_app.extensions["open311.docs_policy"] = DOCS_POLICY.format(scripts=" ".join(hashes))
    return policy


def init_browser(app: Flask) -> None:
    """Check origins before anything else reads the request; add the headers to every answer."""
    app.before_request(check_origin)
    app.after_request(browser_headers)
