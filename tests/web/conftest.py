"""A live server over a database of its own (the demo city on fixed dates) and headless Chromium.

The browser is Debian's Chromium (installed by `make test`'s set-up), driven by Playwright. The server
is the application in a thread, on a free port, under the strict Content-Security-Policy it sends with every
response so that any inline script or style of the page shows as a console error.
"""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from open311 import create_app
from open311.cli import DEMO_CITY, DEMO_HISTORY
from open311.db import make_engine
from open311.logic.city_loader import load_city
from open311.logic.demo import load_demo_requests
from open311.logic.jurisdictions import resolve_jurisdiction
from open311.provision import ensure_database, reset_schema, upgrade
from tests.conftest import derived_url

#: The demo city as it was on this afternoon: the browser tests never depend on the day they run.
NOW = datetime(2025, 3, 18, 15, 30, tzinfo=UTC)
DEMO_REQUESTS = 2000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "artefacts"


@pytest.fixture(scope="session")
def web_database_url() -> str:
    """A database of the browser tests: Paris and its demo requests as of :data:`NOW`, committed."""
    url = derived_url("web")
    ensure_database(url)
    reset_schema(url)
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_city(session, DEMO_CITY, allow_private_webhooks=True)
        session.commit()
        paris = resolve_jurisdiction(session, "paris.fr")
        load_demo_requests(session, paris, DEMO_HISTORY, now=NOW, requests=DEMO_REQUESTS)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def live_server(web_database_url):
    """The application served over HTTP in a thread; yields its base URL."""
    app = create_app({"DATABASE_URL": web_database_url, "LOG_LEVEL": "WARNING"})
    # The page runs under the policy the server itself sends (api/browser.py), checked to be this strict.
    with app.test_client() as client:
        assert client.get("/dashboard").headers["Content-Security-Policy"] == STRICT_CSP

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    app.extensions["open311.db"].dispose()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from Debian (`chromium`), driven by Playwright."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (Debian packages chromium, chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Console:
    """What the page said: console messages and uncaught errors."""

    def __init__(self, page):
        self.messages: list[tuple[str, str]] = []
        page.on("console", lambda message: self.messages.append((message.type, message.text)))
        page.on("pageerror", lambda error: self.messages.append(("pageerror", str(error))))

    def errors(self) -> list[str]:
        """Errors and uncaught exceptions (CSP violations are reported as errors)."""
        return [text for kind, text in self.messages if kind in ("error", "pageerror")]


@pytest.fixture()
def page(browser):
    """A fresh browser context (empty cache, English) and its page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    yield context.new_page()
    context.close()


@pytest.fixture()
def console(page) -> Console:
    """The page's console, recorded from before it opens anything."""
    return Console(page)


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """Where screenshots are kept (var/artefacts/)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS
