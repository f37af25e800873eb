"""Browser apps: CORS per jurisdiction (reads from any page, writes from listed pages), preflights,
Vary: Origin, security headers on every answer, and URLs that never follow the Host header."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from open311.models import Jurisdiction, ServiceRequest

from ..conftest import POTHOLE

APP = "https://app.paris.fr"
ELSEWHERE = "https://evil.example"
SCRIPT = b"<html><script>alert(document.domain)</script></html>"


def _image(fmt: str, trailer: bytes = b"") -> bytes:
    """A real one-pixel image (the server decodes every upload), with ``trailer`` after its end."""
    out = io.BytesIO()
    Image.new("P" if fmt == "GIF" else "RGB", (1, 1)).save(out, fmt)
    return out.getvalue() + trailer


#: A GIF that is also an HTML page: browsers sniffing it would run its script.
GIF_HTML = _image("GIF", SCRIPT)


@pytest.fixture()
def paris_app_may_write(session):
    """Paris lists https://app.paris.fr as a page that may write."""
    session.execute(
        update(Jurisdiction).where(Jurisdiction.jurisdiction_id == "paris.fr").values(cors_write_origins=[APP])
    )
    session.flush()


def test_any_page_may_read_and_the_answer_varies_by_origin(client):
    reply = client.get("/open311/v2/requests.json?jurisdiction_id=paris.fr", headers={"Origin": ELSEWHERE})
    assert reply.status_code == 200
    assert reply.headers["Access-Control-Allow-Origin"] == ELSEWHERE
    assert "X-Result-Count" in reply.headers["Access-Control-Expose-Headers"]
    assert "RateLimit" in reply.headers["Access-Control-Expose-Headers"]
    assert "Origin" in reply.headers["Vary"]
    plain = client.get("/open311/v2/requests.json?jurisdiction_id=paris.fr")
    assert "Access-Control-Allow-Origin" not in plain.headers and "Origin" in plain.headers["Vary"]


def test_reads_can_be_kept_to_listed_pages(client, session):
    session.execute(
        update(Jurisdiction).where(Jurisdiction.jurisdiction_id == "paris.fr").values(cors_read_origins=[APP])
    )
    session.flush()
    path = "/open311/v2/services.json?jurisdiction_id=paris.fr"
    assert "Access-Control-Allow-Origin" not in client.get(path, headers={"Origin": ELSEWHERE}).headers
    assert client.get(path, headers={"Origin": APP}).headers["Access-Control-Allow-Origin"] == APP
    nyc = "/open311/v2/services.json?jurisdiction_id=nyc.gov"  # New York keeps the default: any page
    assert client.get(nyc, headers={"Origin": ELSEWHERE}).headers["Access-Control-Allow-Origin"] == ELSEWHERE


