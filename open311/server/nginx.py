"""The nginx front: it holds slow clients, bounds what reaches Python and writes the access log.

gunicorn's threads read a request's headers and body themselves: sixteen clients dribbling bytes
held every thread and stalled the API. nginx reads whole requests in its event loop (thousands of
slow connections cost it a few kilobytes each) and hands gunicorn complete requests over a unix
socket. Its own refusals (bad request line, too long a URL or header, too large a body, the
application down) are the standard's ``errors`` documents, rendered by the project's formats and
written beside the configuration.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..formats import render
from .logs import scrub

#: Refusals nginx makes itself, the status it answers and the description of each.
ERRORS = {
    400: (400, "The request is malformed."),
    408: (408, "The request was not received in time."),
    413: (413, "The request body is too large."),
    414: (414, "The request line (the URL) is too long."),
    494: (431, "The request's headers are too large."),
    502: (503, "The service is not available; try again shortly."),
    503: (503, "The service is not available; try again shortly."),
    504: (504, "The service did not answer in time; try again shortly."),
}

#: Seconds a client is told to wait (Retry-After) when the application is unavailable.
RETRY_AFTER = 5


def _relay_scrubbed(stream) -> None:
    """Copy nginx's error log to our stderr, keys redacted."""
    for line in iter(stream.readline, b""):
        sys.stderr.write(scrub(line.decode("utf-8", "replace")))
        sys.stderr.flush()


class FrontError(RuntimeError):
    """The front cannot be set up or started; the message says what to do."""


