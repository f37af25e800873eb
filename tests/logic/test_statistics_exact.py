"""Exactness: every measure of GET statistics against plain SQL over the raw rows of a realistic data set.

The data: Paris's 6,003 real DansMaRue reports plus 1,500 generated ones with status histories
(tests/insight_data.py). The reference below reads only service_request, service_request_area, service,
department and area, and computes each measure as docs/metrics.md defines it (percentile_cont for
medians and p90). Counts must be equal; percentiles within the stated bound (1% + 30 s, plus the
answer's rounding to 0.001 h). Each query runs through the rollups (when they can answer it) and through
the raw rows, and both must agree with the reference.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from open311.logic.insight import statistics

MIN_SAMPLE = 10
KEY_FIELDS = ("area", "service_code", "group", "agency_responsible", "status", "detailed_status", "channel", "period")
COUNTS = ("opened", "closed", "backlog", "overdue")


def _today(connection) -> date:
    return connection.scalar(text("SELECT (now() AT TIME ZONE 'Europe/Paris')::date"))


REFERENCE = """
WITH area_km2 AS MATERIALIZED (
    SELECT a.id, a.code, ST_Area(a.geom::geography) / 1e6 AS km2 FROM area AS a
    JOIN area_layer AS l ON l.id = a.layer_id AND l.code = 'arrondissement'
    JOIN jurisdiction AS j ON j.id = l.jurisdiction_id AND j.jurisdiction_id = 'paris.fr'
), period_start AS (
    {periods}
), bounds AS (
    SELECT key, (greatest(key, CAST(:start AS date))::timestamp AT TIME ZONE 'Europe/Paris') AS since,
           (least({next_key}, CAST(:end AS date) + 1)::timestamp AT TIME ZONE 'Europe/Paris') AS until
    FROM period_start
), req AS MATERIALIZED (
    SELECT r.*, s.service_code, s."group" AS service_group, d.code AS agency, {area_column} AS area_code,
           {km2} AS km2
    FROM service_request AS r
    JOIN service AS s ON s.id = r.service_id
    LEFT JOIN department AS d ON d.id = r.department_id
    {area_join}
    WHERE r.jurisdiction_id = (SELECT id FROM jurisdiction WHERE jurisdiction_id = 'paris.fr') {filters}
)
SELECT {keys} b.key AS period, max(r.km2) AS km2,
    count(*) FILTER (WHERE r.requested_datetime >= b.since AND r.requested_datetime < b.until) AS opened,
    count(*) FILTER (WHERE r.status = 'closed' AND r.closed_datetime >= b.since AND r.closed_datetime < b.until) AS closed,
    count(*) FILTER (WHERE r.requested_datetime < b.until
                     AND (r.closed_datetime IS NULL OR r.closed_datetime >= b.until)) AS backlog,
    count(*) FILTER (WHERE r.requested_datetime < b.until
                     AND (r.closed_datetime IS NULL OR r.closed_datetime >= b.until)
                     AND r.expected_datetime < least(b.until, now())) AS overdue,
    count(*) FILTER (WHERE r.closed_datetime >= b.since AND r.closed_datetime < b.until
                     AND r.expected_datetime IS NOT NULL) AS with_target,
    count(*) FILTER (WHERE r.closed_datetime >= b.since AND r.closed_datetime < b.until
                     AND r.closed_datetime <= r.expected_datetime) AS on_time,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.closed_datetime - r.requested_datetime) / 3600)
        FILTER (WHERE r.closed_datetime >= b.since AND r.closed_datetime < b.until) AS median_close,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM r.closed_datetime - r.requested_datetime) / 3600)
        FILTER (WHERE r.closed_datetime >= b.since AND r.closed_datetime < b.until) AS p90_close,
    count(*) FILTER (WHERE r.first_response_datetime >= b.since AND r.first_response_datetime < b.until) AS responded,
    percentile_cont(0.5) WITHIN GROUP (
        ORDER BY extract(epoch FROM r.first_response_datetime - r.requested_datetime) / 3600)
        FILTER (WHERE r.first_response_datetime >= b.since AND r.first_response_datetime < b.until) AS median_response
