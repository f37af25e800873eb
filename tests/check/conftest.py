"""Servers for the checker to grade (ours in a thread on the test database, and small stubs), and a client
that only ever reaches 127.0.0.1."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server

from open311.check.context import Options
from open311.check.results import Report, Status
from open311.check.runner import run_check
from open311.check.transport import Client, Exchange

from .stub import JURISDICTION, KEY, Stub


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        """The checker sends a hundred requests a run: no access log."""


@contextmanager
def serving(wsgi_app):
    """Serve ``wsgi_app`` on a free port of 127.0.0.1 in a thread; yields its root URL.

    A Flask application is told that root as its public URL (discovery names its endpoints from it)."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=False, request_handler=_Quiet)
    root = f"http://127.0.0.1:{server.server_port}"
    config = getattr(wsgi_app, "config", None)
    previous = config.get("BASE_URL") if config is not None else None
    if config is not None:
        config["BASE_URL"] = root
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield root
    finally:
        if config is not None:
            config["BASE_URL"] = previous
        server.shutdown()
        thread.join()
        server.server_close()


class LoopbackClient(Client):
    """The checker's client, never sending anything off this machine (a capture may name a city's host)."""

    def request(self, method, url, body=None, headers=None):
        if urlsplit(url).hostname != "127.0.0.1":
            exchange = Exchange(method, url, body, {}, error="not sent: the tests only reach 127.0.0.1")
            self.log.append(exchange)
            return exchange
        return super().request(method, url, body, headers)


def check(url: str, **options) -> Report:
    """Run the checker on ``url`` without rate limit, through the loopback-only client."""
    options = {"rate": 0, "timeout": 20, **options}
    return run_check(Options(url=url, **options), LoopbackClient(timeout=options["timeout"], rate=0))


def grade_stub(faults=(), captures=None, path: str = "/v2/discovery.json", write: bool = True, past_days=0) -> Report:
    """The checker's report on a stub with ``faults`` (and real ``captures`` served in place of its own)."""
    with serving(Stub(faults, captures, past_days)) as root:
        return check(root + path, jurisdiction_id=JURISDICTION, write=write, api_key=KEY if write else None)


def not_passing(report: Report) -> dict[str, Status]:
    """Every check that did not pass, with its status."""
    return {check_id: r.status for check_id, r in report.results.items() if r.status is not Status.PASS}
