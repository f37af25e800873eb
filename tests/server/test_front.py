"""The served layout: slow clients held by nginx, gunicorn's and nginx's refusals in the standard's
format, the control socket under var/, keys kept out of the access log."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from pathlib import Path

import pytest
from lxml import etree

from open311.cli import server_layout
from open311.config import load_settings

from .conftest import RunningServer

SECRET = "o311_ThisIsNotARealKeyButLooksLikeOne"


@pytest.fixture(scope="module")
def behind_nginx(database_url_for_tests, run_dir):
    """The production layout: nginx in front of one gunicorn worker with two threads."""
    server = RunningServer("nginx", database_url_for_tests, run_dir / "nginx")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gunicorn_alone(database_url_for_tests, run_dir):
    """gunicorn without a front (OPEN311_FRONT=none), access log on."""
    server = RunningServer("none", database_url_for_tests, run_dir / "alone")
    yield server
    server.stop()


def errors(headers: dict, body: bytes) -> list[dict]:
    """The errors document of a response, JSON or XML by its media type."""
    if headers["Content-Type"].startswith("application/json"):
        return json.loads(body)
    assert headers["Content-Type"].startswith("text/xml")
    root = etree.fromstring(body)
    assert root.tag == "errors"
    return [{"code": int(e.findtext("code")), "description": e.findtext("description")} for e in root]


def test_sixty_four_slow_clients_do_not_hold_up_a_plain_get(behind_nginx):
    stop = threading.Event()
    connections = []
    for number in range(64):
        connection = socket.create_connection(("127.0.0.1", behind_nginx.port), timeout=5)
        if number % 2:
            connection.sendall(b"GET /open311/v2/services.json HTTP/1.1\r\nHost: slow\r\nX-Slow: ")
        else:
            connection.sendall(b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: slow\r\n"
                               b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\na")  # fmt: skip
        connections.append(connection)

    def dribble():
        while not stop.wait(0.5):
            for connection in connections:
                with contextlib.suppress(OSError):
                    connection.sendall(b"a")

    dribbler = threading.Thread(target=dribble, daemon=True)
    dribbler.start()
    try:
        for _ in range(5):  # two gunicorn threads: without the front, two slow clients stall them
            status, _headers, _body = behind_nginx.get("/open311/v2/services.json?jurisdiction_id=paris.fr")
            assert status == 200
    finally:
        stop.set()
        dribbler.join()
        for connection in connections:
            connection.close()


@pytest.mark.parametrize("layout", ["behind_nginx", "gunicorn_alone"])
@pytest.mark.parametrize(
    ("request_bytes", "status", "fmt"),
    [
        (b"GET /open311/v2/requests.json?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "xml"),
        (b"GET /open311/v2/services.json HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431, "json"),
        (b"GET /open311/v2/services.xml HTTP/1.1\r\nHost: x\r\n" + b"X-Many: 1\r\n" * 70 * 60 + b"\r\n", 431, "xml"),
        (b"GET /open311/v2/services.json HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400, "json"),
    ],
    ids=["long-url", "long-header", "many-headers", "malformed"],
)
def test_the_servers_own_refusals_are_the_standards_errors(request, layout, request_bytes, status, fmt):
    server = request.getfixturevalue(layout)
    answer = server.raw(request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert int(lines[0].split()[1]) == status, answer
    assert b"<html" not in answer.lower()
    document = errors(headers, body[: int(headers["Content-Length"])])
    assert document[0]["code"] == status and document[0]["description"]
    if layout == "behind_nginx":  # gunicorn cannot always tell the format (XML, the standard's, then)
        assert headers["Content-Type"].startswith("application/json" if fmt == "json" else "text/xml")


def test_a_body_over_the_limit_is_refused_by_the_front_in_the_standards_format(behind_nginx):
    body = b"0" * (load_settings()["MEDIA_MAX_BYTES"] + load_settings()["MAX_FORM_BYTES"] + 1)
    status, headers, answer = behind_nginx.get(
        "/open311/v2/requests.json",
        method="POST",
        body=body,
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert status == 413
    assert errors(headers, answer)[0]["code"] == 413


def test_the_control_socket_is_under_the_run_directory_not_in_home(behind_nginx, run_dir):
    layout = server_layout(load_settings(), "open311:create_app()", "127.0.0.1", 5000, 1)
    layout.run_dir = run_dir / "unit"
    arguments, _env = layout.command()
    assert arguments[arguments.index("--control-socket") + 1] == str(run_dir / "unit" / "gunicorn.ctl")
    assert (run_dir / "nginx" / "gunicorn.ctl").is_socket()


@pytest.mark.parametrize("layout", ["behind_nginx", "gunicorn_alone"])
def test_keys_never_reach_the_access_log(request, layout):
    server = request.getfixturevalue(layout)
    server.get(f"/open311/v2/services.json?jurisdiction_id=paris.fr&api_key={SECRET}&page=1")
    server.get("/open311/v2/services.json", headers={"X-API-Key": SECRET, "Authorization": f"Bearer {SECRET}"})
    server.get("/open311/v2/requests.json", method="POST", headers={"X-API-Key": SECRET}, body=b"")
    too_large = load_settings()["MEDIA_MAX_BYTES"] + load_settings()["MAX_FORM_BYTES"] + 1
    server.raw(  # nginx writes this one to its error log, request line and all
        f"POST /open311/v2/requests.json?api_key={SECRET} HTTP/1.1\r\nHost: x\r\n"
        f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {too_large}\r\n\r\n".encode()
    )
    time.sleep(1.5)  # nginx flushes its access log every second
    log = Path(server.log).read_text()
    assert "api_key=REDACTED&page=1" in log
    assert SECRET not in log and SECRET[5:] not in log


def test_metrics_add_up_the_workers_files(behind_nginx, run_dir):
    from ..api.test_ops import metric

    for _ in range(5):
        behind_nginx.get("/open311/v2/services.json?jurisdiction_id=paris.fr")
    status, _headers, body = behind_nginx.get("/metrics")
    assert status == 200
    count = metric(body.decode(), "open311_http_request_duration_seconds_count",
                   route="/open311/v2/services.<fmt:fmt>", method="GET")  # fmt: skip
    assert count >= 5
    assert list((run_dir / "nginx" / "metrics").glob("histogram_*.db"))  # prometheus_client's multiprocess files
    assert behind_nginx.get("/healthz")[0] == 200
