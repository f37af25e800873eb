"""What the benchmark scripts share: the bench database and timing helpers."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

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
