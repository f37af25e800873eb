"""``open311 ...`` commands: the database, city loading and the server."""

from __future__ import annotations

import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from .check.command import check
from .cluster import Cluster, ClusterError
from .config import ConfigError, load_settings

DEMO_CITY = Path(__file__).resolve().parent / "cities" / "paris" / "city.yaml"
DEMO_HISTORY = DEMO_CITY.parent / "dansmarue_sidewalks_2023-11_2024-12.csv"


def _settings() -> dict:
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _cluster(settings: dict) -> Cluster:
    return Cluster(Path(settings["VAR_DIR"]), settings["DB_PORT"])


def _url(settings: dict) -> str:
    from .provision import database_url

    try:
        return database_url(settings)
    except ClusterError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def main() -> None:
    """An Open311 GeoReport v2 server routing every report by geography."""


main.add_command(check)  # the conformance checker: a client, it needs no database


@main.group()
def db() -> None:
    """The database: private cluster, creation and migrations."""


@db.command("up")
@click.option("--database", help="Database name in the private cluster (default: open311).")
def db_up(database: str | None) -> None:
    """Start the private cluster when no DATABASE_URL is set, create the database and migrate it."""
    from .provision import ensure_database, upgrade

    settings = _settings()
    if not settings["DATABASE_URL"]:
        cluster = _cluster(settings)
        try:
            if cluster.ensure_running():
                click.echo(f"Started the private PostGIS cluster in {cluster.data_dir} on port {cluster.port}.")
        except ClusterError as exc:
            raise click.ClickException(str(exc)) from exc
        url = cluster.url(database) if database else cluster.url()
    else:
        url = settings["DATABASE_URL"]
    if ensure_database(url):
        click.echo("Created the database.")
    upgrade(url)
    click.echo("The database is at the latest migration.")


@db.command("stop")
def db_stop() -> None:
    """Stop the private cluster."""
    settings = _settings()
    cluster = _cluster(settings)
    if cluster.running():
        cluster.stop()
        click.echo("Stopped the private PostGIS cluster.")


@db.command("replica")
@click.option("--port", type=int, help="Port of the replica (default: the primary's + 1).")
def db_replica(port: int | None) -> None:
    """Create and start a streaming replica of the private cluster under var/replica (pg_basebackup)."""
    settings = _settings()
    primary = _cluster(settings)
    replica = Cluster(Path(settings["VAR_DIR"]) / "replica", port or primary.port + 1)
    try:
        if not replica.initialised():
            replica.replicate_from(primary)
        replica.ensure_running()
    except ClusterError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Replica running on port {replica.port}; serve reads from it with:")
    click.echo(f"OPEN311_READ_DATABASE_URL={replica.url()}")


@db.command("url")
def db_url() -> None:
    """Print the database URL the server uses."""
    click.echo(_url(_settings()))


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Run the migrations up to REVISION."""
    from .provision import upgrade

    upgrade(_url(_settings()), revision)


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Run the migrations down to REVISION (``base`` empties the database)."""
    from .provision import downgrade

    downgrade(_url(_settings()), revision)


@db.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    from .provision import alembic_config

    command.revision(alembic_config(_url(_settings())), message=message, autogenerate=True)


