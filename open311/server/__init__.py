"""How the API is served: gunicorn workers behind a buffering nginx front (docs/deployment.md).

:class:`ServerLayout` turns the settings into the gunicorn command line (and, with the nginx front,
nginx's configuration); ``open311 serve`` runs it and the benchmarks start the same thing, so they
measure what users run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .nginx import NginxFront, find_nginx

#: The fronts ``OPEN311_FRONT`` may name.
FRONTS = ("nginx", "none")

#: gunicorn's own limits on what it reads before the application sees a request (its defaults, but
#: written down: the nginx front applies the same ones first).
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELDS = 64
LIMIT_REQUEST_FIELD_SIZE = 8190


@dataclass
class ServerLayout:
    """Everything ``open311 serve`` starts: gunicorn, and nginx in front of it unless ``front`` is none."""

    app: str
    host: str
    port: int
    workers: int
    threads: int
    run_dir: Path
    front: str = "nginx"
    #: The largest body the front accepts (a form with a photo); the application checks it again.
    max_body_bytes: int = 11 * 1024 * 1024
    access_log: bool = True

    @property
    def socket_path(self) -> Path:
        """gunicorn's unix socket behind the front."""
        return self.run_dir / "gunicorn.sock"

    @property
    def pidfile(self) -> Path:
        """The gunicorn master's pid file (``open311 stop`` reads it)."""
        return self.run_dir / "gunicorn.pid"

    def nginx(self) -> NginxFront:
        """The nginx front of this layout."""
        return NginxFront(
            directory=self.run_dir / "nginx", host=self.host, port=self.port, upstream=self.socket_path,
            max_body_bytes=self.max_body_bytes, access_log=self.access_log,
        )  # fmt: skip

    def command(self) -> tuple[list[str], dict[str, str]]:
        """gunicorn's arguments and the environment to add (the front's configuration is written here)."""
        if self.front not in FRONTS:
            raise ValueError(f"front must be one of {', '.join(FRONTS)}")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        arguments = [
            "--config", "python:open311.server.gunicorn_conf",
            "--workers", str(self.workers),
            "--threads", str(self.threads),
            "--pid", str(self.pidfile),
            "--control-socket", str(self.run_dir / "gunicorn.ctl"),
        ]  # fmt: skip
        # Prometheus multiprocess mode: every worker writes its metrics there (emptied at each start).
        env: dict[str, str] = {"PROMETHEUS_MULTIPROC_DIR": str(self.run_dir / "metrics")}
        if self.front == "nginx":
            front = self.nginx()
            front.write(nginx=find_nginx())
            arguments += ["--bind", f"unix:{self.socket_path}"]
            if os.geteuid() == 0:
                # nginx's workers run as nobody: they must be able to reach and connect to the socket.
                self.run_dir.chmod(0o755)
                arguments += ["--umask", "0o111"]
            env["OPEN311_NGINX_CONF"] = str(front.config_path)
            # The application trusts the one X-Forwarded-For that nginx sets (it drops the client's).
            env["OPEN311_TRUSTED_PROXIES"] = str(int(os.environ.get("OPEN311_TRUSTED_PROXIES") or 0) + 1)
        else:
            # Each worker listens on its own socket: the kernel spreads connections over the workers
            # (with one shared socket, one worker took every keep-alive connection of a client pool).
            arguments += ["--bind", f"{self.host}:{self.port}", "--reuse-port"]
            if self.access_log:
                arguments += ["--access-logfile", "-"]
        return [*arguments, self.app], env
