"""What the benchmark scripts share: the bench database and timing helpers."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from open311.config import load_settings
from open311.db import make_engine
from open311.provision import database_url

BENCH_DATABASE = "open311_bench"


def bench_url() -> str:
    """OPEN311_BENCH_DATABASE_URL, else the database ``open311_bench`` beside the configured one."""
    explicit = os.environ.get("OPEN311_BENCH_DATABASE_URL")
    if explicit:
        return explicit
    base = make_url(make_engine(database_url(load_settings())).url)
    return base.set(database=BENCH_DATABASE).render_as_string(hide_password=False)


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def gunicorn_alone(app: str, port: int, workers: int, threads: int, run_dir: Path) -> tuple[list[str], dict[str, str]]:
    """gunicorn's arguments and environment for ``app`` served on 127.0.0.1:``port`` with the production
    settings of `open311 serve` but no front (the figures are the workers' own); run files in ``run_dir``."""
    from open311.cli import server_layout

    settings = {**load_settings(), "FRONT": "none", "THREADS": threads}
    layout = server_layout(settings, app, "127.0.0.1", port, workers)
    layout.run_dir, layout.access_log = run_dir, False
    return layout.command()


def warm_cache(url: str) -> str:
    """Read every table and index of the bench database into the operating system's page cache
    (``pg_prewarm`` in ``read`` mode), so that a run measures a server whose data sits in memory, as it
    does after hours of serving, and not the disk: at 10M, a GET of a random request id took 2.4–3.8 ms
    on a cold cache and 0.28 ms on a warm one, and the first case of a run paid for the others. Returns
    what was read (or why nothing was), for the run's log."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            available = connection.scalar(
                text("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_prewarm'")
            )
            if not available:
                return "cache not warmed: the pg_prewarm extension is not installed"
            try:
                connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
            except DBAPIError as exc:  # not a superuser of that database
                return f"cache not warmed: {str(exc.orig).splitlines()[0]}"
            started = time.monotonic()
            pages = connection.scalar(
                text(
                    "SELECT sum(pg_prewarm(c.oid, 'read')) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'm') AND c.relpersistence = 'p'"
                )
            )
            connection.commit()
        size = (pages or 0) * 8192
        return f"cache warmed: {size / 2**30:.1f} GiB read in {time.monotonic() - started:.1f} s"
    finally:
        engine.dispose()


def vacuum(url: str) -> None:
    """VACUUM the bench database (indexes included) after a run removed what it added: the deleted rows' index
    entries otherwise stay at the right end of the primary key, where every listing reads the highest id
    (at 10M, 283,000 dead entries left by earlier runs made that read walk 1,304 pages: 4.3 ms a
    listing instead of 0.1), and the table is too large for autovacuum to come soon."""
    engine = make_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # INDEX_CLEANUP ON: with few dead rows against 10M, VACUUM would skip the indexes (PostgreSQL 14+).
            connection.execute(text("VACUUM (ANALYZE, INDEX_CLEANUP ON)"))
    finally:
        engine.dispose()