@main.command("load-city")
@click.argument("city_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_city_command(city_file: Path) -> None:
    """Load or update a city (jurisdiction, areas, departments, services, routing) from CITY_FILE."""
    from functools import partial

    from .logic.city_loader import load_city

    _load(city_file, partial(load_city, allow_private_webhooks=_settings()["WEBHOOK_ALLOW_PRIVATE"]))


@main.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Only when no jurisdiction is loaded yet.")
@click.option(
    "--requests",
    "generated",
    type=click.IntRange(min=0),
    default=36_500,
    show_default=True,
    help="Requests generated over the last year, besides the real history.",
)
@click.option("--seed", type=int, default=311, show_default=True, help="Seed of the generated data.")
def load_demo(if_empty: bool, generated: int, seed: int) -> None:
    """Load the Paris demo city and a lively year of requests ending today (README: "Demo data").

    The 6,003 real DansMaRue sidewalk reports, shifted so that the last one is dated today, and a
    generated year over the whole catalogue, each with a history of status changes.
    """
    from datetime import UTC, datetime
    from functools import partial

    from .logic.city_loader import load_city
    from .logic.demo import load_demo_requests

    if if_empty:
        from sqlalchemy import select

        from .db import make_engine
        from .models import Jurisdiction

        engine = make_engine(_url(_settings()))
        with engine.connect() as conn:
            loaded = conn.execute(select(Jurisdiction.id).limit(1)).first()
        engine.dispose()
        if loaded:
            click.echo("A city is already loaded; the demo is not loaded again.")
            return
    # The demo's departments post to the local demo receiver (scripts/webhook_receiver.py) on 127.0.0.1.
    _load(DEMO_CITY, partial(load_city, allow_private_webhooks=True))
    from sqlalchemy.orm import Session

    from .db import make_engine

    engine = make_engine(_url(_settings()))
    with engine.connect() as connection, Session(bind=connection) as session:  # one connection throughout
        report = load_demo_requests(
            session, _jurisdiction(session, "paris.fr"), DEMO_HISTORY, now=datetime.now(UTC), requests=generated,
            seed=seed, progress=lambda message: click.echo(message, err=True),
        )  # fmt: skip
    engine.dispose()
    click.echo(f"Demo requests: {report.summary()}" if report else "The demo's requests are already loaded.")


def _load(city_file: Path, load_city) -> None:
    from sqlalchemy.orm import Session

    from .db import make_engine
    from .errors import CityFileError

    engine = make_engine(_url(_settings()))
    try:
        with Session(engine) as session:
            summary = load_city(session, city_file, progress=lambda msg: click.echo(msg, err=True))
            session.commit()
    except CityFileError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(summary)


@main.group()
def keys() -> None:
    """API keys of client applications."""


@contextmanager
def _session():
    from sqlalchemy.orm import Session

    from .db import make_engine

    engine = make_engine(_url(_settings()))
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _jurisdiction(session, jurisdiction_id: str | None):
    from .errors import Open311Error
    from .logic.jurisdictions import resolve_jurisdiction

    try:
        return resolve_jurisdiction(session, jurisdiction_id)
    except Open311Error as exc:
        raise click.ClickException(exc.description) from exc


@keys.command("create")
@click.option("--name", required=True, help="Who the key is for (an application).")
@click.option("--jurisdiction", "jurisdiction_id", help="Limit the key to this jurisdiction_id (default: all).")
@click.option("--role", type=click.Choice(["client", "staff"]), default="client", show_default=True)
@click.option(
    "--department", "departments", multiple=True, help="staff: limit the key to this department (repeatable)."
)
@click.option(
    "--rate",
    metavar="N[/second|/minute|/hour]",
    help="This key's own rate limit, in requests (default per minute), instead of OPEN311_RATE_LIMIT_KEY.",
)
def keys_create(name: str, jurisdiction_id: str | None, role: str, departments: tuple[str, ...], rate) -> None:
    """Create a key and print it once (only its hash is kept)."""
    from .errors import Open311Error
    from .logic.api_keys import create_key

    with _session() as session:
        jurisdiction = _jurisdiction(session, jurisdiction_id) if jurisdiction_id else None
        try:
            row, key = create_key(
                session, name, jurisdiction, role=role, department_codes=list(departments),
                rate_limit=per_minute(rate) if rate else None,
            )  # fmt: skip
        except Open311Error as exc:
            raise click.ClickException(exc.description) from exc
        session.commit()
        scope = ", ".join(departments) or jurisdiction_id or "every jurisdiction"
        if row.rate_limit:
            scope += f", {row.rate_limit} requests a minute"
        click.echo(f"{role} API key {row.id} for {name} ({scope}); keep it, it is not shown again:", err=True)
        click.echo(key)


def per_minute(rate: str) -> int:
    """``600``, ``600/minute``, ``10/second`` or ``3000/hour`` as requests per minute (at least 1)."""
    count, _, unit = rate.partition("/")
    seconds = {"": 60, "s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
    try:
        number, span = int(count), seconds[unit.strip().lower()]
    except (ValueError, KeyError) as exc:
        raise click.BadParameter(f"{rate!r}: expected N, N/second, N/minute or N/hour", param_hint="--rate") from exc
    if number <= 0:
        raise click.BadParameter(f"{rate!r}: must be a positive number of requests", param_hint="--rate")
    return max(1, round(number * 60 / span))


@keys.command("list")
def keys_list() -> None:
    """List the keys (never the keys themselves)."""
    from .logic.api_keys import list_keys
    from .models import Jurisdiction

    with _session() as session:
        for row in list_keys(session):
            scope = session.get(Jurisdiction, row.jurisdiction_id).jurisdiction_id if row.jurisdiction_id else "*"
            if row.departments:
                scope += ":" + ",".join(d.code for d in row.departments)
            state = f"revoked {row.revoked:%Y-%m-%d}" if row.revoked else "active"
            rate = f"{row.rate_limit}/min" if row.rate_limit else "default rate"
            click.echo(
                f"{row.id}\t{row.prefix}…\t{row.name}\t{row.role}\t{scope}\t{rate}\t"
                f"created {row.created:%Y-%m-%d}\t{state}"
            )


@keys.command("revoke")
@click.argument("key_id", type=int)
def keys_revoke(key_id: int) -> None:
    """Revoke the key KEY_ID (see keys list)."""
    from .errors import Open311Error
    from .logic.api_keys import revoke_key

    with _session() as session:
        try:
            row = revoke_key(session, key_id)
        except Open311Error as exc:
            raise click.ClickException(exc.description) from exc
        session.commit()
        click.echo(f"Revoked key {row.id} ({row.name}).")


@main.command("import-requests")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "source_format", type=click.Choice(["dansmarue", "csv"]), default="csv", show_default=True)
@click.option("--jurisdiction", "jurisdiction_id", help="Target jurisdiction_id (needed when several are hosted).")
@click.option("--column", "columns", multiple=True, metavar="FIELD=COLUMN", help="csv: read FIELD from COLUMN.")
@click.option("--delimiter", default=",", show_default=True)
def import_requests_command(
    csv_file: Path, source_format: str, jurisdiction_id: str | None, columns, delimiter
) -> None:
    """Import historical requests from CSV_FILE (DansMaRue export or generic CSV); reruns skip what is there."""
    from .logic.importer import GENERIC_COLUMNS, import_requests

    mapping = {}
    for item in columns:
        name, _, column = item.partition("=")
        if name not in GENERIC_COLUMNS or not column:
            raise click.BadParameter(f"{item}: expected FIELD=COLUMN with FIELD one of {', '.join(GENERIC_COLUMNS)}")
        mapping[name] = column
    with _session() as session:
        jurisdiction = _jurisdiction(session, jurisdiction_id)
        report = import_requests(
            session, jurisdiction, csv_file, source_format=source_format, columns=mapping, delimiter=delimiter,
            progress=lambda message: click.echo(message, err=True),
        )  # fmt: skip
    for line, reason in report.refused:
        click.echo(f"{csv_file}: line {line}: refused: {reason}", err=True)
    click.echo(report.summary())


@main.command("deliver")
@click.option("--once", is_flag=True, help="One pass over the due events, then exit.")
@click.option("--interval", type=float, default=2.0, show_default=True, help="Seconds between passes.")
@click.option("--max-attempts", type=int, default=8, show_default=True, help="Tries before an event is dead.")
@click.option("--base-delay", type=float, default=5.0, show_default=True, help="First retry delay (doubles each try).")
def deliver(once: bool, interval: float, max_attempts: int, base_delay: float) -> None:
    """Deliver webhook events to departments (a long-lived worker unless --once)."""
    import signal
    import time

    from .logic.delivery import deliver_due

    stopping = []
    allow_private = _settings()["WEBHOOK_ALLOW_PRIVATE"]
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    with _session() as session:
        while True:
            report = deliver_due(session, allow_private=allow_private, max_attempts=max_attempts, base_delay=base_delay)
            if report.delivered or report.failed or report.dead:
                click.echo(f"delivered {report.delivered}, retrying {report.failed}, dead {report.dead}", err=True)
            if once or stopping:
                return
            time.sleep(interval)


@main.group()
def deliveries() -> None:
    """Webhook events: list and replay."""


@deliveries.command("list")
@click.option("--state", type=click.Choice(["pending", "delivered", "dead"]))
@click.option("--limit", type=int, default=50, show_default=True)
def deliveries_list(state: str | None, limit: int) -> None:
    """The latest events, newest first."""
    from .logic.delivery import list_events

    with _session() as session:
        for event in list_events(session, state, limit):
            click.echo(
                f"{event.id}\t{event.state}\t{event.event_type}\trequest {event.request_id}\t"
                f"tries {event.attempts}\t{event.last_error or ''}"
            )


@deliveries.command("replay")
@click.argument("event_ids", type=int, nargs=-1)
@click.option("--all-dead", is_flag=True, help="Every dead event.")
def deliveries_replay(event_ids: tuple[int, ...], all_dead: bool) -> None:
    """Make events pending again (delivered ones are sent again)."""
    from .logic.delivery import replay

    if not event_ids and not all_dead:
        raise click.UsageError("name event ids or give --all-dead")
    with _session() as session:
        count = replay(session, list(event_ids), all_dead=all_dead)
        session.commit()
    click.echo(f"{count} events will be delivered again.")


@main.command("serve")
@click.option("--host", help="Listen address (default OPEN311_HOST, 127.0.0.1).")
@click.option("--port", type=int, help="Listen port (default OPEN311_PORT, 5000).")
@click.option("--workers", type=int, help="Worker processes (default OPEN311_WORKERS).")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the API with gunicorn, behind an nginx front unless OPEN311_FRONT=none."""
    from .server.nginx import FrontError

    settings = _settings()
    _url(settings)  # fail here, not in every worker, when there is no database
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which("gunicorn")
    if not gunicorn:
        raise click.ClickException("gunicorn is not installed in this environment.")
    host, port = host or settings["HOST"], int(port or settings["PORT"])
    ensure_port_free(host, port)
    layout = server_layout(settings, "open311:create_app()", host, port, workers or settings["WORKERS"])
    try:
        arguments, env = layout.command()
    except FrontError as exc:
        raise click.ClickException(str(exc)) from exc
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    front = "behind nginx" if layout.front == "nginx" else "without a front"
    click.echo(f"Serving the Open311 API on http://{bind}/open311/v2/ ({front}; docs at http://{bind}/docs)")
    os.execve(gunicorn, ["gunicorn", *arguments], {**os.environ, **env})  # noqa: S606 (become gunicorn)


def server_layout(settings: dict, app: str, host: str, port: int, workers: int):
    """The production layout (gunicorn and its front) for these settings; the benchmarks use it too."""
    from .server import ServerLayout

    return ServerLayout(
        app=app, host=host, port=port, workers=workers, threads=settings["THREADS"],
        run_dir=Path(settings["VAR_DIR"]) / "run", front=settings["FRONT"],
        max_body_bytes=settings["MEDIA_MAX_BYTES"] + settings["MAX_FORM_BYTES"],
    )  # fmt: skip


def ensure_port_free(host: str, port: int) -> None:
    """Refuse to start when something listens on ``host:port`` already (the workers' SO_REUSEPORT
    sockets would otherwise share the port with it silently)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # connections closing do not count
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.ClickException(
                f"{host}:{port} is in use ({exc.strerror}): is the server already running?"
            ) from exc


@main.command("stop")
def stop() -> None:
    """Stop the server started by ``open311 serve`` and the private cluster."""
    import signal

    settings = _settings()
    pidfile = Path(settings["VAR_DIR"]) / "run" / "gunicorn.pid"
    if pidfile.exists():
        try:
            os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
            click.echo("Stopped the server.")
        except (ProcessLookupError, ValueError):
            pass
        pidfile.unlink(missing_ok=True)
    from .server.nginx import NginxFront

    if NginxFront(Path(settings["VAR_DIR"]) / "run" / "nginx", "", 0, Path(), 0).stop_stale():
        click.echo("Stopped the nginx front.")
    replica = Cluster(Path(settings["VAR_DIR"]) / "replica", settings["DB_PORT"] + 1)
    if replica.running():
        replica.stop()
        click.echo("Stopped the replica.")
    cluster = _cluster(settings)
    if cluster.running():
        cluster.stop()
        click.echo("Stopped the private PostGIS cluster.")


@main.command("openapi")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path), default="openapi.yaml")
def openapi(output: Path) -> None:
    """Write the OpenAPI document generated from the code to OUTPUT."""
    from .openapi_doc import openapi_yaml

    output.write_text(openapi_yaml())
    click.echo(f"Wrote {output}")


