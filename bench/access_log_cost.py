"""What the access log costs GET requests/{id}.json and the framework floor: the server without it, with
gunicorn's own logger, and with :class:`open311.access_log.BufferedAccessLogger` (what ``open311 serve``
uses), alternated in one run so that the machine's drift falls on every variant alike.

    OPEN311_BENCH_DATABASE_URL=... python -m bench.access_log_cost [--duration 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import tempfile
import time
from pathlib import Path

from gunicorn.config import Config
from gunicorn.glogging import Logger

from open311.access_log import BufferedAccessLogger

from .common import bench_url
from .run import CONNECTIONS, Server, _count, _lua_random_id, wrk

VARIANTS = {
    "no access log": (),
    "gunicorn's logger": ("--access-logfile", "{log}"),
    "buffered logger": ("--access-logfile", "{log}", "--logger-class", "open311.access_log.BufferedAccessLogger"),
}
APPS = {"6 request.json": "open311:create_app()", "floor": "bench.floor_app:create_app()"}


class _Response:
    status, sent = "200 OK", 512
    headers = (
        ("Content-Type", "application/json; charset=utf-8"),
        ("Content-Length", "512"),
        ("Vary", "Accept-Encoding"),
    )


class _Request:
    headers = (("HOST", "127.0.0.1"), ("USER-AGENT", "wrk"), ("ACCEPT", "*/*"))


def per_call(log: Path, rounds: int, calls: int = 20_000) -> dict[str, list[float]]:
    """Microseconds of CPU per access() call (the buffered logger's writes included), gunicorn's logger
    and the buffered one alternated: the cost itself, without the machine's noise of a served case."""
    environ = {f"wsgi.key{n}": "x" for n in range(12)} | {
        "REQUEST_METHOD": "GET", "RAW_URI": "/open311/v2/requests/123.json", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "PATH_INFO": "/open311/v2/requests/123.json", "QUERY_STRING": "",
        "HTTP_USER_AGENT": "wrk", "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT": "*/*",
    }  # fmt: skip
    elapsed = datetime.timedelta(microseconds=1500)
    costs: dict[str, list[float]] = {"gunicorn's logger": [], "buffered logger": []}
    for _ in range(rounds):
        for name, kind in (("gunicorn's logger", Logger), ("buffered logger", BufferedAccessLogger)):
            cfg = Config()
            cfg.set("accesslog", str(log))
            logger = kind(cfg)
            started = time.process_time()
            for _call in range(calls):
                logger.access(_Response, _Request, environ, elapsed)
            if isinstance(logger, BufferedAccessLogger):
                logger.flush_access_log()
            costs[name].append((time.process_time() - started) / calls * 1e6)
            for handler in list(logger.access_log.handlers):
                handler.close()
                logger.access_log.removeHandler(handler)
            log.unlink(missing_ok=True)
    return costs


def main() -> None:
    """Alternate the variants ``--rounds`` times and print requests/s and each variant's ratio to none."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = bench_url()
    directory = Path(tempfile.mkdtemp())
    script = _lua_random_id(directory, "json", _count(url)[1])
    log = directory / "access.log"
    for name, values in per_call(log, args.rounds).items():
        print(f"in-process, one access() call, {name}: {', '.join(f'{v:.1f}' for v in values)} us (CPU)", flush=True)
    rates: dict[tuple[str, str], list[float]] = {}
    for number in range(args.rounds):
        order = list(VARIANTS) if number % 2 == 0 else list(reversed(VARIANTS))
        for case, app in APPS.items():
            for variant in order:
                extra = tuple(part.format(log=log) for part in VARIANTS[variant])
                with Server(app, url, extra):
                    path, lua = ("/", script) if case != "floor" else ("/floor.json", None)
                    result = wrk(path, args.duration, CONNECTIONS, lua)
                log.unlink(missing_ok=True)
                rates.setdefault((case, variant), []).append(result["rps"])
                print(f"round {number + 1} {case:16} {variant:18} {result}", flush=True)
    print("\n| case | variant | requests/s (each round) | median | ÷ no access log |\n|---|---|---|---|---|")
    for (case, variant), values in rates.items():
        median, base = statistics.median(values), statistics.median(rates[(case, "no access log")])
        runs = ", ".join(f"{value:,.0f}" for value in values)
        print(f"| {case} | {variant} | {runs} | {median:,.0f} | {median / base:.2f} |")


if __name__ == "__main__":
    main()
