"""/docs in a real browser (Debian's headless Chromium) under the policy the server sends: Swagger UI
draws every operation and the browser reports no violation of the Content-Security-Policy."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from flask import request
from werkzeug.serving import make_server

from open311 import create_app
from open311.config import load_settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--virtual-time-budget=15000"]  # fmt: skip


class Served:
    """The application in a thread, collecting the CSP violation reports of the pages it serves."""

    def __init__(self, database_url: str, docs_policy: str | None = None):
        self.reports: list[dict] = []
        self.app = create_app({"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"})

        @self.app.post("/_csp-report")
        def csp_report():
            self.reports.append(request.get_json(force=True, silent=True) or {})
            return "", 204

        app_itself = self.app.wsgi_app

        def report_violations(environ, start_response):
            """Around the whole application: the answer's policy (or the test's), reported to us."""

            def start(status, headers, exc_info=None):
                policies = [value for name, value in headers if name == "Content-Security-Policy"]
                headers = [(name, value) for name, value in headers if name != "Content-Security-Policy"]
                if docs_policy and environ["PATH_INFO"] == "/docs":
                    policies = [docs_policy]
                headers += [("Content-Security-Policy", policy + "; report-uri /_csp-report") for policy in policies]
                return start_response(status, headers, exc_info)

            return app_itself(environ, start)

        self.app.wsgi_app = report_violations
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.app.extensions["open311.db"].dispose()


def browse(url: str, *extra: str) -> str:
    """The DOM of ``url`` once the page has run."""
    done = subprocess.run([CHROMIUM, *ARGS, *extra, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    return done.stdout


@pytest.fixture()
def served(database_url_for_tests):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    servers = []

    def serve(docs_policy: str | None = None) -> Served:
        servers.append(Served(database_url_for_tests, docs_policy))
        return servers[-1]

    yield serve
    for server in servers:
        server.stop()


def test_swagger_ui_draws_every_operation_under_the_servers_policy(served):
    server = served()
    dom = browse(f"{server.url}/docs")
    artefacts = Path(load_settings()["VAR_DIR"]) / "artefacts"
    artefacts.mkdir(parents=True, exist_ok=True)
    browse(f"{server.url}/docs", "--window-size=1400,1200", f"--screenshot={artefacts / 'docs.png'}")
    for path in (
        "/open311/v2/discovery.{fmt}",
        "/open311/v2/requests.{fmt}",
        "/open311/v2/servicerequestupdates.{fmt}",
    ):
        assert f'data-path="{path}"' in dom
    assert server.reports == []


def test_a_violation_would_be_seen(served):
    """The control: without the inline script's hash the browser refuses it and says so."""
    server = served(docs_policy="default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data:; connect-src 'self'")  # fmt: skip
    dom = browse(f"{server.url}/docs")
    assert 'data-path="/open311/v2/requests.{fmt}"' not in dom
    assert any("script-src" in str(report) for report in server.reports)