@main.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--jurisdiction", "jurisdiction_id", help="The jurisdiction_id (needed when several are hosted).")
@click.option(
    "--format", "formats", multiple=True, type=click.Choice(["csv", "ndjson", "geojson"]),
    help="Formats to write (repeatable; default: all three).",
)  # fmt: skip
def export_command(directory: Path, jurisdiction_id: str | None, formats: tuple[str, ...]) -> None:
    """Extension: write the open data files into DIRECTORY, one per month and format, with a manifest and a
    datapackage.json; a rerun rewrites only the months that changed."""
    from sqlalchemy.orm import Session

    from .db import make_engine
    from .errors import Open311Error
    from .logic.opendata.export import FORMATS
    from .logic.opendata.harvest import harvest

    engine = make_engine(_url(_settings()))
    snapshot = engine.execution_options(isolation_level="REPEATABLE READ")  # a month is read in one snapshot
    try:
        with Session(engine) as session:
            jurisdiction = _jurisdiction(session, jurisdiction_id)
            session.expunge(jurisdiction)
        try:
            report = harvest(
                lambda: Session(snapshot), jurisdiction, directory, formats or FORMATS,
                progress=lambda message: click.echo(message, err=True),
            )  # fmt: skip
        except Open311Error as exc:
            raise click.ClickException(exc.description) from exc
    finally:
        engine.dispose()
    click.echo(f"{directory}: {report.summary()}")


