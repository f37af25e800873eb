"""Benchmark cases of city insight (issue 9 §6), run by bench/run.py beside the other cases.

8: statistics by area x month over this month and the eleven before, and by service over ten years;
9: hotspots of the whole city over the last 90 days (hexagons of 250 m), once computed (the answer is
kept per data version) and computed anew each time (a different cell size of 100 to 1,000 m per
request); 10: vector tiles at zooms 11, 13, 15 and 17, random tiles over Paris (hexagons below 15,
points from 15; tiles are kept per data version too, so the low zooms' few tiles are mostly kept, z17's
thousands mostly not). Targets (p50 at one client, at 10 million requests): 50 ms, 100 ms, 30 ms.
11: what the statistics' triggers cost a POST: case 7's POSTs with the triggers on and off, interleaved
(off, on, on, off, off, on), in one run; the target is at most 10% fewer requests/s with them (issue 9
§6). Beside it, the database time of a POST's inserts (a request and its areas) with the triggers on
and off.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import text

from open311.db import make_engine

#: The part of Paris the tiles are drawn from.
PARIS = (2.224, 48.815, 2.470, 48.902)
TILE_ZOOMS = (11, 13, 15, 17)
TARGETS_MS = {"20": 50.0, "21": 100.0, "22": 30.0}
#: The statistics' triggers a POST fires (migration insight1); the others never run on a POST.
POST_TRIGGERS = (("service_request", "stats_inserted"), ("service_request_area", "stats_areas_inserted"))
POST_ON, POST_OFF = "23 POST, statistics on", "23 POST, statistics off"
#: Most that the statistics may cost a POST in requests/s.
POST_COST_LIMIT = 0.10
#: Seconds for the POSTs still in flight when wrk stops to commit before the triggers change state.
SETTLE_SECONDS = 3


def _tile(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _lua(directory: Path, name: str, body: str) -> Path:
    script = directory / f"{name}.lua"
    script.write_text(f"math.randomseed(os.time())\nrequest = function()\n{body}\nend\n")
    return script


def insight_scripts(directory: Path, base: str = "/open311/v2") -> dict[str, Path]:
    """wrk scripts: random tiles over Paris per zoom, and hotspots of random cell sizes (never kept)."""
    scripts = {}
    for zoom in TILE_ZOOMS:
        x0, y0 = _tile(PARIS[0], PARIS[3], zoom)
        x1, y1 = _tile(PARIS[2], PARIS[1], zoom)
        scripts[f"tile_z{zoom}"] = _lua(
            directory, f"tile_z{zoom}",
            f'  return wrk.format("GET", "{base}/tiles/{zoom}/" .. math.random({x0}, {x1}) .. "/" .. '
            f'math.random({y0}, {y1}) .. ".mvt")',
        )  # fmt: skip
    scripts["hotspots_cold"] = _lua(
        directory, "hotspots_cold",
        f'  return wrk.format("GET", "{base}/hotspots.geojson?cell=" .. math.random(10000, 100000) / 100)',
    )  # fmt: skip
    return scripts


def statistics_paths(base: str = "/open311/v2") -> tuple[str, str]:
    """Case 8's two paths: by area x month over twelve months, by service over ten years."""
    today = datetime.now(ZoneInfo("Europe/Paris")).date()  # the days of the demo city's time zone
    twelve_months = date(today.year - (today.month < 12), (today.month - 12) % 12 + 1, 1)
    ten_years = today.replace(year=today.year - 10) + timedelta(days=1)
    return (
        f"{base}/statistics.json?group_by=area,month&start_date={twelve_months}",
        f"{base}/statistics.json?group_by=service_code&start_date={ten_years}",
    )


def insight_cases(scripts: dict[str, Path], base: str = "/open311/v2") -> dict[str, tuple[str, Path | None]]:
    """The cases: name -> (path, wrk script or None). All are measured at one client too."""
    area_month, service_years = statistics_paths(base)
    cases: dict[str, tuple[str, Path | None]] = {
        "20 statistics area×month": (area_month, None),
        "20 statistics service 10 y": (service_years, None),
        "21 hotspots 90 days": (f"{base}/hotspots.geojson", None),
        "21 hotspots 90 days, new": ("/", scripts["hotspots_cold"]),
    }
    for zoom in TILE_ZOOMS:
        cases[f"22 tile z{zoom}"] = ("/", scripts[f"tile_z{zoom}"])
    return cases


