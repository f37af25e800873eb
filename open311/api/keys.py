"""The API key of a call, wherever the client put it: the ``X-API-Key`` header, ``Authorization: Bearer``,
or the standard's ``api_key`` parameter. Headers keep keys out of URLs (and so out of access logs).
"""

from __future__ import annotations

from flask import request
from sqlalchemy.orm import Session

from ..errors import BadRequest
from ..logic.api_keys import CallKey, authenticate

#: Extension: the header schemes, documented in the OpenAPI document.
SECURITY_SCHEMES = {
    "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "Bearer": {"type": "http", "scheme": "bearer", "description": "The API key as a bearer token."},
}
#: Either header will do (the ``api_key`` parameter is documented with each operation's parameters).
KEYED = [{name: []} for name in SECURITY_SCHEMES]


def _header_keys() -> list[str]:
    """The keys sent in headers: ``X-API-Key``, then ``Authorization: Bearer`` (read from the WSGI
    environment: this runs on every request)."""
    environ = request.environ
    found = []
    header = environ.get("HTTP_X_API_KEY", "").strip()
    if header:
        found.append(header)
    scheme, _, credentials = environ.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        found.append(credentials.strip())
    return found


def presented_key() -> str | None:
    """The key of this call as far as it can be read without the body (a header, else ``api_key`` in the
    query string): what rate limits count before the body is parsed. :func:`request_api_key` decides."""
    headers = _header_keys()
    if headers:
        return headers[0]
    if "api_key=" not in request.environ.get("QUERY_STRING", ""):
        return None
    return request.args.get("api_key") or None


def request_api_key(args: dict) -> str | None:
    """The key sent with this call: a header (``X-API-Key`` or ``Authorization: Bearer``) or ``api_key``.

    Two different keys in one call are a 400: the server never guesses which one was meant.
    """
    sent = {args.get("api_key") or "", *_header_keys()} - {""}
    if len(sent) > 1:
        raise BadRequest("api_key: the call carries two different keys (header and parameter); send one")
    return sent.pop() if sent else None


def authenticated(session: Session, args: dict, jurisdiction) -> CallKey:
    """The live key of this call, valid for ``jurisdiction`` (403 saying why otherwise)."""
    return authenticate(session, request_api_key(args), jurisdiction)
