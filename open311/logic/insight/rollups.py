"""Reading the rollups (request_stats) with the changes not folded into them yet (stats_pending).

One statement, so one snapshot: a fold committing meanwhile is seen entirely or not at all. It returns
rows of measures.ROW_COLUMNS: the rollup rows of each period's segments, the pending changes' events of
each period, the due dates ahead of today held by a month or year row "to date" (taken back off), per
key the stock sums of everything before the window, and (when the window reaches today) per key the
requests open and due later today (index :data:`AHEAD`, in ``due``: raw.due_later_today(), read in the
same round trip). Prepared on each connection (its plan does not depend
on the values: the primary key is walked for each segment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from psycopg.rows import namedtuple_row
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...models import Jurisdiction
from .periods import Period

_FILTERS = {
    "service_ids": "{t}.service_id = ANY(%(service_ids)s::int[])",
    "department_ids": "{t}.department_id = ANY(%(department_ids)s::int[])",
    "area_ids": "{t}.area_id = ANY(%(area_ids)s::int[])",
    "statuses": "{t}.status = ANY(%(statuses)s::text[])",
}
#: The index of the rows counting the requests due later today (raw.due_later_today()).
AHEAD = -2
_COUNTS = "opened, closed, closed_with_target, closed_on_time, responded, due, due_closed"
_KEYS = "layer_id, area_id, service_id, department_id, status"

_SQL = f"""
WITH segment AS (
    SELECT * FROM unnest(%(grains)s::char[], %(periods)s::date[], %(indexes)s::int[]) AS g (grain, period, idx)
), window_period AS (
    SELECT * FROM unnest(%(period_indexes)s::int[], %(firsts)s::date[], %(lasts)s::date[]) AS w (idx, first, last)
), kept AS NOT MATERIALIZED (
    SELECT * FROM request_stats AS s
    WHERE s.jurisdiction_id = %(jurisdiction)s AND s.cuboid = %(cuboid)s AND s.layer_id = %(layer)s {{rollup_filters}}
), pending AS (
    SELECT p.layer_id, p.area_id, p.service_id, p.department_id, p.status, p.sign::integer AS sign, e.*
    FROM stats_pending AS p
    CROSS JOIN LATERAL stats_events(p.requested, p.closed, p.responded, p.expected, %(zone)s) AS e
    WHERE p.jurisdiction_id = %(jurisdiction)s AND p.layer_id = %(layer)s AND e.day <= %(last)s {{pending_filters}}
)
SELECT g.idx, k.layer_id, k.area_id, k.service_id, k.department_id, k.status, NULL AS detailed_status,
       NULL AS channel, k.opened, k.closed, k.closed_with_target, k.closed_on_time, k.responded, k.due,
       k.due_closed, k.close_buckets, k.close_counts, k.response_buckets, k.response_counts
FROM segment AS g JOIN kept AS k ON k.grain = g.grain AND k.period = g.period
UNION ALL
SELECT %(last_index)s, {_KEYS}, NULL, NULL, 0, 0, 0, 0, 0, -due, -due_closed, NULL, NULL, NULL, NULL
FROM kept WHERE grain = 'd' AND period > %(last)s AND period <= %(reach)s
UNION ALL
SELECT w.idx, q.layer_id, q.area_id, q.service_id, q.department_id, q.status, NULL, NULL,
       sum(q.sign) FILTER (WHERE q.kind = 0), sum(q.sign) FILTER (WHERE q.kind = 1),
       sum(q.sign) FILTER (WHERE q.kind = 1 AND q.has_target), sum(q.sign) FILTER (WHERE q.kind = 1 AND q.on_time),
       sum(q.sign) FILTER (WHERE q.kind = 2), sum(q.sign) FILTER (WHERE q.kind = 3),
       sum(q.sign) FILTER (WHERE q.kind = 4),
       array_to_string(array_agg(q.bucket) FILTER (WHERE q.kind = 1), ','),
       array_to_string(array_agg(q.sign) FILTER (WHERE q.kind = 1), ','),
       array_to_string(array_agg(q.bucket) FILTER (WHERE q.kind = 2), ','),
       array_to_string(array_agg(q.sign) FILTER (WHERE q.kind = 2), ',')
FROM pending AS q JOIN window_period AS w ON q.day BETWEEN w.first AND w.last
GROUP BY w.idx, q.layer_id, q.area_id, q.service_id, q.department_id, q.status
UNION ALL
SELECT %(ahead_index)s, %(layer)s, {{ahead_area}}, r.service_id, coalesce(r.department_id, 0), r.status, NULL, NULL,
       0, 0, 0, 0, 0, count(*), 0, NULL, NULL, NULL, NULL
