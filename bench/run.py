"""One benchmark command: the API under gunicorn (production settings) driven by wrk, beside its floors.

    .venv/bin/python -m bench.run [--duration 10] [--compare-url URL_OF_A_SMALLER_DATASET] [--soak 600]

Cases (spec'd in the city-scale issue): 1 services.json; 2 requests.json and .xml with no parameters;
3 a service_code + status + 30-day filter; 4 page 200 of page_size 100 of a busy filter (against page 1);
5 bbox around the 7th and a 500 m radius, 30 days; 6 requests/{id}.json and .xml on random ids; 7 POST
requests.json on random points of Paris; 8-10 statistics, hotspots and tiles, 11 the statistics' cost to a
POST (bench/insight_cases.py). Floors measured in the same run: a trivial Flask endpoint under the same
gunicorn settings (framework floor) and the same SQL as cases 2, 3 and 6 from plain psycopg
(database floor). Also: workers' peak RSS, database size, the importer's rate, and with --soak the
workers' memory over a long mixed run. The table goes to bench/RESULTS.md (a hand-written analysis
after the ``<!-- analysis -->`` marker is kept).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from open311.cli import DEMO_HISTORY, ensure_port_free, server_layout
from open311.config import load_settings
from open311.db import make_engine
from open311.logic.api_keys import create_key
from open311.logic.importer import import_requests
from open311.logic.jurisdictions import resolve_jurisdiction
from open311.logic.request_search import RequestQuery

from . import db_floor
from .common import bench_url, vacuum, warm_cache
from .insight_cases import insight_cases, insight_scripts, post_cost

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
PORT = int(os.environ.get("OPEN311_BENCH_PORT", "5311"))  # several checkouts may bench on one machine
#: The server layout `make run` uses (OPEN311_WORKERS x OPEN311_THREADS, chosen by bench/worker_model.py).
_LAYOUT = load_settings()
WORKERS, THREADS = _LAYOUT["WORKERS"], _LAYOUT["THREADS"]
#: As many connections as the server has threads: gthread pins a keep-alive connection to a worker, so
#: more connections than threads only measure queueing behind busy workers (multi-second p99s).
CONNECTIONS = WORKERS * THREADS


def _w3c(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- servers ---------------------------------------------------------------------------------------


class Server:
    """gunicorn serving ``app`` on 127.0.0.1:PORT with the production settings, for one block of cases."""

    def __init__(self, app: str, database_url: str | None = None, extra: tuple[str, ...] = ()):
        self.app, self.database_url, self.extra = app, database_url, list(extra)
        self.pidfile = Path(tempfile.mkdtemp()) / "gunicorn.pid"

    def __enter__(self):
        ensure_port_free("127.0.0.1", PORT)
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
        # The benchmark is one client at thousands of requests a second: its quotas are raised out of
        # reach (every request is still counted; bench/rate_limit_cost.py measures what that costs).
        unlimited = {f"OPEN311_RATE_LIMIT_{name}": str(10**9) for name in ("KEY", "WRITES", "ADDRESS")}
        env = {**os.environ, "OPEN311_LOG_LEVEL": "WARNING", **unlimited}
        if self.database_url:
            env["OPEN311_DATABASE_URL"] = self.database_url
        # The production layout of `open311 serve` (nginx in front unless OPEN311_FRONT=none), access log on.
        layout = server_layout({**load_settings(), "THREADS": THREADS}, self.app, "127.0.0.1", PORT, WORKERS)
        layout.run_dir = self.pidfile.parent
        arguments, extra = layout.command()
        arguments[-1:-1] = self.extra  # before the app, after the settings they override
        self.process = subprocess.Popen([gunicorn, *arguments], env={**env, **extra}, cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            return self._started()
        except BaseException:
            self.__exit__()  # a server that failed to start (or to warm) is not left serving the port
            raise

    def _started(self) -> Server:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/", timeout=1)
            except urllib.error.HTTPError:
                return self._warm()
            except OSError:
                time.sleep(0.2)
                continue
            return self._warm()
        raise RuntimeError(f"gunicorn did not start for {self.app}")

    def _warm(self) -> Server:
        """A few seconds of load, not measured: the first seconds after a start ran at half speed
        (workers' first requests, imports), which understated whichever case came first."""
        subprocess.run(["wrk", f"-c{CONNECTIONS}", "-t2", "-d3s", f"http://127.0.0.1:{PORT}/"], capture_output=True)
        return self

    def workers(self) -> list[int]:
        """The worker processes' pids (not the nginx front's)."""
        output = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in output.split() if "nginx" not in Path(f"/proc/{pid}/comm").read_text()]

    def memory(self, field: str = "VmHWM") -> int:
        """The sum over workers of a /proc memory field, in kB (VmHWM: peak RSS; VmRSS: now)."""
        total = 0
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(re.search(rf"{field}:\s+(\d+)", status).group(1))
        return total

    def __exit__(self, *_exc):
        self.process.terminate()
        self.process.wait(timeout=30)


