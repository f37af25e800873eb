"""gunicorn's own answers (a crash escaping the application, a request over its limits) are the
standard's errors document, not gunicorn's HTML page."""

from __future__ import annotations

import socket
from types import SimpleNamespace

from gunicorn.http.errors import LimitRequestLine
from lxml import etree

from open311.server.worker import Open311ThreadWorker


def answer_to(exc: Exception) -> tuple[str, dict, bytes]:
    worker = Open311ThreadWorker.__new__(Open311ThreadWorker)
    worker.log = SimpleNamespace(warning=lambda *a, **k: None, exception=lambda *a, **k: None, debug=print)
    server, client = socket.socketpair()
    with server, client:
        worker.handle_error(None, server, ("127.0.0.1", 1), exc)
        server.close()
        data = client.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    return lines[0], dict(line.split(": ", 1) for line in lines[1:]), body


def test_a_crash_escaping_the_application_is_a_500_errors_document():
    status, headers, body = answer_to(RuntimeError("a teardown failed"))
    assert status == "HTTP/1.1 500 Internal Server Error"
    assert headers["Content-Type"] == "text/xml" and int(headers["Content-Length"]) == len(body)
    document = etree.fromstring(body)
    assert document.findtext("error/code") == "500" and "teardown" not in body.decode()


def test_a_request_line_over_the_limit_is_a_414_errors_document():
    status, _headers, body = answer_to(LimitRequestLine(9000, 8190))
    assert status.startswith("HTTP/1.1 414")
    assert etree.fromstring(body).findtext("error/code") == "414" and b"<html" not in body
