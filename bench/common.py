"""What the benchmark scripts share: the bench database and timing helpers."""

from __future__ import annotations

import os

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