# -- wrk -------------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(path: str, seconds: int, connections: int, script: Path | None = None, headers: dict | None = None) -> dict:
    """Requests/s and p50/p99 (ms) of ``path`` under wrk; errors counted."""
    threads = min(2, connections)
    command = ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    if script:
        command += ["-s", str(script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, f"http://127.0.0.1:{PORT}{path}"], capture_output=True, text=True).stdout
    latency = {
        m.group(1): float(m.group(2)) * UNITS[m.group(3)]
        for m in re.finditer(r"\s(50|99)%\s+([\d.]+)(us|ms|s)", output)
    }
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50": latency["50"], "p99": latency["99"], "errors": int(errors.group(1)) if errors else 0}


def _lua_random_id(directory: Path, fmt: str, ids: int) -> Path:
    script = directory / f"random_id_{fmt}.lua"
    script.write_text(
        f"math.randomseed(os.time())\n"
        f"request = function()\n"
        f'  return wrk.format("GET", "/open311/v2/requests/" .. math.random(1, {ids}) .. ".{fmt}")\n'
        f"end\n"
    )
    return script


#: How far a POST's point may lie from the real location it is drawn around (degrees of latitude, longitude).
POST_JITTER = (0.0007, 0.001)


def _post_points(url: str) -> list[tuple[str, str]]:
    """The real DansMaRue locations whose whole jitter box lies in Paris's areas: the POSTs are all inside
    the jurisdiction (a point drawn near the city's edge was refused with a 400, as it should be)."""
    with DEMO_HISTORY.open(encoding="utf-8") as handle:
        points = [(row["latitude"], row["longitude"]) for row in csv.DictReader(handle)]
    engine = make_engine(url)
    with Session(engine) as session:
        inside = session.scalars(
            text(
                "WITH city AS (SELECT ST_Union(a.geom) AS geom FROM area a JOIN area_layer l ON l.id = a.layer_id"
                "              JOIN jurisdiction j ON j.id = l.jurisdiction_id WHERE j.jurisdiction_id = 'paris.fr'"
                "              AND l.rank = (SELECT min(rank) FROM area_layer WHERE jurisdiction_id = j.id))"
                " SELECT n FROM city, unnest(CAST(:lats AS float8[]), CAST(:longs AS float8[])) WITH ORDINALITY"
                "      AS p (lat, long, n)"
                " WHERE ST_Covers(city.geom, ST_MakeEnvelope(long - :dx, lat - :dy, long + :dx, lat + :dy, 4326))"
            ),
            {"lats": [float(lat) for lat, _ in points], "longs": [float(long) for _, long in points],
             "dy": POST_JITTER[0], "dx": POST_JITTER[1]},
        ).all()  # fmt: skip
    engine.dispose()
    return [points[number - 1] for number in inside]


