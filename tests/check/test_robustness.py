"""Whatever a server answers (HTML, an object everywhere, 500s, nothing), the checker grades it and never
crashes: every check has a result and the run exits 1."""

from __future__ import annotations

import pytest
from werkzeug.wrappers import Response

from open311.check.checklist import CHECKS

from .conftest import check, serving


def _html(environ, start_response):
    return Response("<html><body>Hello</body></html>", content_type="text/html")(environ, start_response)


def _an_object_everywhere(environ, start_response):
    return Response('{"ok": true}', content_type="application/json")(environ, start_response)


def _failing(environ, start_response):
    return Response("Internal Server Error", status=500)(environ, start_response)


@pytest.mark.parametrize("app", [_html, _an_object_everywhere, _failing])
@pytest.mark.parametrize("path", ["/v2/discovery.json", "/v2"])
def test_a_server_that_is_no_georeport_server(app, path):
    with serving(app) as root:
        report = check(root + path, jurisdiction_id="x", write=True, api_key="k")
    assert set(report.results) == {c.id for c in CHECKS}
    assert report.failed and report.score() < 60
    assert report.results["discovery.no-jurisdiction"].status.value != "pass"


def test_a_server_that_asks_to_slow_down_is_waited_for():
    from .conftest import JURISDICTION, KEY
    from .stub import Stub

    stub, seen = Stub(), []

    def throttling(environ, start_response):
        seen.append(environ["PATH_INFO"])
        if len(seen) % 5 == 0:  # every fifth request: come back in a moment
            return Response("slow down", status=429, headers={"Retry-After": "0"})(environ, start_response)
        return stub(environ, start_response)

    with serving(throttling) as root:
        report = check(root + "/v2/discovery.json", jurisdiction_id=JURISDICTION, write=True, api_key=KEY)
    assert report.score() == 100.0
    assert any(note.startswith("the server answered 429 Too Many Requests") for note in report.notes)


@pytest.mark.parametrize(("header", "seconds"), [(None, 2.0), ("0", 0.0), ("5", 5.0), ("3600", 30.0),
                                                  ("Wed, 21 Oct 2015 07:28:00 GMT", 2.0), ("-1", 0.0)])  # fmt: skip
def test_retry_after(header, seconds):
    from open311.check.transport import _retry_after

    assert _retry_after(header) == seconds