def find_nginx() -> str:
    """The nginx binary, or a message naming the package to install."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if not found:
        raise FrontError(
            "nginx is not installed: install the package nginx (make run does it as root), "
            "or serve without a front with OPEN311_FRONT=none (docs/deployment.md says what that gives up)."
        )
    return found


@dataclass
class NginxFront:
    """An nginx listening on ``host:port`` in front of gunicorn's unix socket ``upstream``."""

    directory: Path
    host: str
    port: int
    upstream: Path
    max_body_bytes: int
    access_log: bool = True
    worker_processes: int = 1

    @property
    def config_path(self) -> Path:
        """The generated configuration (rewritten at every start)."""
        return self.directory / "nginx.conf"

    @property
    def pidfile(self) -> Path:
        """nginx's master pid."""
        return self.directory / "nginx.pid"

    def _listen(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def config(self) -> str:
        """nginx.conf for this front."""
        root = self.directory
        user = "user nobody nogroup;" if os.geteuid() == 0 else ""
        error_pages = "\n".join(
            f"    error_page {code} ={status} /_open311_errors/{status}.$open311_format;"
            for code, (status, _text) in ERRORS.items()
        )
        access_log = "access_log /dev/stdout open311 buffer=64k flush=1s;" if self.access_log else "access_log off;"
        return f"""# Written by `open311 serve` at every start: edit the settings, not this file.
daemon off;
worker_processes {self.worker_processes};
worker_rlimit_nofile 16384;
pid {self.pidfile};
error_log stderr warn;
{user}
events {{ worker_connections 8192; }}

http {{
    server_tokens off;
    client_body_temp_path {root}/temp/body;
    proxy_temp_path {root}/temp/proxy;
    fastcgi_temp_path {root}/temp/fastcgi;
    uwsgi_temp_path {root}/temp/uwsgi;
    scgi_temp_path {root}/temp/scgi;

    # Slow clients wait here, in nginx's event loop, never in a Python thread.
    client_header_timeout 10s;
    client_body_timeout 10s;
    send_timeout 30s;
    keepalive_timeout 5s;
    reset_timedout_connection on;
    # At most 8 KiB of request line and per header, 32 KiB of headers in all (gunicorn: the same).
    client_header_buffer_size 2k;
    large_client_header_buffers 4 8k;
    client_max_body_size {self.max_body_bytes};
    client_body_buffer_size 128k;

    map $request_uri $open311_format {{ "~*\\.json(\\?|$)" json; default xml; }}
    # Keys never reach the access log.
    map $request_uri $open311_logged_uri {{
        "~^(?<open311_head>[^?]*\\?(?:.*&)?api_key=)[^&]*(?<open311_tail>.*)$"
            "${{open311_head}}REDACTED${{open311_tail}}";
        default $request_uri;
    }}
    map $request $open311_method {{ "~^(?<open311_verb>[^ ]+)" $open311_verb; default -; }}
    map $status $open311_retry_after {{ 503 {RETRY_AFTER}; default ""; }}
    log_format open311 '$remote_addr - - [$time_local] "$open311_method $open311_logged_uri $server_protocol" '
                       '$status $body_bytes_sent "$http_user_agent" $request_time';
    {access_log}

    upstream open311_app {{
        server unix:{self.upstream} fail_timeout=0;
        keepalive 32;
        # Shorter than gunicorn's keep-alive (5 s): nginx never sends a request on a connection
        # gunicorn is closing (a POST there would fail).
        keepalive_timeout 4s;
    }}

    server {{
        listen {self._listen()} backlog=2048;
        location / {{
            proxy_pass http://open311_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            # Replaces whatever the client sent: the application trusts exactly one hop.
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_request_buffering on;
            proxy_buffering on;
            # A listing of 1,000 records (about 0.7 MB) fits in memory: never a temporary file on disk.
            proxy_buffers 64 16k;
            proxy_busy_buffers_size 64k;
            proxy_read_timeout 60s;
        }}
{error_pages}
        location ^~ /_open311_errors/ {{
            internal;
            root {root};
            types {{ application/json json; text/xml xml; }}
            charset utf-8;
            charset_types application/json text/xml;
            add_header Retry-After $open311_retry_after always;
            add_header X-Content-Type-Options nosniff always;
        }}
    }}
}}
"""

    def write(self, nginx: str | None = None) -> None:
        """Write the configuration and the error documents; check the configuration with ``nginx -t``."""
        errors = self.directory / "_open311_errors"
        for path in (
            self.directory,
            errors,
            *(self.directory / "temp" / t for t in ("body", "proxy", "fastcgi", "uwsgi", "scgi")),
        ):
            path.mkdir(parents=True, exist_ok=True)
        for status, text in {status: text for status, text in ERRORS.values()}.items():
            for fmt in ("json", "xml"):
                (errors / f"{status}.{fmt}").write_bytes(render(fmt, "errors", [{"code": status, "description": text}]))
        self.config_path.write_text(self.config())
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            for path in (self.directory / "temp").rglob("*"):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
        if nginx:
            checked = subprocess.run([nginx, "-t", "-q", "-e", "stderr", "-c", str(self.config_path)],
                                     capture_output=True, text=True, check=False)  # fmt: skip
            if checked.returncode != 0:
                raise FrontError(f"nginx refuses {self.config_path}:\n{checked.stderr.strip()}")

    def start(self, nginx: str) -> subprocess.Popen:
        """Start nginx in the foreground of a child process; raise when it does not come up.

        Its error log (which quotes request lines, query strings included) reaches stderr with keys
        redacted.
        """
        process = subprocess.Popen([nginx, "-e", "stderr", "-c", str(self.config_path)], stderr=subprocess.PIPE)
        threading.Thread(target=_relay_scrubbed, args=(process.stderr,), daemon=True).start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise FrontError(f"nginx stopped at start (exit status {process.returncode}); see the lines above")
            if self.pidfile.exists():
                return process
            time.sleep(0.05)
        process.kill()
        raise FrontError("nginx did not start within 10 seconds")

    def stop_stale(self) -> bool:
        """Stop this front's nginx if it still runs (its server was killed); True when there was one."""
        try:
            pid = int(self.pidfile.read_text().strip())
            if str(self.config_path) not in Path(f"/proc/{pid}/cmdline").read_text():
                return False  # the pid was reused by another program
            os.kill(pid, signal.SIGQUIT)
        except (OSError, ValueError):
            return False
        return True