def _lua_post(directory: Path, key: str, url: str) -> Path:
    """POSTs on random points of Paris: around the real DansMaRue locations inside it, up to ~80 m away."""
    table = ",".join(f"{{{lat},{long}}}" for lat, long in _post_points(url))
    script = directory / "post.lua"
    script.write_text(
        "math.randomseed(os.time())\n"
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f"local points = {{{table}}}\n"
        "request = function()\n"
        "  local p = points[math.random(#points)]\n"
        f"  local lat = p[1] + (math.random() - 0.5) * {2 * POST_JITTER[0]}\n"
        f"  local long = p[2] + (math.random() - 0.5) * {2 * POST_JITTER[1]}\n"
        f'  local body = "api_key={key}&service_code=5201&attribute%5BTAILLE%5D=petit&lat=" .. lat .. "&long=" .. long\n'
        "  return wrk.format(nil, nil, nil, body)\n"
        "end\n"
    )
    return script


# -- the run -----------------------------------------------------------------------------------------


def _count(url: str) -> tuple[int, int, str]:
    engine = make_engine(url)
    with Session(engine) as session:
        requests = session.scalar(text("SELECT count(*) FROM service_request"))
        highest = session.scalar(text("SELECT coalesce(max(id), 0) FROM service_request"))
        size = session.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
    engine.dispose()
    return requests, highest, size


def _client_key(url: str) -> str:
    engine = make_engine(url)
    with Session(engine) as session:
        _row, key = create_key(session, "bench", resolve_jurisdiction(session, "paris.fr"))
        session.commit()
    engine.dispose()
    return key


def _cleanup(url: str, highest: int) -> None:
    """Remove what the POST case and the importer added, so that runs can be repeated."""
    engine = make_engine(url)
    with Session(engine) as session:
        session.execute(text("DELETE FROM service_request WHERE id > :n"), {"n": highest})
        session.execute(text("DELETE FROM api_key WHERE name = 'bench'"))
        session.commit()
    engine.dispose()
    vacuum(url)


