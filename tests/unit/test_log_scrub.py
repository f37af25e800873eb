"""Keys are redacted from every log line: query strings, key headers and keys echoed in messages."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest

from open311.server.logs import ScrubbingLogger, ScrubFilter, scrub

KEY = "o311_AbCdEfGhIjKlMnOpQrStUvWxYz012345"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"GET /open311/v2/requests.json?api_key={KEY}&page=2 HTTP/1.1",
            "GET /open311/v2/requests.json?api_key=REDACTED&page=2 HTTP/1.1",
        ),
        ("POST /x?jurisdiction_id=paris.fr&api_key=secret123", "POST /x?jurisdiction_id=paris.fr&api_key=REDACTED"),
        ("headers: X-API-Key: secret123, Accept: */*", "headers: X-API-Key: REDACTED, Accept: */*"),
        ("Authorization: Bearer secret123", "Authorization: REDACTED"),
        (f"form {{'api_key': '{KEY}'}}", "form {'api_key': 'o311_REDACTED'}"),
        ("nothing to hide here", "nothing to hide here"),
    ],
)
def test_scrub(text, expected):
    assert scrub(text) == expected


def test_the_filter_redacts_arguments_and_tracebacks():
    try:
        raise ValueError(f"bad key {KEY}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "GET %s", (f"/a?api_key={KEY}",), None)
        import sys

        record.exc_info = sys.exc_info()
    assert ScrubFilter().filter(record) is True
    formatted = logging.Formatter().format(record)
    assert KEY not in formatted and KEY[5:] not in formatted
    assert "api_key=REDACTED" in formatted and "bad key o311_REDACTED" in formatted


def test_the_access_log_atoms_are_redacted():
    cfg = SimpleNamespace(
        accesslog="-", logconfig=None, logconfig_dict={}, logconfig_json=None, syslog=False,
        disable_redirect_access_to_syslog=False, errorlog="-", loglevel="info", capture_output=False,
        syslog_addr=None, syslog_prefix=None, syslog_facility="user", access_log_format="%(r)s",
        user=0, group=0,
    )  # fmt: skip
    logger = ScrubbingLogger.__new__(ScrubbingLogger)
    logger.cfg = cfg
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": f"/open311/v2/services.json?api_key={KEY}", "SERVER_PROTOCOL": "HTTP/1.1",
        "QUERY_STRING": f"api_key={KEY}", "PATH_INFO": "/open311/v2/services.json",
    }  # fmt: skip
    request = SimpleNamespace(headers=[("X-API-KEY", KEY), ("AUTHORIZATION", f"Bearer {KEY}")])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=3))
    assert KEY not in repr(atoms)
    assert atoms["r"] == "GET /open311/v2/services.json?api_key=REDACTED HTTP/1.1"
    assert atoms["{x-api-key}i"] == atoms["{authorization}i"] == "REDACTED"
