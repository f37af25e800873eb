"""The private PostGIS cluster under ``var/``: the embedded default when no DATABASE_URL is set.

PostgreSQL refuses to run as root, so when we are root the cluster belongs to the ``postgres``
user and every server command runs as that user. It listens on 127.0.0.1 and on a unix socket
under ``var/``, on a non-default port, with a generated password kept in ``var/db-password``.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "open311"
SUPERUSER = "postgres"

SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "100",
    "shared_buffers": "'512MB'",
    "work_mem": "'16MB'",
    "maintenance_work_mem": "'512MB'",
    "effective_cache_size": "'4GB'",
    "random_page_cost": "1.1",
    # An API answers many small queries at once: parallel workers and JIT compilation only add latency
    # and oversubscribe the cores (measured with bench/run on 2 cores).
    "max_parallel_workers_per_gather": "0",
    "jit": "off",
    "fsync": "on",
    "synchronous_commit": "on",
    "log_min_duration_statement": "1000",
}


class ClusterError(RuntimeError):
    """The private cluster cannot be set up; the message says what to do."""


def _version_key(path: str) -> float:
    match = re.search(r"/postgresql/(\d+(?:\.\d+)?)/", path)
    return float(match.group(1)) if match else 0.0


def find_bindir() -> Path:
    """The newest PostgreSQL server bin directory that has PostGIS beside it."""
    override = os.environ.get("OPEN311_PG_BINDIR")
    if override:
        return Path(override)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key, reverse=True)
    if not candidates:
        raise ClusterError(
            "PostgreSQL server binaries not found: install the packages postgresql-15 and "
            "postgresql-15-postgis-3 (Debian), or set DATABASE_URL to an existing PostGIS database."
        )
    for initdb in candidates:
        version = re.search(r"/postgresql/([^/]+)/", initdb).group(1)
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return Path(initdb).parent
    version = re.search(r"/postgresql/([^/]+)/", candidates[0]).group(1)
    raise ClusterError(
        f"PostGIS is not installed for PostgreSQL {version}: install the package "
        f"postgresql-{version}-postgis-3, or set DATABASE_URL to an existing PostGIS database."
    )


@dataclass
class Cluster:
    """A PostgreSQL data directory under ``var_dir`` listening on ``port``."""

    var_dir: Path
    port: int

    @property
    def data_dir(self) -> Path:
        """The data directory (owned by the server's user)."""
        return self.var_dir / "pgdata"

    @property
    def socket_dir(self) -> Path:
        """Where the unix socket lives."""
        return self.var_dir / "pgrun"

    @property
    def log_file(self) -> Path:
        """The server log."""
        return self.var_dir / "postgresql.log"

    @property
    def password_file(self) -> Path:
        """The superuser's generated password (mode 0600)."""
        return self.var_dir / "db-password"

    def url(self, database: str = DATABASE_NAME) -> str:
        """SQLAlchemy URL of ``database`` in this cluster."""
        try:
            password = self.password_file.read_text().strip()
        except FileNotFoundError as exc:
            raise ClusterError(
                f"No private cluster under {self.var_dir} yet: run `make run` (or `open311 db up`) first, "
                "or set DATABASE_URL."
            ) from exc
        return f"postgresql+psycopg://{SUPERUSER}:{quote(password, safe='')}@127.0.0.1:{self.port}/{database}"

    # -- running server commands as the right user -------------------------------------------

    def _owner(self) -> pwd.struct_passwd | None:
        """The user the server runs as when we are root; None when we run it ourselves."""
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam("postgres")
        except KeyError as exc:
            raise ClusterError("Running as root but there is no 'postgres' user: install postgresql-15.") from exc

    def _run(self, args: list[str], *, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess[str]:
        owner = self._owner()
        command = (["runuser", "-u", owner.pw_name, "--"] if owner else []) + args
        result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
        if check and result.returncode != 0:
            raise ClusterError(f"{' '.join(args[:2])} failed:\n{result.stdout}{result.stderr}")
        return result

    def _chown(self, path: Path) -> None:
        owner = self._owner()
        if owner:
            os.chown(path, owner.pw_uid, owner.pw_gid)

    # -- life cycle -------------------------------------------------------------------------

    def initialised(self) -> bool:
        """Whether the data directory exists."""
        return (self.data_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        """Whether the server of this data directory is up."""
        if not self.initialised():
            return False
        bindir = find_bindir()
        return self._run([str(bindir / "pg_ctl"), "status", "-D", str(self.data_dir)], check=False).returncode == 0

    def init(self) -> None:
        """Create the data directory with a generated superuser password."""
        bindir = find_bindir()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        owner = self._owner()
        if owner and self._run(["test", "-x", str(self.var_dir)], check=False).returncode != 0:
            raise ClusterError(
                f"The postgres user cannot reach {self.var_dir}: make its parent directories "
                "traversable (chmod o+x) or set OPEN311_VAR_DIR to a directory it can reach."
            )
        for directory in (self.data_dir, self.socket_dir):
            directory.mkdir(mode=0o700, exist_ok=True)
            self._chown(directory)
        password = secrets.token_urlsafe(24)
        pwfile = self.var_dir / "initdb-pwfile"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        self._chown(pwfile)
        try:
            self._run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    "--pwfile",
                    str(pwfile),
                    "--auth-local=scram-sha-256",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        finally:
            pwfile.unlink()
        settings = dict(SERVER_SETTINGS, port=str(self.port), unix_socket_directories=f"'{self.socket_dir}'")
        with (self.data_dir / "postgresql.auto.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self.password_file.write_text(password + "\n")
        self.password_file.chmod(0o600)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        bindir = find_bindir()
        if not self.log_file.exists():
            self.log_file.touch()
        self._chown(self.log_file)
        self._run(
            [str(bindir / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data_dir), "-l", str(self.log_file)]
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server if it runs (``fast``; ``immediate`` is a crash: recovery at the next start)."""
        if self.running():
            self._run([str(find_bindir() / "pg_ctl"), "stop", "-w", "-m", mode, "-D", str(self.data_dir)])

    def replicate_from(self, primary: Cluster) -> None:
        """Make this cluster a streaming replica of ``primary`` (pg_basebackup -R), not started yet."""
        bindir = find_bindir()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        for directory in (self.data_dir, self.socket_dir):
            directory.mkdir(mode=0o700, exist_ok=True)
            self._chown(directory)
        password = primary.password_file.read_text().strip()
        self._run(
            [
                str(bindir / "pg_basebackup"),
                "-h", "127.0.0.1", "-p", str(primary.port), "-U", SUPERUSER,
                "-D", str(self.data_dir), "-R", "-X", "stream", "--checkpoint=fast",
            ],
            env={**os.environ, "PGPASSWORD": password},
        )  # fmt: skip
        settings = {"port": str(self.port), "unix_socket_directories": f"'{self.socket_dir}'"}
        with (self.data_dir / "postgresql.auto.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self.password_file.write_text(password + "\n")
        self.password_file.chmod(0o600)

    def ensure_running(self) -> bool:
        """Initialise and start the cluster as needed; True when something was started."""
        if not self.initialised():
            self.init()
        if self.running():
            return False
        self.start()
        return True
