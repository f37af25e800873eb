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
