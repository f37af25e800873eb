"""Keys never reach a log: ``api_key=`` values, ``X-API-Key`` and ``Authorization`` headers are redacted.

Used by gunicorn's access and error logs (:class:`ScrubbingLogger`) and by the application's own
logging (:class:`ScrubFilter` on every handler), so a key sent in a URL, a header or echoed in an
error message is written as ``REDACTED``.
"""

from __future__ import annotations

import logging
import re

from ..access_log import BufferedAccessLogger

REDACTED = "REDACTED"

_SECRETS = re.compile(
    r"(?P<param>\bapi_key=)[^&\s\"'#]*"
    r"|(?P<header>\b(?:x-api-key|authorization)\s*[:=]\s*['\"]?)(?:bearer\s+|basic\s+)?[^\s'\",;]+"
    r"|(?P<key>\bo311_)[A-Za-z0-9_-]{8,}",
    re.IGNORECASE,
)

#: Request headers that carry keys, as gunicorn's access-log atoms name them (headers and environ).
SECRET_ATOMS = (
    "{x-api-key}i", "{authorization}i", "{cookie}i", "{http_x_api_key}e", "{http_authorization}e", "{http_cookie}e",
)  # fmt: skip
#: Atoms that may hold a query string: the request line, the query, the referer, the raw URI.
URL_ATOMS = ("r", "q", "f", "{raw_uri}e", "{query_string}e", "{http_referer}e", "{referer}i")


def _redact(match: re.Match) -> str:
    return (match.group("param") or match.group("header") or match.group("key")) + REDACTED


def scrub(text: str) -> str:
    """``text`` with every key it holds replaced by REDACTED."""
    return _SECRETS.sub(_redact, text) if text else text


class ScrubFilter(logging.Filter):
    """A handler filter that redacts keys from the message and the traceback of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it."""
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


def install(handlers) -> None:
    """Add the filter to these handlers (once)."""
    for handler in handlers:
        if not any(isinstance(existing, ScrubFilter) for existing in handler.filters):
            handler.addFilter(ScrubFilter())


class ScrubbingLogger(BufferedAccessLogger):
    """gunicorn's logger, with keys redacted from the access log and the error log; the access log is
    written in blocks by a thread of each worker (open311/access_log.py)."""

    def setup(self, cfg) -> None:
        """gunicorn's set-up, then the filter on the error log's handlers."""
        super().setup(cfg)
        install(self.error_log.handlers)

    def atoms(self, resp, req, environ, request_time) -> dict:
        """The access-log fields with the request line, query string, referer and key headers redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        for name in URL_ATOMS:
            if atoms.get(name):
                atoms[name] = scrub(atoms[name])
        for name in SECRET_ATOMS:
            if name in atoms:
                atoms[name] = REDACTED
        return atoms