FROM service_request AS r {{ahead_join}}
WHERE %(ahead)s AND r.jurisdiction_id = %(jurisdiction)s AND r.status = 'open'
      AND r.expected_datetime >= now() AND r.expected_datetime < %(tomorrow)s {{ahead_filters}}
GROUP BY 3, 4, 5, 6
UNION ALL
SELECT -1, b.layer_id, b.area_id, b.service_id, b.department_id, b.status, NULL, NULL,
       sum(b.opened), sum(b.closed), 0, 0, 0, sum(b.due), sum(b.due_closed), NULL, NULL, NULL, NULL
FROM (
    SELECT {_KEYS}, opened, closed, due, due_closed FROM kept WHERE grain = 'y' AND period < %(year_start)s
    UNION ALL
    SELECT {_KEYS}, opened, closed, due, due_closed FROM kept
    WHERE grain = 'm' AND period >= %(year_start)s AND period < %(month_start)s
    UNION ALL
    SELECT {_KEYS}, opened, closed, due, due_closed FROM kept
    WHERE grain = 'd' AND period >= %(month_start)s AND period < %(start)s
    UNION ALL
    SELECT {_KEYS}, sign * (kind = 0)::int, sign * (kind = 1)::int, sign * (kind = 3)::int, sign * (kind = 4)::int
    FROM pending WHERE day < %(start)s
) AS b
GROUP BY b.layer_id, b.area_id, b.service_id, b.department_id, b.status
"""  # noqa: S608 (the filters are this module's constants)


@dataclass
class RollupPlan:
    """Which rollup rows answer a call: a cuboid, a layer (0: every request) and key filters."""

    cuboid: int
    layer_id: int = 0
    filters: dict[str, list] = field(default_factory=dict)


def rollup_rows(
    session: Session,
    jurisdiction: Jurisdiction,
    plan: RollupPlan,
    periods: list[Period],
    segments: list[list[tuple[str, date]]],
    reach: date,
    tomorrow: datetime | None = None,
) -> list:
    """The rows of measures.ROW_COLUMNS for these periods (``segments[i]`` covers ``periods[i]``; the last
    period's rows may reach the end of day ``reach``, after its last day: their due dates beyond it are
    taken off, so that every count stops at the last day); with ``tomorrow`` (the start of the day after
    today, when the window reaches today), also the :data:`AHEAD` rows of the requests due before it."""
    start = periods[0].first
    rollup_filters = "".join(f" AND {_FILTERS[name].format(t='s')}" for name in plan.filters)
    pending_filters = "".join(f" AND {_FILTERS[name].format(t='p')}" for name in plan.filters)
    ahead_filters = "".join(
        f" AND {_FILTERS[name].format(t='a' if name == 'area_ids' else 'r')}" for name in plan.filters
    )
    ahead_join = (
        "JOIN service_request_area AS a ON a.request_id = r.id AND a.layer_id = %(layer)s" if plan.layer_id else ""
    )
    flat = [(grain, first, index) for index, parts in enumerate(segments) for grain, first in parts]
    params = {
        "jurisdiction": jurisdiction.id,
        "cuboid": plan.cuboid,
        "layer": plan.layer_id,
        "zone": jurisdiction.time_zone,
        "grains": [grain for grain, _first, _index in flat],
        "periods": [first for _grain, first, _index in flat],
        "indexes": [index for _grain, _first, index in flat],
        "period_indexes": list(range(len(periods))),
        "firsts": [period.first for period in periods],
        "lasts": [period.last for period in periods],
        "last": periods[-1].last,
        "last_index": len(periods) - 1,
        "reach": reach,
        "start": start,
        "month_start": start.replace(day=1),
        "year_start": start.replace(month=1, day=1),
        "ahead_index": AHEAD,
        "ahead": tomorrow is not None,
        "tomorrow": tomorrow,
        **plan.filters,
    }
    sql = _SQL.format(
        rollup_filters=rollup_filters, pending_filters=pending_filters, ahead_filters=ahead_filters,
        ahead_join=ahead_join, ahead_area="a.area_id" if plan.layer_id else "0",
    )  # fmt: skip
    with session.connection().connection.driver_connection.cursor(row_factory=namedtuple_row) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall()


def fold(session: Session) -> None:
    """Add the pending changes to the rollups now (the triggers do it every 256 changes)."""
    session.execute(text("SELECT stats_fold()"))


def rebuild(session: Session, jurisdiction: Jurisdiction) -> None:
    """Recompute a jurisdiction's rollups from its requests (after a bulk load made without them)."""
    session.execute(text("SELECT stats_rebuild(:jurisdiction)"), {"jurisdiction": jurisdiction.id})