@main.command("retention")
@click.option("--dry-run", "mode", flag_value="dry-run", help="Print what is due for deletion, delete nothing.")
@click.option("--apply", "mode", flag_value="apply", help="Delete what is due, in batches.")
@click.option("--jurisdiction", "jurisdiction_id", help="Only this jurisdiction_id (default: every one).")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=1000, show_default=True)
def retention_command(mode: str | None, jurisdiction_id: str | None, batch_size: int) -> None:
    """Extension: delete personal data, photos and sandbox requests past the city files' retention periods."""
    from .logic.opendata.retention import retention

    if mode is None:
        raise click.UsageError("say --dry-run (print what is due) or --apply (delete it)")
    settings = _settings()
    with _session() as session:
        jurisdiction = _jurisdiction(session, jurisdiction_id) if jurisdiction_id else None
        report = retention(
            session, Path(settings["MEDIA_DIR"]), apply=mode == "apply", jurisdiction=jurisdiction,
            batch_size=batch_size, progress=lambda message: click.echo(message, err=True),
        )  # fmt: skip
    verb = "deleted" if report.applied else "due (dry run, nothing deleted)"
    for counts in report.jurisdictions:
        click.echo(f"{counts.summary()} {verb}")


@main.group()
def statistics() -> None:
    """Extension: the rollups behind GET statistics (kept by the database; see docs/metrics.md)."""


@statistics.command("fold")
def statistics_fold() -> None:
    """Add the pending changes to the rollups now (the database does it every 256 changes)."""
    from .logic.insight.rollups import fold

    with _session() as session:
        fold(session)
        session.commit()
    click.echo("Folded the pending changes into the rollups.")


@statistics.command("rebuild")
@click.option("--jurisdiction", "jurisdiction_id", help="The jurisdiction_id (needed when several are hosted).")
def statistics_rebuild(jurisdiction_id: str | None) -> None:
    """Recompute a jurisdiction's rollups from its requests (after a load made without them)."""
    from .logic.insight.rollups import rebuild

    with _session() as session:
        jurisdiction = _jurisdiction(session, jurisdiction_id)
        rebuild(session, jurisdiction)
        session.commit()
        click.echo(f"Rebuilt the rollups of {jurisdiction.jurisdiction_id}.")
