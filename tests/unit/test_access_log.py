"""The buffered access log writes gunicorn's lines, in order, off the request threads."""

from __future__ import annotations

import datetime
import logging
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import ClassVar

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from open311 import access_log
from open311.access_log import BufferedAccessLogger

EVERY_ATOM = (
    " ".join(
        f"%({name})s"
        for name in ("h", "l", "u", "t", "r", "s", "m", "U", "q", "H", "b", "B", "f", "a", "T", "D", "M", "L", "p")
    )
    + ' "%({user-agent}i)s" %({content-type}o)s %({remote_port}e)s %({x-missing}i)s %(nothing)s'
)


class Response:
    status = "200 OK"
    sent = 512
    headers: ClassVar = [("Content-Type", "application/json"), ("ETag", '"v1"')]


class Request:
    headers: ClassVar = [("HOST", "127.0.0.1"), ("USER-AGENT", 'wrk "quoted"')]


ENVIRON = {
    "REQUEST_METHOD": "GET", "RAW_URI": "/open311/v2/requests/7.json?x=1", "SERVER_PROTOCOL": "HTTP/1.1",
    "PATH_INFO": "/open311/v2/requests/7.json", "QUERY_STRING": "x=1", "REMOTE_ADDR": "10.0.0.1",
    "REMOTE_PORT": "5555", "HTTP_USER_AGENT": 'wrk "quoted"', "HTTP_REFERER": "http://example.org/",
}  # fmt: skip
ELAPSED = datetime.timedelta(seconds=1, microseconds=2345)


@pytest.fixture()
def make_logger(tmp_path):
    """A logger writing ``tmp_path/access.log`` (gunicorn's access logger is one per process: the
    previous one's file is closed first)."""
    made = []

    def make(fmt: str, logger_class=BufferedAccessLogger):
        for earlier in made:
            for handler in list(earlier.access_log.handlers):
                handler.close()
        cfg = Config()
        cfg.set("accesslog", str(tmp_path / "access.log"))
        cfg.set("access_log_format", fmt)
        made.append(logger_class(cfg))
        # Only gunicorn's handler: pytest's log capture may have joined the process's access logger.
        handlers = made[-1].access_log.handlers
        handlers[:] = [handler for handler in handlers if getattr(handler, "_gunicorn", False)]
        return made[-1]

    yield make
    for handler in list(logging.getLogger("gunicorn.access").handlers):
        handler.close()
        logging.getLogger("gunicorn.access").removeHandler(handler)


@pytest.mark.parametrize("fmt", [Config().access_log_format, EVERY_ATOM])
def test_lines_are_gunicorns(tmp_path, make_logger, monkeypatch, fmt):
    path = tmp_path / "access.log"
    monkeypatch.setattr(Logger, "now", lambda self: "[30/Nov/2026:16:00:00 +0000]")
    make_logger(fmt, Logger).access(Response, Request, ENVIRON, ELAPSED)
    expected = path.read_text()
    path.write_text("")
    buffered = make_logger(fmt)
    buffered.access(Response, Request, ENVIRON, ELAPSED)
    assert path.read_text() == ""  # buffered, not written by the request's thread
    buffered.flush_access_log()
    assert path.read_text() == expected
    assert '\\"quoted\\"' in expected


def test_a_worker_writes_its_buffer_within_a_second_in_order(tmp_path, make_logger, monkeypatch):
    monkeypatch.setattr(access_log, "FLUSH_SECONDS", 0.05)
    path, buffered = tmp_path / "access.log", make_logger("%(r)s")
    for number in range(500):
        buffered.access(Response, Request, {**ENVIRON, "RAW_URI": f"/{number}"}, ELAPSED)
    deadline = time.monotonic() + 5
    while path.read_text().count("\n") < 500 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert path.read_text().splitlines() == [f"GET /{number} HTTP/1.1" for number in range(500)]


def test_a_subclass_redacting_atoms_keeps_its_redaction(tmp_path, make_logger):
    class Redacting(BufferedAccessLogger):
        def atoms(self, resp, req, environ, request_time):
            return {**super().atoms(resp, req, environ, request_time), "r": "GET [redacted] HTTP/1.1"}

    path, buffered = tmp_path / "access.log", make_logger("%(r)s %(s)s", Redacting)
    buffered.access(Response, Request, ENVIRON, ELAPSED)
    buffered.flush_access_log()
    assert path.read_text() == "GET [redacted] HTTP/1.1 200\n"


def test_other_handlers_get_one_record_per_request(make_logger):
    buffered = make_logger("%(s)s")
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    for handler in list(buffered.access_log.handlers):
        handler.close()
    buffered.access_log.handlers[:] = [Keep()]
    buffered.access(Response, Request, ENVIRON, ELAPSED)
    assert records == ["200"]


def test_gunicorn_workers_write_every_line_by_their_exit(tmp_path):
    """A real gunicorn with the logger: lines of two workers reach the file within a second, and what a
    worker still holds is written when it stops."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "access.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "gthread",
         "--threads", "2", "--access-logfile", str(log), "--logger-class", "open311.access_log.BufferedAccessLogger",
         "bench.floor_app:create_app()"],
        cwd=Path(__file__).resolve().parents[2], stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/floor.json", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        for number in range(20):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/floor.json?n={number}", timeout=5).read()
        time.sleep(1.5)
        assert sum(f"/floor.json?n={n} " in line for line in log.read_text().splitlines() for n in range(20)) == 20
        urllib.request.urlopen(f"http://127.0.0.1:{port}/floor.json?n=last", timeout=5).read()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert '"GET /floor.json?n=last HTTP/1.1" 200' in log.read_text()
