"""Bounded work before authentication: body size, form fields and parts, and the key before the body.

A form body of a million fields cost seconds of CPU before its key was even looked at. Here every
body is bounded before it is parsed (``OPEN311_MAX_FORM_BYTES``, plus ``OPEN311_MEDIA_MAX_BYTES`` for
a multipart form with a photo; ``OPEN311_MAX_FORM_FIELDS`` fields or parts), and a key sent in a
header or the query string is checked before the body is read (413 and 403, in the standard's
``errors`` format). gunicorn and the nginx front bound the request line and the headers.
"""

from __future__ import annotations

import io

from flask import Flask, Request, current_app, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.middleware.proxy_fix import ProxyFix

#: Methods whose requests carry a body (and may carry a key to check before it is read).
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class TooManyFields(RequestEntityTooLarge):
    """413: the form has more fields than the server reads."""


class BoundedFormDataParser(FormDataParser):
    """werkzeug's parser, with the field limit applied to url-encoded forms too (werkzeug counts
    multipart parts only)."""

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        body = stream.read()  # already limited to max_content_length
        if self.max_form_parts is not None and body.count(b"&") >= self.max_form_parts:
            raise TooManyFields(f"The form has more than {self.max_form_parts} fields.")
        return super()._parse_urlencoded(io.BytesIO(body), mimetype, content_length, options)

    def _parse_multipart(self, stream, mimetype, content_length, options):
        parsed = super()._parse_multipart(stream, mimetype, content_length, options)
        if None in parsed[1] or None in parsed[2]:
            raise BadRequest("A part of the multipart form has no name.")
        return parsed


class BoundedRequest(Request):
    """Flask's request with limits that depend on what the body is."""

    form_data_parser_class = BoundedFormDataParser

    @property
    def max_content_length(self) -> int | None:
        """MAX_FORM_BYTES, plus MEDIA_MAX_BYTES for a multipart form (which may carry a photo)."""
        if not current_app:
            return None
        limit = current_app.config["MAX_FORM_BYTES"]
        if self.mimetype == "multipart/form-data":
            limit += current_app.config["MEDIA_MAX_BYTES"]
        return limit


def refuse_before_reading() -> None:
    """Too large a body: 413 before a byte of it is read (the key is checked next, by the rate
    limiting, before the body too when it is sent in a header or the query string)."""
    length = request.content_length if request.method in BODY_METHODS else None
    if length is not None and length > (request.max_content_length or length):
        raise RequestEntityTooLarge(f"The request body is larger than {request.max_content_length} bytes.")


def init_bounds(app: Flask) -> None:
    """Use the bounded request, apply the checks first, and trust the configured proxies' headers."""
    app.request_class = BoundedRequest
    app.config["MAX_FORM_MEMORY_SIZE"] = app.config["MAX_FORM_BYTES"]
    app.config["MAX_FORM_PARTS"] = app.config["MAX_FORM_FIELDS"]
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_before_reading)
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
