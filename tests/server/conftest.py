"""A real server (gunicorn, behind nginx or alone) started as ``open311 serve`` starts it."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from open311.cli import server_layout
from open311.cluster import Cluster, ClusterError, find_bindir
from open311.config import load_settings
from open311.db import make_engine
from open311.logic.api_keys import create_key
from open311.logic.city_loader import load_city
from open311.provision import ensure_database, upgrade
from open311.server.nginx import FrontError, find_nginx

from ..conftest import PARIS

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RunningServer:
    """A served layout on a free port; its output (access log, error log) goes to ``log``."""

    def __init__(self, front: str, database_url: str, run_dir: Path, env: dict | None = None):
        if front == "nginx":
            try:
                find_nginx()
            except FrontError as exc:
                pytest.skip(str(exc))
        self.port = free_port()
        settings = {**load_settings(), "FRONT": front}
        layout = server_layout(settings, "open311:create_app()", "127.0.0.1", self.port, 1)
        layout.run_dir = run_dir
        arguments, extra = layout.command()
        self.log = run_dir / "server.log"
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
        environment = {**os.environ, **extra, "OPEN311_DATABASE_URL": database_url, **(env or {})}
        with self.log.open("wb") as output:
            self.process = subprocess.Popen([gunicorn, *arguments], cwd=ROOT, env=environment, stdout=output,
                                            stderr=subprocess.STDOUT)  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.get("/open311/v2/services.json?jurisdiction_id=paris.fr")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not start:\n{self.log.read_text()}")

    def get(self, path: str, headers: dict | None = None, method: str = "GET", body=None) -> tuple[int, dict, bytes]:
        """Status, headers and body of one request on a fresh connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def raw(self, data: bytes) -> bytes:
        """The whole answer to bytes sent as they are."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=20) as connection:
            connection.sendall(data)
            chunks = []
            try:
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
            except ConnectionResetError:  # the server answered and closed before reading all we sent
                pass
        return b"".join(chunks)

    def stop(self) -> None:
        """Stop gunicorn (and its front)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def run_dir(request) -> Path:
    """A run directory under var/ (which nginx's workers, nobody when we are root, can reach)."""
    directory = Path(load_settings()["VAR_DIR"]) / "test-server" / request.module.__name__.rsplit(".", 1)[-1]
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="package")
def cluster():
    """A small throwaway PostgreSQL (stopped, restarted and written to for real by the tests of this
    package) with Paris loaded, and a client key."""
    try:
        find_bindir()
    except ClusterError as exc:
        pytest.skip(str(exc))
    base = Path(load_settings()["VAR_DIR"]) / "test-cluster"
    shutil.rmtree(base, ignore_errors=True)
    cluster = Cluster(base, free_port())
    cluster.ensure_running()
    ensure_database(cluster.url())
    upgrade(cluster.url())
    engine = make_engine(cluster.url())
    with Session(engine) as session:
        load_city(session, PARIS, allow_private_webhooks=True)
        _row, key = create_key(session, "server tests")
        session.commit()
    engine.dispose()
    yield cluster, key
    cluster.stop()
    shutil.rmtree(base, ignore_errors=True)
