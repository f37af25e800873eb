"""Where each answer's CPU goes on this machine: the server's workers, nginx, PostgreSQL and wrk.

    .venv/bin/python -m bench.cpu_budget [--duration 8]

Serves the production layout (4 workers x 2 threads, nginx in front, access log on) and drives it with
wrk (one connection per server thread) on the framework floor's trivial endpoint, services.json,
discovery.json (the cheapest GeoReport answer: what the request pipeline of the API costs by itself),
GET requests/{id}.json on random ids, a polling client's 304 and POST requests.json. During each run
the CPU time (user + system) of every process is read from /proc: gunicorn's master and workers, nginx's,
the database cluster's (every child of its postmaster) and wrk's own. Each figure is CPU microseconds
per answer; ``busy`` is the share of all cores they used together.

The throughput targets of bench/run.py are shares of the floor's requests/s. On a machine whose cores
are all busy, a case reaches share S of the floor only if all its processes together spend at most
cores / (S x floor's requests/s) per answer: the last lines print that budget beside what the
database, nginx and wrk alone spend on each case. Database: ``OPEN311_BENCH_DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from open311.db import make_engine

from . import run
from .common import bench_url

#: The throughput targets of bench/run.py (share of the framework floor's requests/s).
TARGETS = {"services.json": 0.60, "GET one": 0.60, "304": 0.50, "POST": 0.20}
TICK = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    output = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(child) for child in output.split()]


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(_children(current))
    return found


def _cpu(pid: int) -> float:
    """Seconds of CPU (user + system) the process has used; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _postmaster(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        directory = connection.execute(text("SHOW data_directory")).scalar()
    engine.dispose()
    return int((Path(directory) / "postmaster.pid").read_text().split()[0])


def _groups(server: run.Server, postmaster: int) -> dict[str, list[int]]:
    """The processes of each part: gunicorn (master and workers), nginx, the database."""
    processes = _tree(server.process.pid)
    return {
        "gunicorn": [pid for pid in processes if _comm(pid) != "nginx"],
        "nginx": [pid for pid in processes if _comm(pid) == "nginx"],
        "database": _tree(postmaster),
    }


def measure(server: run.Server, postmaster: int, path: str, seconds: int, script: Path | None = None) -> dict:
    """Requests/s of one wrk run and the CPU microseconds per answer of each part."""
    groups = _groups(server, postmaster)
    before = {name: {pid: _cpu(pid) for pid in pids} for name, pids in groups.items()}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    figures = run.wrk(path, seconds, run.CONNECTIONS, script)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    groups = _groups(server, postmaster)  # new database backends count from zero
    answers = figures["rps"] * wall
    result = {"rps": figures["rps"], "errors": figures["errors"]}
    for name, pids in groups.items():
        used = sum(_cpu(pid) - before[name].get(pid, 0.0) for pid in pids)
        result[name] = used / answers * 1e6
    result["wrk"] = (after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime) / answers * 1e6
    result["total"] = sum(result[name] for name in ("gunicorn", "nginx", "database", "wrk"))
    result["busy"] = result["total"] * figures["rps"] / 1e6 / os.cpu_count()
    return result


def main() -> None:
    """Measure each case and print the table and the budgets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds of wrk per case")
    args = parser.parse_args()
    url = bench_url()
    _requests, highest, _size = run._count(url)
    key = run._client_key(url)
    postmaster = _postmaster(url)
    directory = Path(tempfile.mkdtemp())
    results = {}
    with run.Server("bench.floor_app:create_app()") as server:
        results["floor"] = measure(server, postmaster, "/floor.json", args.duration)
    try:
        with run.Server("open311:create_app()", url) as server:
            results["services.json"] = measure(server, postmaster, "/open311/v2/services.json", args.duration)
            # The cheapest GeoReport answer (620 bytes kept in memory) through the same hooks: what the
            # request pipeline alone costs, beside the floor's bare Flask endpoint.
            results["discovery.json"] = measure(server, postmaster, "/open311/v2/discovery.json", args.duration)
            script = run._lua_random_id(directory, "json", highest)
            results["GET one"] = measure(server, postmaster, "/", args.duration, script)
            script = run._lua_poll(directory, "/open311/v2/requests.json")
            results["304"] = measure(server, postmaster, "/", args.duration, script)
            script = run._lua_post(directory, key, url)
            results["POST"] = measure(server, postmaster, "/open311/v2/requests.json", args.duration, script)
    finally:
        run._cleanup(url, highest)
    print(f"\n{os.cpu_count()} cores; CPU microseconds per answer (user + system), wrk {run.CONNECTIONS} connections")
    print("| case | answers/s | errors | gunicorn | nginx | database | wrk | total | busy |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, figures in results.items():
        print(
            f"| {name} | {figures['rps']:,.0f} | {figures['errors']} | {figures['gunicorn']:,.0f} | "
            f"{figures['nginx']:,.0f} | {figures['database']:,.0f} | {figures['wrk']:,.0f} | {figures['total']:,.0f} | "
            f"{figures['busy']:.0%} |"
        )
    floor = results["floor"]["rps"]
    print("\nBudget of each throughput target (all processes, CPU microseconds per answer):")
    for name, share in TARGETS.items():
        figures = results[name]
        budget = os.cpu_count() * 1e6 / (share * floor)
        others = figures["nginx"] + figures["database"] + figures["wrk"]
        print(
            f"- {name}: {share:.0%} of the floor is {budget:,.0f} µs; nginx, the database and wrk spend {others:,.0f}, "
            f"which leaves {budget - others:,.0f} µs for gunicorn (it spends {figures['gunicorn']:,.0f}; "
            f"the floor's gunicorn {results['floor']['gunicorn']:,.0f})"
        )


if __name__ == "__main__":
    main()