def _lua_poll(directory: Path, path: str) -> Path:
    """A polling app: ``path`` with If-None-Match, keeping the ETag of each answer (a 304 carries the tag of
    the window it moved to)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=60) as reply:
        tag = reply.headers["ETag"]
    script = directory / "poll.lua"
    script.write_text(
        f"local tag = '{tag}'\n"
        "request = function()\n"
        f'  return wrk.format("GET", "{path}", {{["If-None-Match"] = tag}})\n'
        "end\n"
        "response = function(status, headers, body)\n"
        '  if headers["ETag"] then tag = headers["ETag"] end\n'
        "end\n"
    )
    return script


def compression_costs(seconds: float = 3.0) -> dict[str, dict]:
    """Bytes and CPU time per answer of each coding for case 2's listing (1,000 records), JSON and XML,
    compressed in this process by the server's own functions (median of repeated runs)."""
    from open311.api.compression import CODINGS

    costs = {}
    for fmt in ("json", "xml"):
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/open311/v2/requests.{fmt}", timeout=60) as reply:
            body = reply.read()
        costs[f"{fmt} identity"] = {"bytes": len(body), "cpu_ms": 0.0}
        for coding, compress in CODINGS.items():
            times, deadline = [], time.perf_counter() + seconds
            while time.perf_counter() < deadline or len(times) < 5:
                started = time.process_time()
                packed = compress(body)
                times.append(time.process_time() - started)
            costs[f"{fmt} {coding}"] = {"bytes": len(packed), "cpu_ms": sorted(times)[len(times) // 2] * 1000}
    for name, value in costs.items():
        print(f"compression {name:14} {value['bytes']:>9,} bytes {value['cpu_ms']:6.2f} ms CPU", flush=True)
    return costs


def filter_cases(now: datetime) -> dict[str, tuple[str, RequestQuery]]:
    """Cases 10: each other filter of GET requests, at one client beside its database floor (the same SQL
    from psycopg); case 11: case 3 with 100 rows a page, the same number of rows at every size (growth)."""
    now = now.replace(microsecond=0)
    day, month, years = now - timedelta(days=1), now - timedelta(days=30), now - timedelta(days=5 * 365)
    return {
        "10 status closed": ("status=closed", RequestQuery(statuses=["closed"])),
        "10 detailed_status": ("detailed_status=in_progress", RequestQuery(detailed_statuses=["in_progress"])),
        "10 agency_responsible": ("agency_responsible=DVD-STV-SO", RequestQuery(agencies=["DVD-STV-SO"])),
        "10 area 7th": ("area=7", RequestQuery(areas=["7"])),
        "10 updated_after 1 day": (f"updated_after={_w3c(day)}", RequestQuery(updated_after=day)),
        "10 service_code 5 years": (
            f"service_code=5201&start_date={_w3c(years)}&end_date={_w3c(now)}",
            RequestQuery(service_codes=["5201"], start_date=years, end_date=now),
        ),
        "11 filter 30 days, 100 rows": (
            f"service_code=5201&status=open&start_date={_w3c(month)}&end_date={_w3c(now)}&page_size=100",
            RequestQuery(service_codes=["5201"], statuses=["open"], start_date=month, end_date=now, page_size=100),
        ),
    }


def api_cases(url: str, seconds: int, scripts: dict[str, Path], only: set[str] | None = None) -> dict[str, dict]:
    """Every case of the API (or those whose number is in ``only``), throughput (CONNECTIONS clients)
    and latency at one client."""
    now = datetime.now(UTC)
    day30 = f"start_date={_w3c(now - timedelta(days=30))}&end_date={_w3c(now)}"
    day90 = f"start_date={_w3c(now - timedelta(days=90))}&end_date={_w3c(now)}"
    base = "/open311/v2"
    results: dict[str, dict] = {}
    with Server("open311:create_app()", url) as server:
        throughput = {
            "1 services.json": (f"{base}/services.json", None),
            "2 requests.json": (f"{base}/requests.json", None),
            "2 requests.xml": (f"{base}/requests.xml", None),
            "3 filter 30 days": (f"{base}/requests.json?service_code=5201&status=open&{day30}", None),
            "4 page 1": (f"{base}/requests.json?service_code=5201&{day90}&page=1&page_size=100", None),
            "4 page 200": (f"{base}/requests.json?service_code=5201&{day90}&page=200&page_size=100", None),
            "5 bbox 7th": (f"{base}/requests.json?bbox=2.28,48.84,2.33,48.87&{day30}", None),
            "5 radius 500 m": (f"{base}/requests.json?lat=48.8584&long=2.2945&radius=500&{day30}", None),
            "6 request.json": ("/", scripts["id_json"]),
            "6 request.xml": ("/", scripts["id_xml"]),
            "7 POST requests.json": (f"{base}/requests.json", scripts["post"]),
            # Polling: the default listing asked again with the ETag of its last answer (304, no row read).
            "8 304 requests.json": ("/", _lua_poll(scripts["directory"], f"{base}/requests.json")),
            # The 1,000-record listing of case 2, compressed as a client asks.
            "9 requests.json gzip": (f"{base}/requests.json", None, {"Accept-Encoding": "gzip"}),
            "9 requests.json zstd": (f"{base}/requests.json", None, {"Accept-Encoding": "zstd"}),
        }
        throughput.update(insight_cases(scripts, base))
        if only:
            throughput = {name: case for name, case in throughput.items() if name.split()[0] in only}
        for name, (path, script, *headers) in throughput.items():
            results[name] = wrk(path, seconds, CONNECTIONS, script, *headers)
            print(f"{name:24} {results[name]}", flush=True)
        # This VM gives idle page cache back to its host within minutes: read the data in again.
        print(f"before the one-client cases: {warm_cache(url)}", flush=True)
        for name in ("2 requests.json", "2 requests.xml", "3 filter 30 days", "4 page 1", "4 page 200",
                     "5 bbox 7th", "5 radius 500 m", "6 request.json", "8 304 requests.json",
                     "9 requests.json gzip", "9 requests.json zstd", *insight_cases(scripts, base)):  # fmt: skip
            if name not in throughput:
                continue
            path, script, *headers = throughput[name]
            results[name]["one_client"] = wrk(path, seconds, 1, script, *headers)
            print(f"{name:24} one client {results[name]['one_client']}", flush=True)
        for name, (query, _listing) in filter_cases(now).items():
            if not only or name.split()[0] in only:
                results[name] = wrk(f"{base}/requests.json?{query}", seconds, 1)
                results[name]["one_client"] = dict(results[name])
                results[name]["one_client_only"] = True
                print(f"{name:24} one client {results[name]}", flush=True)
        if not only or "23" in only:
            post_path = f"{base}/requests.json"
            results.update(post_cost(url, lambda: wrk(post_path, seconds, CONNECTIONS, scripts["post"])))
            for name in [name for name in results if name.startswith("23 ")]:
                print(f"{name:24} {results[name]}", flush=True)
        results["memory"] = {"peak_rss_kb": server.memory("VmHWM"), "workers": len(server.workers())}
        if not only or "9" in only:
            results["compression"] = compression_costs()
    return results


def framework_floor(seconds: int) -> dict:
    """The trivial Flask endpoint under the same settings: the median of three runs (this machine's speed
    drifts by up to a third from one minute to the next)."""
    with Server("bench.floor_app:create_app()"):
        runs = sorted((wrk("/floor.json", seconds, CONNECTIONS) for _ in range(3)), key=lambda run: run["rps"])
    return {**runs[1], "runs": [round(run["rps"]) for run in runs]}


def floors(url: str, seconds: int, ids: int) -> dict[str, dict]:
    """The framework floor and the database floors of cases 2, 3, 5 and 6."""
    results = {"framework": framework_floor(seconds)}
    now = datetime.now(UTC)
    month = {"start_date": now - timedelta(days=30), "end_date": now}
    queries = {
        "2 requests.json": RequestQuery(),
        "3 filter 30 days": RequestQuery(service_codes=["5201"], statuses=["open"], **month),
        "5 bbox 7th": RequestQuery(bbox=(2.28, 48.84, 2.33, 48.87), **month),
        "5 radius 500 m": RequestQuery(lat=48.8584, long=2.2945, radius=500, **month),
    }
    queries.update({name: listing for name, (_query, listing) in filter_cases(now).items()})
    for name, query in queries.items():
        sql = db_floor.listing_sql(url, query)
        results[name] = db_floor.measure(url, sql, seconds)
        results[name]["cached_plan"] = db_floor.measure(url, sql, seconds / 2, cached_plan=True)
    results["6 request.json"] = db_floor.measure(url, db_floor.single_sql(), seconds, ids=ids)
    for name, value in results.items():
        print(f"floor {name:20} {value}", flush=True)
    return results


def importer_rate(url: str, rows: int = 50_000) -> float:
    """Rows/s of the importer (DansMaRue format, with assignment) into the bench database."""
    with DEMO_HISTORY.open(encoding="utf-8") as handle:
        source = list(csv.DictReader(handle))
    path = Path(tempfile.mkdtemp()) / "import.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(source[0]))
        writer.writeheader()
        for number in range(rows):
            writer.writerow({**source[number % len(source)], "id_dmr": f"BENCH-IMPORT-{number}"})
    engine = make_engine(url)
    with Session(engine) as session:
        paris = resolve_jurisdiction(session, "paris.fr")
        started = time.perf_counter()
        report = import_requests(session, paris, path, source_format="dansmarue")
        rate = report.imported / (time.perf_counter() - started)
    engine.dispose()
    return rate


def soak(url: str, seconds: int) -> list[tuple[int, int]]:
    """Workers' RSS (kB) sampled every 10 s while wrk runs a mixed load for ``seconds``."""
    samples = []
    with Server("open311:create_app()", url) as server:
        load = subprocess.Popen(
            ["wrk", f"-c{CONNECTIONS}", "-t2", f"-d{seconds}s", f"http://127.0.0.1:{PORT}/open311/v2/requests.json"],
            stdout=subprocess.DEVNULL,
        )
        started = time.monotonic()
        while load.poll() is None:
            samples.append((int(time.monotonic() - started), server.memory("VmRSS")))
            time.sleep(10)
    return samples


def _versions() -> dict[str, str]:
    import importlib.metadata

    import gunicorn
    import sqlalchemy

    engine = make_engine(bench_url())
    with engine.connect() as connection:
        postgres = connection.scalar(text("SHOW server_version"))
        postgis = connection.scalar(text("SELECT postgis_lib_version()"))
    engine.dispose()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024 // 1024
    return {
        "machine": f"{os.cpu_count()} cores ({cpu.group(1) if cpu else platform.machine()}), {memory} GiB, {platform.platform()}",
        "Python": platform.python_version(),
        "PostgreSQL": postgres,
        "PostGIS": postgis,
        "Flask": importlib.metadata.version("flask"),
        "SQLAlchemy": sqlalchemy.__version__,
        "gunicorn": gunicorn.__version__,
        "wrk": wrk_version,
    }


def main() -> None:
    """Run every case and write bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per case")
    parser.add_argument("--compare-url", help="a smaller bench database, for the growth ratios of cases 3, 6, 7")
    parser.add_argument("--soak", type=int, default=0, help="seconds of mixed load to watch the workers' memory")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--cases", help="only these API cases, by number (e.g. 6,7, or export), printed, not written")
    args = parser.parse_args()
    if args.cases and "export" in args.cases.split(","):  # Extension (issue 12): bench/export.py
        from .export import run as export_case

        print(export_case(bench_url()), flush=True)
        args.cases = ",".join(case for case in args.cases.split(",") if case != "export")
        if not args.cases:
            return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk (make bench installs it when run as root)")
    url = bench_url()
    requests, highest, size = _count(url)
    print(f"bench database: {requests:,} requests, {size}; {warm_cache(url)}", flush=True)
    directory = Path(tempfile.mkdtemp())
    key = _client_key(url)
    scripts = {"id_json": _lua_random_id(directory, "json", highest), "id_xml": _lua_random_id(directory, "xml", highest),
               "post": _lua_post(directory, key, url), "directory": directory, **insight_scripts(directory)}  # fmt: skip
    if args.cases:
        try:
            results = api_cases(url, args.duration, scripts, set(args.cases.split(",")))
        finally:
            _cleanup(url, highest)
        for name, (_query, listing) in filter_cases(datetime.now(UTC)).items():
            if name in results:
                database = db_floor.measure(url, db_floor.listing_sql(url, listing), args.duration)
                ratio = results[name]["p50"] / database["p50"]
                print(
                    f"{name:24} p50 {results[name]['p50']:.1f} ms, database floor {database['p50']:.1f} ms: {ratio:.2f}x"
                )
        floor = framework_floor(args.duration)
        print(f"framework floor {floor}")
        for name, result in results.items():
            if "rps" in result:
                print(f"{name:24} {result['rps'] / floor['rps']:6.1%} of the framework floor's requests/s")
        return
    try:
        results = api_cases(url, args.duration, scripts)
        floor = floors(url, args.duration, highest)
        compare = None
        if args.compare_url:
            small_requests, small_highest, _ = _count(args.compare_url)
            print(f"compared database: {small_requests:,} requests; {warm_cache(args.compare_url)}", flush=True)
            small_key = _client_key(args.compare_url)
            small_scripts = {"id_json": _lua_random_id(directory, "json", small_highest),
                             "id_xml": _lua_random_id(directory, "xml", small_highest),
                             "post": _lua_post(directory, small_key, args.compare_url), "directory": directory, **insight_scripts(directory)}  # fmt: skip
            compare = {"requests": small_requests, **api_cases(args.compare_url, args.duration, small_scripts)}
            _cleanup(args.compare_url, small_highest)
        print(f"before the importer: {warm_cache(url)}", flush=True)
        rate = importer_rate(url)
        print(f"importer {rate:.0f} rows/s", flush=True)
        memory = soak(url, args.soak) if args.soak else None
    finally:
        _cleanup(url, highest)
    from .report import write_report

    write_report(args.output, requests=requests, size=size, results=results, floor=floor, compare=compare,
                 importer=rate, soak=memory, versions=_versions(), command=re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", " ".join(sys.argv)))  # fmt: skip
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
