"""gunicorn's threaded worker, whose own refusals are the standard's ``errors`` list, not HTML.

gunicorn answers by itself when a request cannot reach the application (a request line or header
over its limits: 414, 431; a malformed request: 400) and writes an HTML page. The standard wants
its ``errors`` document, in JSON when the URL asks for it, else in XML.
"""

from __future__ import annotations

import threading

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from ..formats import MEDIA_TYPES, render

_request = threading.local()

SERVER_ERROR = "The server failed to process the request; the error has been logged."


def write_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's error writer, replaced: the ``errors`` document of the request's format."""
    fmt = getattr(_request, "format", "xml")
    description = (mesg or reason) if status_int < 500 else SERVER_ERROR
    body = render(fmt, "errors", [{"code": status_int, "description": description}])
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: {MEDIA_TYPES[fmt]}\r\n"
        f"Content-Length: {len(body)}\r\nX-Content-Type-Options: nosniff\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


util.write_error = write_error


class Open311ThreadWorker(ThreadWorker):
    """gthread, with gunicorn's error pages in the standard's format."""

    def handle_error(self, req, client, addr, exc):
        """Note the format the request asked for, then let gunicorn answer (through :func:`write_error`)."""
        path = getattr(req, "path", None) or getattr(getattr(exc, "req", None), "path", None) or ""
        _request.format = "json" if str(path).lower().endswith(".json") else "xml"
        try:
            super().handle_error(req, client, addr, exc)
        finally:
            _request.format = "xml"