def test_a_preflight_is_answered_for_listed_writers_only(client, paris_app_may_write):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "X-API-Key"}
    path = "/open311/v2/requests.json?jurisdiction_id=paris.fr"
    allowed = client.options(path, headers={"Origin": APP, **preflight})
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == APP
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert "X-API-Key" in allowed.headers["Access-Control-Allow-Headers"]
    assert int(allowed.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in allowed.headers["Vary"]
    refused = client.options(path, headers={"Origin": ELSEWHERE, **preflight})
    assert refused.status_code == 204 and "Access-Control-Allow-Origin" not in refused.headers
    reading = client.options(path, headers={"Origin": ELSEWHERE, "Access-Control-Request-Method": "GET"})
    assert reading.headers["Access-Control-Allow-Origin"] == ELSEWHERE


def test_a_page_of_an_unlisted_origin_cannot_submit(client, api_key, session, paris_app_may_write):
    before = session.scalar(select(func.count(ServiceRequest.id)))
    form = {"api_key": api_key, "jurisdiction_id": "paris.fr", **POTHOLE}
    refused = client.post("/open311/v2/requests.json", data=form, headers={"Origin": ELSEWHERE})
    assert refused.status_code == 403 and refused.get_json()[0]["code"] == 403
    assert session.scalar(select(func.count(ServiceRequest.id))) == before
    accepted = client.post("/open311/v2/requests.json", data=form, headers={"Origin": APP})
    assert accepted.status_code == 200 and accepted.headers["Access-Control-Allow-Origin"] == APP
    own_page = client.post("/open311/v2/requests.json", data=form, headers={"Origin": "http://localhost"})
    assert own_page.status_code == 200  # /docs of this server trying the API
    no_page = client.post("/open311/v2/requests.json", data=form)
    assert no_page.status_code == 200  # apps and servers send no Origin
    assert session.scalar(select(func.count(ServiceRequest.id))) == before + 3


@pytest.mark.parametrize(
    "path",
    ["/open311/v2/services.json?jurisdiction_id=paris.fr", "/open311/v2/nothing.json", "/openapi.json", "/docs"],
)
def test_every_answer_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    if path == "/docs":
        assert "script-src 'self' 'sha256-" in policy and "unsafe-eval" not in policy
    else:
        assert policy.startswith("default-src 'none'") and "sandbox" in policy


def test_a_gif_that_is_also_html_is_served_as_an_image_that_cannot_run(app, client, api_key, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    data = {"api_key": api_key, "jurisdiction_id": "paris.fr", **POTHOLE, "media": (io.BytesIO(GIF_HTML), "x.html")}
    reply = client.post("/open311/v2/requests.json", data=data, content_type="multipart/form-data")
    request_id = reply.get_json()[0]["service_request_id"]
    (stored,) = client.get(f"/open311/v2/requests/{request_id}.json?jurisdiction_id=paris.fr").get_json()
    with client.get(stored["media_url"].removeprefix("http://localhost")) as served:
        assert served.status_code == 200 and served.mimetype == "image/gif"
        assert b"<script>" not in served.data  # the image is written again, without what followed it
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in served.headers["Content-Security-Policy"]


def test_stored_photo_urls_and_discovery_never_follow_the_host_header(app, client, api_key, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    png = _image("PNG")
    data = {"api_key": api_key, "jurisdiction_id": "paris.fr", **POTHOLE, "media": (io.BytesIO(png), "a.png")}
    hostile = {"Host": "attacker.example"}
    reply = client.post("/open311/v2/requests.json", data=data, content_type="multipart/form-data", headers=hostile)
    request_id = reply.get_json()[0]["service_request_id"]
    (stored,) = client.get(f"/open311/v2/requests/{request_id}.json?jurisdiction_id=paris.fr").get_json()
    assert stored["media_url"].startswith("http://localhost/media/")
    discovery = client.get("/open311/v2/discovery.json?jurisdiction_id=paris.fr", headers=hostile).get_json()
    assert discovery["endpoints"][0]["url"] == "http://localhost/open311/v2"
    monkeypatch.setitem(app.config, "BASE_URL", None)  # unset: the address the server listens on
    discovery = client.get("/open311/v2/discovery.json?jurisdiction_id=paris.fr", headers=hostile).get_json()
    expected = f"http://{app.config['HOST']}:{app.config['PORT']}/open311/v2"
    assert discovery["endpoints"][0]["url"] == expected


def test_the_dashboard_page_may_run_its_own_scripts_and_nothing_else(app, client, monkeypatch):
    """The API's answers are sandboxed; the dashboard's page runs its own files (no inline code)."""
    policy = client.get("/dashboard").headers["Content-Security-Policy"]
    assert "sandbox" not in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "img-src 'self' data:;" in policy
    monkeypatch.setitem(app.config, "DASHBOARD_TILE_URL", "https://tiles.example.org/{z}/{x}/{y}.png")
    assert (
        "img-src 'self' data: https://tiles.example.org;" in client.get("/dashboard").headers["Content-Security-Policy"]
    )
    assert (
        "sandbox" in client.get("/open311/v2/services.json?jurisdiction_id=paris.fr").headers["Content-Security-Policy"]
    )
