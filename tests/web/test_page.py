"""Extension: the /dashboard page as HTML (the browser tests in test_browser.py draw it)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from lxml import html

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "open311" / "web" / "static"
VENDOR = STATIC / "vendor"


def config_of(reply) -> dict:
    document = html.fromstring(reply.data)
    return json.loads(document.get_element_by_id("dashboard-config").text)


@pytest.mark.parametrize(
    ("headers", "query", "lang"),
    [
        ({"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}, "", "fr"),
        ({"Accept-Language": "en-GB,en;q=0.8"}, "", "en"),
        ({"Accept-Language": "de-DE"}, "", "en"),
        ({}, "", "en"),
        ({"Accept-Language": "fr"}, "&lang=en", "en"),
        ({"Accept-Language": "en"}, "&lang=fr", "fr"),
        ({"Accept-Language": "en"}, "&lang=xx", "en"),
    ],
)
def test_the_page_speaks_the_visitors_language_with_a_switch(client, headers, query, lang):
    reply = client.get(f"/dashboard?jurisdiction_id=paris.fr{query}", headers=headers)
    assert reply.status_code == 200
    assert reply.mimetype == "text/html"
    assert reply.headers["Content-Language"] == lang
    assert "Accept-Language" in reply.headers["Vary"]
    document = html.fromstring(reply.data)
    assert document.get("lang") == lang
    assert document.findtext(".//h1").startswith("Tableau de bord" if lang == "fr" else "City dashboard")
    switch = document.get_element_by_id("lang-switch")
    assert switch.get("hreflang") == ("en" if lang == "fr" else "fr")
    config = config_of(reply)
    assert config["lang"] == lang
    assert config["messages"]["opened"] == ("Ouvertes" if lang == "fr" else "Opened")


def test_the_page_knows_its_city_and_talks_to_the_public_api(client):
    config = config_of(client.get("/dashboard?jurisdiction_id=nyc.gov"))
    assert config["jurisdiction_id"] == "nyc.gov"
    assert config["time_zone"] == "America/New_York"
    assert config["api"] == "/open311/v2"
    assert config["tile_url"] is None


def test_with_one_city_no_jurisdiction_is_needed(client, single_jurisdiction):
    assert config_of(client.get("/dashboard"))["jurisdiction_id"] == "paris.fr"
    assert client.get("/dashboard/").status_code == 200


def test_with_several_cities_the_visitor_chooses(client):
    reply = client.get("/dashboard?lang=en")
    assert reply.status_code == 200
    links = html.fromstring(reply.data).xpath("//ul[@class='cities']//a")
    assert [a.text for a in links] == ["City of New York", "Ville de Paris"]
    assert links[1].get("href") == "/dashboard?jurisdiction_id=paris.fr&lang=en"


def test_an_unknown_city_is_a_404_page(client):
    reply = client.get("/dashboard?jurisdiction_id=atlantis.example")
    assert reply.status_code == 404
    assert reply.mimetype == "text/html"


def test_unknown_dashboard_files_are_404(client):
    assert client.get("/dashboard/static/nothing-here.js").status_code == 404


def test_a_tile_url_setting_reaches_the_page(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "DASHBOARD_TILE_URL", "https://tiles.example/{z}/{x}/{y}.png")
    monkeypatch.setitem(app.config, "DASHBOARD_TILE_ATTRIBUTION", "© Example")
    config = config_of(client.get("/dashboard?jurisdiction_id=paris.fr"))
    assert config["tile_url"] == "https://tiles.example/{z}/{x}/{y}.png"
    assert config["tile_attribution"] == "© Example"


class TestStaffKeySetting:
    """OPEN311_DASHBOARD_REQUIRES_KEY: the page asks for a staff key (HTTP Basic, the key as password)."""

    URL = "/dashboard?jurisdiction_id=paris.fr"

    @pytest.fixture(autouse=True)
    def requires_key(self, app, monkeypatch):
        monkeypatch.setitem(app.config, "DASHBOARD_REQUIRES_KEY", True)

    def test_without_a_key_the_browser_is_asked_for_one(self, client):
        reply = client.get(self.URL)
        assert reply.status_code == 401
        assert reply.headers["WWW-Authenticate"].startswith("Basic ")
        assert reply.mimetype == "text/html"
        assert b"dashboard-config" not in reply.data

    def test_a_staff_key_opens_it(self, client, staff_key):
        reply = client.get(self.URL, auth=("staff", staff_key))
        assert reply.status_code == 200
        assert config_of(reply)["jurisdiction_id"] == "paris.fr"

    def test_client_keys_revoked_keys_and_other_cities_keys_do_not(self, client, session, api_key):
        from open311.logic.api_keys import create_key, revoke_key
        from open311.logic.jurisdictions import resolve_jurisdiction

        new_york = resolve_jurisdiction(session, "nyc.gov")
        _row, elsewhere = create_key(session, "NYC desk", new_york, role="staff")
        revoked_row, revoked = create_key(session, "old desk", role="staff")
        revoke_key(session, revoked_row.id)
        session.flush()
        for key in (api_key, elsewhere, revoked, "o311_not-a-key"):
            assert client.get(self.URL, auth=("staff", key)).status_code == 401

    def test_the_api_stays_public(self, client):
        assert client.get("/open311/v2/areas.json?jurisdiction_id=paris.fr").status_code == 200


def test_the_page_has_no_inline_script_or_style(client):
    """A strict Content-Security-Policy (script-src 'self'; style-src 'self') must not break the page."""
    document = html.fromstring(client.get("/dashboard?jurisdiction_id=paris.fr").data)
    for script in document.iter("script"):
        assert script.get("src") or script.get("type") == "application/json"
    assert document.xpath("//style") == []
    assert document.xpath("//*[@style]") == []
    assert [e for e in document.iter() if any(name.startswith("on") for name in e.attrib)] == []


def test_every_asset_of_the_page_is_served_by_the_app(client):
    document = html.fromstring(client.get("/dashboard?jurisdiction_id=paris.fr").data)
    assets = document.xpath("//script/@src | //link/@href")
    assert len(assets) == 13
    for url in assets:
        assert url.startswith("/dashboard/static/"), url  # nothing from a CDN
        reply = client.get(url)
        assert reply.status_code == 200, url
        expected = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}[Path(url).suffix]
        assert reply.mimetype == expected
        reply.close()


def test_every_module_the_page_imports_is_preloaded(client):
    """The modules are fetched with the page, not one import level after another."""
    document = html.fromstring(client.get("/dashboard?jurisdiction_id=paris.fr").data)
    preloaded = {Path(href).name for href in document.xpath("//link[@rel='modulepreload']/@href")}
    imported = set()
    for path in (STATIC / "dashboard").glob("*.js"):
        imported |= set(re.findall(r'from "\./([a-z]+\.js)"', path.read_text()))
    assert imported and preloaded == imported


def test_the_scripts_never_write_html_or_evaluate_text():
    """API texts (names, categories) reach the page as text nodes, and no script needs 'unsafe-eval'."""
    for path in (STATIC / "dashboard").glob("*.js"):
        source = path.read_text()
        for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert forbidden not in source, f"{path.name} uses {forbidden}"


def test_vendored_libraries_match_their_manifest_and_the_pinned_versions():
    manifest = json.loads((VENDOR / "MANIFEST.json").read_text())
    package = json.loads((ROOT / "web" / "package.json").read_text())
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text())["packages"]
    readme = (ROOT / "README.md").read_text()
    assert set(manifest) == set(package["dependencies"])
    for name, entry in manifest.items():
        assert entry["version"] == package["dependencies"][name] == lock[f"node_modules/{name}"]["version"]
        assert entry["integrity"] == lock[f"node_modules/{name}"]["integrity"]
        assert f"{name}/LICENSE" in entry["files"]
        for relative, digest in entry["files"].items():
            assert hashlib.sha256((VENDOR / relative).read_bytes()).hexdigest() == digest, relative
        credits = [line for line in readme.lower().splitlines() if name in line and entry["version"] in line]
        assert credits and entry["license"].lower() in credits[0], f"README must credit {name} and its licence"
    on_disk = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()} - {"MANIFEST.json"}
    assert on_disk == {f for entry in manifest.values() for f in entry["files"]}