def post_cost(url: str, measure: Callable[[], dict], rounds: int = 3) -> dict[str, dict]:
    """Case 11: ``measure()`` (case 7's POSTs under wrk, against a running server) with the statistics'
    triggers on and off in turns; the median of each. The requests posted while they were off are
    removed afterwards without counting (open311.statistics off), those posted while on by
    bench/run.py's clean-up as usual, so the rollups stay equal to a rebuild."""
    engine = make_engine(url)

    def triggers(enabled: bool) -> None:
        with engine.begin() as connection:
            for table, name in POST_TRIGGERS:
                mode = "ENABLE ALWAYS" if enabled else "DISABLE"  # ALWAYS, as migration perf4 has them
                connection.execute(text(f"ALTER TABLE {table} {mode} TRIGGER {name}"))

    def highest() -> int:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT coalesce(max(id), 0) FROM service_request"))

    runs: dict[bool, list[dict]] = {True: [], False: []}
    uncounted: list[tuple[int, int]] = []
    try:
        for round_ in range(rounds * 2):
            enabled = round_ % 4 in (1, 2)  # off, on, on, off, off, on: each state as often first as second
            triggers(enabled)
            first = highest()
            runs[enabled].append(measure())
            time.sleep(SETTLE_SECONDS)  # the POSTs wrk left in flight commit in this state
            if not enabled:
                uncounted.append((first, highest()))
    finally:
        triggers(True)
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL open311.statistics = 'off'"))
            for first, last in uncounted:
                connection.execute(
                    text("DELETE FROM service_request WHERE id > :first AND id <= :last"),
                    {"first": first, "last": last},
                )
        engine.dispose()

    def middle(results: list[dict]) -> dict:
        keys = ("rps", "p50", "p99", "errors")
        return {
            **{key: median(run[key] for run in results) for key in keys},
            "runs": [round(r["rps"]) for r in results],
        }

    database = post_inserts_cost(url)
    return {POST_ON: {**middle(runs[True]), "db_ms": database["on"]},
            POST_OFF: {**middle(runs[False]), "db_ms": database["off"]}}  # fmt: skip


#: Case 11's database side: the inserts of a POST (a request and its areas, as the API writes them),
#: copied from the dataset's latest requests, in a loop inside one rolled-back transaction.
_INSERTS = """
CREATE OR REPLACE FUNCTION pg_temp.bench_posts(statistics text, n integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
    made bigint;
BEGIN
    PERFORM set_config('open311.statistics', statistics, true);
    FOR r IN SELECT * FROM service_request ORDER BY id DESC LIMIT n LOOP
        INSERT INTO service_request (jurisdiction_id, service_id, department_id, detailed_status, location,
                                     requested_datetime, updated_datetime, expected_datetime, channel)
        VALUES (r.jurisdiction_id, r.service_id, r.department_id, 'received', r.location, now(), now(),
                r.expected_datetime, r.channel)
        RETURNING id INTO made;
        INSERT INTO service_request_area (request_id, layer_id, area_id)
        SELECT made, layer_id, area_id FROM service_request_area WHERE request_id = r.id;
    END LOOP;
END
$$
"""


def post_inserts_cost(url: str, inserts: int = 500, rounds: int = 3) -> dict[str, float]:
    """Case 11, database side: milliseconds per POST's inserts with the statistics' triggers on and off
    (``open311.statistics``), in turns, median of ``rounds`` each; nothing is kept."""
    engine = make_engine(url)
    times: dict[str, list[float]] = {"on": [], "off": []}
    with engine.connect() as connection:
        connection.execute(text(_INSERTS))
        connection.commit()
        for round_ in range(rounds * 2):
            state = "on" if round_ % 4 in (1, 2) else "off"
            started = time.perf_counter()
            connection.execute(text("SELECT pg_temp.bench_posts(:state, :n)"), {"state": state, "n": inserts})
            times[state].append((time.perf_counter() - started) * 1000 / inserts)
            connection.rollback()
    engine.dispose()
    return {state: round(median(values), 3) for state, values in times.items()}


def insight_targets(results: dict, check) -> list[str]:
    """The target lines of the insight cases that ran (``check`` formats one, as report.targets does)."""
    lines = []
    for name, result in results.items():
        number = name.split()[0]
        if number in TARGETS_MS and "one_client" in result:
            p50, limit = result["one_client"]["p50"], TARGETS_MS[number]
            lines.append(check(f"case {name}: p50 at one client ≤ {limit:.0f} ms", p50, limit, False, f"{p50:.2f} ms"))
    if POST_ON in results and POST_OFF in results:
        on, off = results[POST_ON]["rps"], results[POST_OFF]["rps"]
        cost = off / on - 1
        detail = (f"{off:,.0f} / {on:,.0f} requests/s = {off / on:.3f} (runs off {results[POST_OFF]['runs']}, "
                  f"on {results[POST_ON]['runs']}); database time of a POST's inserts: {results[POST_ON]['db_ms']} ms "
                  f"on, {results[POST_OFF]['db_ms']} ms off")  # fmt: skip
        lines.append(
            check(
                "case 23: the statistics cost a POST ≤ 10% (requests/s off / on − 1)",
                cost,
                POST_COST_LIMIT,
                False,
                detail,
            )
        )
    return lines
