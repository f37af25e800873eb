"""Bench case "export": the full bulk export over HTTP, under gunicorn with the production settings.

    .venv/bin/python -m bench.export [--rounds 2] [--port 5312] [--write]
    .venv/bin/python -m bench.run --cases export        (the same, printed)

For each round, interleaved: export/requests.csv, .ndjson, .geojson and .csv with gzip, downloaded by
curl (to /dev/null) from a server with nothing else to do; rows/s from X-Result-Count and curl's time;
the workers' RSS sampled every 0.1 s (growth: the peak during the download over the level before it).
The database floor is the same COPY of the CSV read by a bare psycopg loop that keeps nothing. Targets
(issue 12): CSV at 100,000 rows/s or more with RSS growth under 50 MB, NDJSON and GeoJSON within 1.5x
the CSV's time. With --write the table replaces the export section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy.orm import Session

from open311.cli import ensure_port_free
from open311.db import make_engine
from open311.logic.jurisdictions import resolve_jurisdiction
from open311.logic.opendata.export import RequestExport
from open311.logic.request_search import RequestQuery

from .common import bench_url, gunicorn_alone, warm_cache

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
BEGIN, END = "<!-- export:begin -->", "<!-- export:end -->"
PORT = 5312
CASES = (("csv", False), ("ndjson", False), ("geojson", False), ("csv", True))


class Workers:
    """gunicorn serving the API (4 gthread workers x 2 threads, as in production) on ``port``."""

    def __init__(self, url: str, port: int):
        self.url, self.port = url, port

    def __enter__(self) -> Workers:
        ensure_port_free("127.0.0.1", self.port)
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
        self.directory = tempfile.mkdtemp()
        arguments, extra = gunicorn_alone("open311:create_app()", self.port, 4, 2, Path(self.directory))
        env = {**os.environ, **extra, "OPEN311_DATABASE_URL": self.url, "OPEN311_LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen([gunicorn, *arguments], env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120  # a busy machine takes its time to import everything
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/open311/v2/services.json", timeout=5)
                return self
            except urllib.error.HTTPError as error:  # it answers, but wrongly: say so
                self.__exit__()
                raise RuntimeError(f"the server answers {error.code}: is the bench database migrated?") from error
            except OSError:
                time.sleep(0.5)
        self.__exit__()
        raise RuntimeError("gunicorn did not start")

    def rss_kb(self) -> int:
        """The workers' resident memory now, in kB."""
        pids = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()
        total = 0
        for pid in pids:
            with contextlib.suppress(OSError, AttributeError):  # a worker may be restarting
                total += int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))
        return total

    def __exit__(self, *_exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.directory, ignore_errors=True)


def download(workers: Workers, fmt: str, gzip: bool) -> dict:
    """One export through curl, with the workers' RSS watched."""
    url = f"http://127.0.0.1:{workers.port}/open311/v2/export/requests.{fmt}?jurisdiction_id=paris.fr"
    handle, name = tempfile.mkstemp()
    os.close(handle)
    headers = Path(name)
    command = ["curl", "-sS", "-o", "/dev/null", "-D", str(headers), "-w", "%{time_total} %{size_download}", url]
    if gzip:
        command[1:1] = ["-H", "Accept-Encoding: gzip"]
    before, peak, done = workers.rss_kb(), [0], threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], workers.rss_kb())
            time.sleep(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        seconds, size = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
    finally:
        done.set()
        watcher.join()
    rows = int(re.search(r"X-Result-Count: (\d+)", headers.read_text(), re.I).group(1))
    headers.unlink()
    return {"rows": rows, "seconds": float(seconds), "bytes": int(size), "rss_growth_mb": (peak[0] - before) / 1024}


def floor(url: str) -> float:
    """Rows/s of the export's CSV COPY read by a bare psycopg loop (the database floor)."""
    engine = make_engine(url)
    with Session(engine) as session:
        export = RequestExport(session, resolve_jurisdiction(session, "paris.fr"), RequestQuery())
        connection = export.begin()
        sql, params = export.sql(csv=True)
        started, rows = time.perf_counter(), 0
        with connection.cursor().copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for _row in copy:
                rows += 1
        elapsed = time.perf_counter() - started
        export.close()
    engine.dispose()
    return rows / elapsed


def table(results: dict[str, list[dict]], floors: list[float], requests: int) -> str:
    """The markdown section."""
    csv_seconds = statistics.median(run["seconds"] for run in results["csv"])
    lines = [
        BEGIN,
        "## Export (issue 12)",
        "",
        f"Full export of {requests:,} requests over HTTP (`python -m bench.export`), curl to /dev/null, "
        f"{len(results['csv'])} interleaved rounds (median; every round in brackets).",
        "",
        "| case | rows/s | seconds | MB sent | workers' RSS growth MB | time ÷ CSV |",
        "|---|---|---|---|---|---|",
    ]
    for name, runs in results.items():
        seconds = statistics.median(run["seconds"] for run in runs)
        rates = ", ".join(f"{run['rows'] / run['seconds']:,.0f}" for run in runs)
        lines.append(
            f"| {name} | {statistics.median(run['rows'] / run['seconds'] for run in runs):,.0f} ({rates}) | "
            f"{seconds:.1f} | {statistics.median(run['bytes'] for run in runs) / 1e6:,.0f} | "
            f"{max(run['rss_growth_mb'] for run in runs):.1f} | {seconds / csv_seconds:.2f} |"
        )
    lines += [
        f"| database floor (the CSV's COPY, read and dropped) | {statistics.median(floors):,.0f} | | | | |",
        "",
        "Targets: CSV ≥ 100,000 rows/s with RSS growth < 50 MB; NDJSON and GeoJSON ≤ 1.5× the CSV's time.",
        END,
    ]
    return "\n".join(lines)


def write(section: str) -> None:
    """Replace (or add at the end) the export section of bench/RESULTS.md."""
    text = RESULTS.read_text() if RESULTS.exists() else ""
    if BEGIN in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)


def run(url: str, rounds: int = 2, port: int = PORT) -> str:
    """Run the case against the bench database at ``url``: its markdown section (progress printed)."""
    results: dict[str, list[dict]] = {}
    floors: list[float] = []
    print(warm_cache(url), flush=True)
    with Workers(url, port) as workers:
        download(workers, "csv", False)  # warm: imports, connections, the table in the cache
        for round_number in range(rounds):
            floors.append(floor(url))
            print(f"round {round_number + 1}: floor {floors[-1]:,.0f} rows/s", flush=True)
            for fmt, gzip in CASES:
                name = f"{fmt} gzip" if gzip else fmt
                result = download(workers, fmt, gzip)
                results.setdefault(name, []).append(result)
                rate = result["rows"] / result["seconds"]
                print(f"round {round_number + 1}: {name:12} {rate:9,.0f} rows/s {result}", flush=True)
    return table(results, floors, results["csv"][0]["rows"])


def main() -> None:
    """Run the case and print (and with --write, record) its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--write", action="store_true", help="replace the export section of bench/RESULTS.md")
    args = parser.parse_args()
    section = run(bench_url(), args.rounds, args.port)
    print(section)
    if args.write:
        write(section)


if __name__ == "__main__":
    main()
