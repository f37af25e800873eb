"""gunicorn's settings and hooks for ``open311 serve`` (loaded with ``-c python:open311.server.gunicorn_conf``).

The command line given by :class:`open311.server.ServerLayout` adds the bind address, the worker
counts and the pid file.
"""

from __future__ import annotations

import os

from . import LIMIT_REQUEST_FIELD_SIZE, LIMIT_REQUEST_FIELDS, LIMIT_REQUEST_LINE

worker_class = "open311.server.worker.Open311ThreadWorker"
logger_class = "open311.server.logs.ScrubbingLogger"
keepalive = 5
backlog = 2048
timeout = 30
graceful_timeout = 20
limit_request_line = LIMIT_REQUEST_LINE
limit_request_fields = LIMIT_REQUEST_FIELDS
limit_request_field_size = LIMIT_REQUEST_FIELD_SIZE

_front = {}


def on_starting(server) -> None:
    """Empty the metrics directory of the previous run (prometheus_client's multiprocess mode)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        import shutil

        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker) -> None:
    """A worker is gone: its live gauges (connections in use) stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def when_ready(server) -> None:
    """Start the nginx front once gunicorn listens (``OPEN311_NGINX_CONF`` names its configuration)."""
    config = os.environ.get("OPEN311_NGINX_CONF")
    if not config:
        return
    from pathlib import Path

    from .nginx import FrontError, NginxFront, find_nginx

    front = NginxFront(directory=Path(config).parent, host="", port=0, upstream=Path(), max_body_bytes=0)
    try:
        _front["process"] = front.start(find_nginx())
    except FrontError as exc:
        server.log.error("%s", exc)
        server.halt(reason=str(exc), exit_status=1)
    server.log.info("nginx front started (%s)", config)


def on_exit(server) -> None:
    """Stop the nginx front with the server."""
    process = _front.pop("process", None)
    if process is not None and process.poll() is None:
        import signal
        import subprocess

        process.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # a stuck front must not keep the server from stopping
            process.kill()