FROM req AS r CROSS JOIN bounds AS b
GROUP BY {group_keys} b.key
"""

KEY_COLUMNS = {
    "area": "r.area_code",
    "service_code": "r.service_code",
    "group": "r.service_group",
    "agency_responsible": "r.agency",
    "status": "r.status",
    "detailed_status": "r.detailed_status",
    "channel": "r.channel",
}
FILTERS = {
    "service_code": "s.service_code = ANY(:service_code)",
    "group": 's."group" = ANY(:group)',
    "agency_responsible": "d.code = ANY(:agency_responsible)",
    "status": "r.status = ANY(:status)",
    "detailed_status": "r.detailed_status = ANY(:detailed_status)",
    "area": "EXISTS (SELECT 1 FROM service_request_area AS x JOIN area AS xa ON xa.id = x.area_id "
    "WHERE x.request_id = r.id AND xa.code = ANY(:area))",
    "bbox": "r.location && ST_MakeEnvelope(:b0, :b1, :b2, :b3, 4326)",
}


def reference(connection, dimensions: list[str], unit: str | None, start: date, end: date, filters: dict) -> dict:
    """The cells as plain SQL over the raw rows computes them, by key."""
    params = {"start": start, "end": end}
    sql_filters = ""
    for name, value in filters.items():
        sql_filters += f" AND {FILTERS[name]}"
        if name == "bbox":
            params.update(b0=value[0], b1=value[1], b2=value[2], b3=value[3])
        else:
            params[name] = value
    area = "area" in dimensions
    sql = REFERENCE.format(
        area_column="ar.code" if area else "NULL",
        km2="ar.km2" if area else "NULL",
        area_join="JOIN service_request_area AS sa ON sa.request_id = r.id AND sa.layer_id = "
        "(SELECT l.id FROM area_layer AS l JOIN jurisdiction AS j ON j.id = l.jurisdiction_id "
        "WHERE l.code = 'arrondissement' AND j.jurisdiction_id = 'paris.fr') "
        "JOIN area_km2 AS ar ON ar.id = sa.area_id"
        if area
        else "",
        filters=sql_filters,
        keys="".join(f'{KEY_COLUMNS[d]} AS "{d}", ' for d in dimensions),
        group_keys="".join(f"{KEY_COLUMNS[d]}, " for d in dimensions),
        periods=(
            f"SELECT p::date AS key FROM generate_series(date_trunc('{unit}', CAST(:start AS timestamp)), "  # noqa: S608
            f"CAST(:end AS timestamp), interval '1 {unit}') AS p"
            if unit
            else "SELECT CAST(:start AS date) AS key"
        ),
        next_key=f"(key + interval '1 {unit}')::date" if unit else "CAST(:end AS date) + 1",
    )
    cells = {}
    for row in connection.execute(text(sql), params).mappings():
        key = tuple(row[d] for d in dimensions) + ((row["period"].isoformat(),) if unit else ())
        cells[key] = row
    return cells


def _expected(row, area: bool) -> dict:
    closed, with_target, responded = row["closed"], row["with_target"], row["responded"]
    cell = {
        "opened": row["opened"],
        "closed": closed,
        "backlog": row["backlog"],
        "overdue": row["overdue"],
        "closed_on_time_pct": round(100.0 * row["on_time"] / with_target, 1) if with_target >= MIN_SAMPLE else None,
        "median_hours_to_close": row["median_close"] if closed >= MIN_SAMPLE else None,
        "p90_hours_to_close": row["p90_close"] if closed >= MIN_SAMPLE else None,
        "median_hours_to_first_response": row["median_response"] if responded >= MIN_SAMPLE else None,
    }
    if area:
        cell["per_km2"] = round(row["opened"] / row["km2"], 3)
    return cell


def _close_enough(api: float | None, exact: float | None) -> bool:
    if api is None or exact is None:
        return api is None and exact is None
    return math.isclose(api, exact, rel_tol=0, abs_tol=0.01 * exact + 30 / 3600 + 0.0005 + 1e-9)


def _compare(api_cells: list[dict], expected: dict, dimensions: list[str], unit: str | None) -> int:
    got = {}
    for cell in api_cells:
        key = tuple(cell[d] for d in dimensions) + ((cell["period"],) if unit else ())
        assert key not in got, f"cell {key} twice"
        got[key] = cell
    compared = 0
    for key in set(got) | set(expected):
        if key not in expected:
            assert all(got[key][name] == 0 for name in COUNTS), f"{key}: {got[key]} not in the reference"
            continue
        want = _expected(expected[key], "area" in dimensions)
        if key not in got:
            assert all(want[name] == 0 for name in COUNTS), f"{key}: {want} missing from the answer"
            continue
        cell = got[key]
        for name in (*COUNTS, "closed_on_time_pct"):
            assert cell[name] == want[name], f"{key} {name}: {cell[name]} != {want[name]}"
        if "per_km2" in want:
            assert cell["per_km2"] == pytest.approx(want["per_km2"], abs=0.0011)
        for name in ("median_hours_to_close", "p90_hours_to_close", "median_hours_to_first_response"):
            assert _close_enough(cell[name], want[name]), f"{key} {name}: {cell[name]} vs exact {want[name]}"
        compared += 1
    return compared


def _query_string(group_by, start, end, filters) -> str:
    parts = [f"jurisdiction_id=paris.fr&min_sample={MIN_SAMPLE}&start_date={start}&end_date={end}"]
    if group_by:
        parts.append(f"group_by={','.join(group_by)}")
    for name, value in filters.items():
        parts.append(f"{name}={','.join(str(v) for v in value)}")
    return "&".join(parts)


def _cases(today: date):
    year_ago = date(today.year - 1, today.month, 1)
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return [
        # (group_by, unit, start, end, filters)
        (["area"], "month", year_ago, today, {}),
        (["service_code"], None, date(2015, 1, 1), today, {}),
        ([], None, year_ago, today, {}),
        (["group"], "year", date(2023, 1, 1), today, {}),
        (["agency_responsible", "status"], "month", year_ago, today, {}),
        (["area", "service_code"], None, year_ago, last_month_end, {"group": ["Propreté", "Objets abandonnés"]}),
        (["area"], "week", date(today.year, today.month, 1), today, {"service_code": ["5201", "3100"]}),
        (["service_code"], "day", today.replace(day=1), today, {}),
        (["area"], None, date(2024, 3, 10), date(2024, 9, 20), {"area": ["7", "15"]}),
        (["channel"], "month", year_ago, today, {"status": ["closed"]}),
        (["detailed_status"], None, year_ago, today, {"agency_responsible": ["DVD", "DPE", "DVD-STV-SO"]}),
        (["area"], "month", year_ago, today, {"bbox": (2.28, 48.84, 2.36, 48.88)}),
        (["status"], "year", date(2023, 6, 1), today, {"area": ["11"]}),
    ]


@pytest.mark.parametrize("through", ["rollups", "raw rows"])
def test_every_measure_equals_plain_sql_over_the_raw_rows(dataset, monkeypatch, through):
    connection, client = dataset
    if through == "raw rows":
        monkeypatch.setattr(statistics, "_rollup_plan", lambda *args: None)
    compared = 0
    for group_by, unit, start, end, filters in _cases(_today(connection)):
        grouping = [*group_by, unit] if unit else group_by
        reply = client.get(f"/open311/v2/statistics.json?{_query_string(grouping, start, end, filters)}")
        assert reply.status_code == 200, reply.get_json()
        expected = reference(connection, group_by, unit, start, end, filters)
        compared += _compare(reply.get_json(), expected, group_by, unit)
    assert compared > 500  # the cases do compare a good many cells


def test_the_cases_use_the_rollups_where_they_can(dataset, monkeypatch):
    """The fast path answers the budgeted shapes (area x month, service over years)."""
    connection, client = dataset
    used = []
    original = statistics._rollup_plan
    monkeypatch.setattr(statistics, "_rollup_plan", lambda *args: used.append(original(*args)) or used[-1])
    today = _today(connection)
    for query in (
        f"group_by=area,month&start_date={date(today.year - 1, today.month, 1)}",
        "group_by=service_code&start_date=2015-01-01",
    ):
        assert client.get(f"/open311/v2/statistics.json?jurisdiction_id=paris.fr&{query}").status_code == 200
    assert [plan[0].cuboid for plan in used] == [1, 2]


def test_pending_changes_count_before_and_after_folding(dataset):
    connection, client = dataset
    query = (
        "/open311/v2/statistics.json?jurisdiction_id=paris.fr&group_by=area,service_code,month&start_date=2024-01-01"
    )
    transaction = connection.begin_nested()
    connection.execute(text("SELECT stats_fold()"))
    while not connection.scalar(text("SELECT count(*) FROM stats_pending")):  # (every 256th change folds)
        connection.execute(text(
            "UPDATE service_request SET detailed_status = 'fixed', updated_datetime = now() WHERE id = "
            "(SELECT min(id) FROM service_request WHERE status = 'open' AND description LIKE 'generated %')"))  # fmt: skip
    before = client.get(query).get_json()
    connection.execute(text("SELECT stats_fold()"))
    assert connection.scalar(text("SELECT count(*) FROM stats_pending")) == 0
    assert client.get(query).get_json() == before
    transaction.rollback()


def test_medians_of_the_generated_requests_are_not_trivial(dataset):
    """The data set exercises the histograms: closures spread over hours to weeks."""
    _connection, client = dataset
    cells = client.get(
        "/open311/v2/statistics.json?jurisdiction_id=paris.fr&group_by=group&start_date=2025-01-01"
    ).get_json()
    medians = [c["median_hours_to_close"] for c in cells if c["median_hours_to_close"]]
    assert medians and max(medians) > 24


def test_requests_due_later_today_count_alike_through_the_rollups_and_the_raw_rows(dataset, monkeypatch):
    """The rollups read the requests due later today in their own statement (rollups.AHEAD), the raw rows
    in raw.due_later_today(): the same keys, the same backlog and overdue."""
    connection, client = dataset
    queries = [
        "group_by=area,month",
        "group_by=service_code,status&agency_responsible=DVD,DPE",
        "group_by=area&service_code=5201,3100",
        "group_by=agency_responsible&area=11",
    ]
    transaction = connection.begin_nested()
    due_soon = connection.execute(text(
        "UPDATE service_request SET expected_datetime = least(now() + interval '1 minute', "
        "  (((now() AT TIME ZONE 'Europe/Paris')::date + 1)::timestamp AT TIME ZONE 'Europe/Paris') - interval '1 ms') "
        "WHERE id IN (SELECT id FROM service_request WHERE status = 'open' ORDER BY id LIMIT 60) RETURNING id"
    )).all()  # fmt: skip
    assert len(due_soon) == 60
    answers = {}
    for through in ("rollups", "raw rows"):
        if through == "raw rows":
            monkeypatch.setattr(statistics, "_rollup_plan", lambda *args: None)
        answers[through] = [
            client.get(f"/open311/v2/statistics.json?jurisdiction_id=paris.fr&{query}").get_json() for query in queries
        ]
    transaction.rollback()
    assert all(answers["rollups"]), answers
    assert answers["rollups"] == answers["raw rows"]


@pytest.mark.parametrize(
    ("histogram", "more", "merged"),
    [
        (("", ""), ("3,5", "1,2"), ("3,5", "1,2")),
        (("3,5", "1,2"), ("", ""), ("3,5", "1,2")),
        (("", ""), ("", ""), ("", "")),
        (("3,5", "1,2"), ("5,7", "1,1"), ("3,5,7", "1,3,1")),
        (("0", "4"), ("0", "-4"), ("0", "0")),
    ],
)
def test_histograms_add_up_bucket_by_bucket(session, histogram, more, merged):
    """stats_hist_add (migrations insight1, perf6): counts of the same bucket add up, new buckets follow;
    an empty histogram leaves the other as it is."""
    row = session.execute(text("SELECT (h).buckets, (h).counts FROM stats_hist_add(:b, :c, :mb, :mc) AS h"), {
        "b": histogram[0], "c": histogram[1], "mb": more[0], "mc": more[1],
    }).one()  # fmt: skip
    assert tuple(row) == merged
