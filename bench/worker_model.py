"""Which gunicorn worker model and counts serve best on this machine: GET requests/{id}.json, POST
requests.json and the framework floor under sync and gthread workers of several counts, alternated in
one run (each round in the opposite order), wrk with the benchmark's 8 connections.

    OPEN311_BENCH_DATABASE_URL=... python -m bench.worker_model [--duration 8] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from .common import bench_url, warm_cache
from .run import CONNECTIONS, Server, _cleanup, _client_key, _count, _lua_post, _lua_random_id, wrk

MODELS = {
    "gthread 2x2": ("--workers", "2", "--threads", "2"),
    "gthread 4x2": ("--workers", "4", "--threads", "2"),
    "gthread 2x4": ("--workers", "2", "--threads", "4"),
    "sync 2": ("--workers", "2", "--worker-class", "sync"),
    "sync 4": ("--workers", "4", "--worker-class", "sync"),
}


def main() -> None:
    """Alternate the models ``--rounds`` times; print requests/s and each model's share of the best."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    url = bench_url()
    _requests, highest, _size = _count(url)
    print(warm_cache(url), flush=True)  # rounds comparable: the first one no longer reads the disk
    directory = Path(tempfile.mkdtemp())
    cases = {
        "6 request.json": ("open311:create_app()", "/", _lua_random_id(directory, "json", highest)),
        "7 POST requests.json": (
            "open311:create_app()",
            "/open311/v2/requests.json",
            _lua_post(directory, _client_key(url), url),
        ),
        "floor": ("bench.floor_app:create_app()", "/floor.json", None),
    }
    rates: dict[tuple[str, str], list[float]] = {}
    try:
        for number in range(args.rounds):
            order = list(MODELS) if number % 2 == 0 else list(reversed(MODELS))
            for model in order:
                for case, (app, path, script) in cases.items():
                    with Server(app, url, MODELS[model]):
                        result = wrk(path, args.duration, CONNECTIONS, script)
                    rates.setdefault((case, model), []).append(result["rps"])
                    print(f"round {number + 1} {model:12} {case:22} {result}", flush=True)
    finally:
        _cleanup(url, highest)
    print("\n| case | model | requests/s (each round) | median | ÷ best median |\n|---|---|---|---|---|")
    for case in cases:
        medians = {model: statistics.median(rates[(case, model)]) for model in MODELS}
        best = max(medians.values())
        for model, median in medians.items():
            runs = ", ".join(f"{value:,.0f}" for value in rates[(case, model)])
            print(f"| {case} | {model} | {runs} | {median:,.0f} | {median / best:.2f} |")


if __name__ == "__main__":
    main()
