"""The slow-client figure: how long a plain GET takes while slow clients hold connections open.

    .venv/bin/python -m bench.slow_clients [--slow 64] [--seconds 20] [--front nginx,none]

For each front (the production layout of ``open311 serve``: gunicorn behind nginx, and gunicorn
alone), the server is started on a free port against the configured database (``make run``'s), then
``--slow`` connections dribble a request one byte-sized piece per second: half send header lines
that never end, half declare a 100 kB form body and send it a byte at a time (slowloris and its
body variant). Meanwhile a client makes a fresh connection and a plain ``GET services.json`` five
times a second. Printed: the GETs' p50, p99 and max latency and how many failed, without and with
the slow clients. The target (issue 10): under 1 s with 64 slow clients.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from open311.cli import server_layout
from open311.config import load_settings

from .common import percentile

ROOT = Path(__file__).resolve().parent.parent
PATH = "/open311/v2/services.json"
HEADERS_START = b"GET /open311/v2/services.json HTTP/1.1\r\nHost: bench\r\n"
BODY_START = (
    b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: bench\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
)


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SlowClient(threading.Thread):
    """One connection dribbling a request (``headers`` or ``body``) a piece per second, reconnecting
    whenever the server closes it, until stopped."""

    def __init__(self, port: int, kind: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.kind, self.stop = port, kind, stop
        self.reconnects = 0

    def _connect(self) -> socket.socket:
        connection = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        connection.sendall(HEADERS_START if self.kind == "headers" else BODY_START)
        return connection

    def run(self) -> None:
        """Dribble until stopped."""
        connection = None
        while not self.stop.is_set():
            try:
                if connection is None:
                    connection = self._connect()
                connection.sendall(b"X-Slow: 1\r\n" if self.kind == "headers" else b"a")
            except OSError:
                if connection is not None:
                    connection.close()
                connection, self.reconnects = None, self.reconnects + 1
            self.stop.wait(1.0)
        if connection is not None:
            connection.close()


def plain_gets(port: int, seconds: float) -> dict:
    """Latencies (ms) of fresh-connection GETs, five a second, for ``seconds``."""
    latencies, failures = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", PATH)
            response = connection.getresponse()
            response.read()
            connection.close()
            failures += response.status != 200
        except OSError:
            failures += 1
        latencies.append((time.monotonic() - started) * 1000)
        time.sleep(max(0.0, 0.2 - (time.monotonic() - started)))
    return {
        "gets": len(latencies), "failed": failures, "p50_ms": round(percentile(latencies, 0.5), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies), 1),
    }  # fmt: skip


def serve(front: str, port: int, run_dir: Path) -> subprocess.Popen:
    """The production layout (open311 serve's) on ``port``; returns when it answers."""
    settings = {**load_settings(), "FRONT": front}
    layout = server_layout(settings, "open311:create_app()", "127.0.0.1", port, settings["WORKERS"])
    layout.run_dir, layout.access_log = run_dir, False
    arguments, env = layout.command()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    process = subprocess.Popen([gunicorn, *arguments], cwd=ROOT, env={**os.environ, **env, "OPEN311_LOG_LEVEL": "WARNING"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", PATH)
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"the server ({front}) did not answer within 60 s")


def measure(front: str, slow: int, seconds: float) -> dict:
    """The GET figures without and with ``slow`` slow clients, for one front."""
    port = free_port()
    with tempfile.TemporaryDirectory() as run_dir:
        process = serve(front, port, Path(run_dir))
        try:
            plain_gets(port, 2)  # warm every worker
            quiet = plain_gets(port, seconds / 2)
            stop = threading.Event()
            clients = [SlowClient(port, "headers" if n % 2 else "body", stop) for n in range(slow)]
            for client in clients:
                client.start()
            time.sleep(2)
            loaded = plain_gets(port, seconds)
            stop.set()
            reconnects = sum(client.reconnects for client in clients)
        finally:
            process.terminate()
            process.wait(timeout=60)
    return {"front": front, "quiet": quiet, "slow_clients": slow, "with_slow": loaded, "slow_reconnects": reconnects}


def main() -> None:
    """Measure each front and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=64, help="slow connections")
    parser.add_argument("--seconds", type=float, default=20, help="seconds of GETs with the slow clients")
    parser.add_argument("--front", default="nginx,none", help="comma list of fronts: nginx, none")
    args = parser.parse_args()
    for front in args.front.split(","):
        result = measure(front, args.slow, args.seconds)
        verdict = "OK" if result["with_slow"]["max_ms"] < 1000 and not result["with_slow"]["failed"] else "FAILS"
        print(f"front={front:6} {verdict:5} quiet {result['quiet']}  with {args.slow} slow clients {result['with_slow']}",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
