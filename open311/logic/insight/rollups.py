"""Reading the rollups (request_stats) with the changes not folded into them yet (stats_pending).

One statement, so one snapshot: a fold committing meanwhile is seen entirely or not at all. It returns
rows of measures.ROW_COLUMNS: the rollup rows of each period's segments, the pending changes' events of
each period, and per key the stock sums of everything before the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...models import Jurisdiction
from .periods import Period

_FILTERS = {
    "service_ids": "{t}.service_id = ANY(:service_ids)",
    "department_ids": "{t}.department_id = ANY(:department_ids)",
    "area_ids": "{t}.area_id = ANY(:area_ids)",
    "statuses": "{t}.status = ANY(CAST(:statuses AS text[]))",
}

_SQL = """
WITH segment AS (
    SELECT * FROM unnest(CAST(:grains AS char[]), CAST(:periods AS date[]), CAST(:indexes AS int[]))
        AS g (grain, period, idx)
), window_period AS (
    SELECT * FROM unnest(CAST(:period_indexes AS int[]), CAST(:firsts AS date[]), CAST(:lasts AS date[]))
        AS w (idx, first, last)
), kept AS NOT MATERIALIZED (
    SELECT * FROM request_stats AS s
    WHERE s.jurisdiction_id = :jurisdiction AND s.cuboid = :cuboid AND s.layer_id = :layer {rollup_filters}
), pending AS (
    SELECT p.layer_id, p.area_id, p.service_id, p.department_id, p.status, p.sign::integer AS sign, e.*
    FROM stats_pending AS p
    CROSS JOIN LATERAL stats_events(p.requested, p.closed, p.responded, p.expected, :zone) AS e
    WHERE p.jurisdiction_id = :jurisdiction AND p.layer_id = :layer AND e.day <= :last {pending_filters}
)
SELECT g.idx, k.layer_id, k.area_id, k.service_id, k.department_id, k.status, NULL AS detailed_status,
       NULL AS channel, k.opened, k.closed, k.closed_with_target, k.closed_on_time, k.responded, k.due,
       k.due_closed, array_send(k.close_buckets) AS close_buckets, array_send(k.close_counts) AS close_counts,
       array_send(k.response_buckets) AS response_buckets, array_send(k.response_counts) AS response_counts
FROM segment AS g JOIN kept AS k ON k.grain = g.grain AND k.period = g.period
UNION ALL
SELECT w.idx, q.layer_id, q.area_id, q.service_id, q.department_id, q.status, NULL, NULL,
       sum(q.sign) FILTER (WHERE q.kind = 0), sum(q.sign) FILTER (WHERE q.kind = 1),
       sum(q.sign) FILTER (WHERE q.kind = 1 AND q.has_target), sum(q.sign) FILTER (WHERE q.kind = 1 AND q.on_time),
       sum(q.sign) FILTER (WHERE q.kind = 2), sum(q.sign) FILTER (WHERE q.kind = 3),
       sum(q.sign) FILTER (WHERE q.kind = 4),
       array_send(array_agg(q.bucket) FILTER (WHERE q.kind = 1)),
       array_send(array_agg(q.sign) FILTER (WHERE q.kind = 1)),
       array_send(array_agg(q.bucket) FILTER (WHERE q.kind = 2)),
       array_send(array_agg(q.sign) FILTER (WHERE q.kind = 2))
FROM pending AS q JOIN window_period AS w ON q.day BETWEEN w.first AND w.last
GROUP BY w.idx, q.layer_id, q.area_id, q.service_id, q.department_id, q.status
UNION ALL
SELECT -1, b.layer_id, b.area_id, b.service_id, b.department_id, b.status, NULL, NULL,
       sum(b.opened), sum(b.closed), 0, 0, 0, sum(b.due), sum(b.due_closed), NULL, NULL, NULL, NULL
FROM (
    SELECT layer_id, area_id, service_id, department_id, status, opened, closed, due, due_closed
    FROM kept WHERE grain = 'y' AND period < :year_start
    UNION ALL
    SELECT layer_id, area_id, service_id, department_id, status, opened, closed, due, due_closed
    FROM kept WHERE grain = 'm' AND period >= :year_start AND period < :month_start
    UNION ALL
    SELECT layer_id, area_id, service_id, department_id, status, opened, closed, due, due_closed
    FROM kept WHERE grain = 'd' AND period >= :month_start AND period < :start
    UNION ALL
    SELECT layer_id, area_id, service_id, department_id, status, sign * (kind = 0)::int, sign * (kind = 1)::int,
           sign * (kind = 3)::int, sign * (kind = 4)::int
    FROM pending WHERE day < :start
) AS b
GROUP BY b.layer_id, b.area_id, b.service_id, b.department_id, b.status
"""


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
) -> list:
    """The rows of measures.ROW_COLUMNS for these periods (``segments[i]`` covers ``periods[i]``, and the
    last one's rows reach the end of the day ``reach``: pending events up to then count in it too)."""
    start = periods[0].first
    rollup_filters = "".join(f" AND {_FILTERS[name].format(t='s')}" for name in plan.filters)
    pending_filters = "".join(f" AND {_FILTERS[name].format(t='p')}" for name in plan.filters)
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
        "lasts": [period.last for period in periods[:-1]] + [reach],
        "last": reach,
        "start": start,
        "month_start": start.replace(day=1),
        "year_start": start.replace(month=1, day=1),
        **plan.filters,
    }
    sql = _SQL.format(rollup_filters=rollup_filters, pending_filters=pending_filters)
    return session.execute(text(sql), params).all()


def fold(session: Session) -> None:
    """Add the pending changes to the rollups now (the triggers do it every 256 changes)."""
    session.execute(text("SELECT stats_fold()"))


def rebuild(session: Session, jurisdiction: Jurisdiction) -> None:
    """Recompute a jurisdiction's rollups from its requests (after a bulk load made without them)."""
    session.execute(text("SELECT stats_rebuild(:jurisdiction)"), {"jurisdiction": jurisdiction.id})
