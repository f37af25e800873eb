"""A/B runs: the same wrk cases against variants of the served layout, interleaved round by round.

The machine's speed drifts by a third from minute to minute, so a cost is only a ratio measured in
one run with the variants taking turns (in ABBA order, so that a steady drift cancels); the medians
over the rounds are compared.
"""

from __future__ import annotations

import argparse
import os
import statistics
from collections.abc import Callable
from pathlib import Path

from open311.config import load_settings
from open311.provision import database_url

from . import run
from .slow_clients import free_port

#: A case: a path and an optional wrk script.
Case = tuple[str, Path | None]


def arguments(description: str) -> tuple[argparse.Namespace, str]:
    """``--rounds`` and ``--duration``, and the database: OPEN311_BENCH_DATABASE_URL, else make run's."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds per case")
    url = os.environ.get("OPEN311_BENCH_DATABASE_URL") or database_url(load_settings())
    return parser.parse_args(), url


def interleave(url: str, variants: dict[str, dict[str, str]], cases: dict[str, Case], rounds: int, seconds: int,
               before_round: Callable[[], None] | None = None) -> dict[tuple[str, str], list[float]]:  # fmt: skip
    """Requests/s of each case under each variant (environment overrides), ``rounds`` times in turn."""
    run.PORT = free_port()
    figures: dict[tuple[str, str], list[float]] = {}
    for number in range(rounds):
        order = list(variants.items())
        for variant, environment in order if number % 2 == 0 else order[::-1]:  # ABBA: drift cancels
            saved = {name: os.environ.get(name) for name in environment}
            os.environ.update(environment)
            try:
                if before_round:
                    before_round()
                with run.Server("open311:create_app()", url):
                    for case, (path, script) in cases.items():
                        result = run.wrk(path, seconds, run.CONNECTIONS, script)
                        figures.setdefault((case, variant), []).append(result["rps"])
                        print(f"round {number + 1} {variant:12} {case:16} {result}", flush=True)
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
    return figures


def report(figures: dict[tuple[str, str], list[float]], cases, variants, baseline: str) -> None:
    """Median requests/s per case and variant, and each variant's ratio to the baseline."""
    for case in cases:
        base = statistics.median(figures[case, baseline])
        line = f"{case:16} {baseline} {base:8.0f}/s"
        for variant in variants:
            if variant != baseline:
                value = statistics.median(figures[case, variant])
                line += f"   {variant} {value:8.0f}/s ({value / base - 1:+.1%})"
        print(line)
