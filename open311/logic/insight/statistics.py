"""Extension: GET statistics — measures per area x service x department x status x period (docs/metrics.md).

A call is answered from the rollups when they keep what it groups and filters by (areas of one layer,
services and their groups, departments, status; whole days, and whole months for the cuboid keeping
departments and status), else from the requests themselves. Both count the same events
(``stats_events()``) the same way, so they give the same figures; the rollups are only faster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ...errors import BadRequest
from ...models import Jurisdiction
from ...models.request_stats import (
    CUBOID_AREA,
    CUBOID_SERVICE,
    CUBOID_SERVICE_DEPARTMENT_STATUS,
    GRAINS,
    RECENT_DAYS,
)
from ..request_search import RequestQuery
from .lookups import Cache, Lookups, load_lookups
from .measures import Stock, Tally, measures
from .periods import PERIODS, Period, Window, resolve_window, segment_end, segments, window_periods
from .raw import RawKeys, due_later_today, raw_rows, start_of_day
from .rollups import AHEAD, RollupPlan, rollup_rows

#: What group_by takes besides periods, in the order of a cell's keys.
DIMENSIONS = ("area", "service_code", "group", "agency_responsible", "status", "detailed_status", "channel")
#: Grouping keys the rollups do not keep; filters they do not keep.
RAW_DIMENSIONS = {"detailed_status", "channel"}
MAX_CELLS = 100_000


@dataclass
class StatisticsQuery:
    """One GET statistics call, typed: the grouping, the filters of GET requests, the window, the sample."""

    group_by: list[str] = field(default_factory=list)
    filters: RequestQuery = field(default_factory=RequestQuery)
    #: Extension filter: service groups (a request matches when its service is in one of them).
    groups: list[str] = field(default_factory=list)
    start_date: date | datetime | None = None
    end_date: date | datetime | None = None
    min_sample: int = 10


@dataclass(frozen=True)
class Grouping:
    """The parsed group_by: dimensions (area among them, of one layer) and at most one period."""

    dimensions: tuple[str, ...]
    layer_id: int | None
    layer_code: str | None
    period: str | None


def parse_group_by(values: list[str], lookups: Lookups) -> Grouping:
    """Check and type group_by (400 naming the problem)."""
    dimensions: list[str] = []
    layer_id = layer_code = period = None
    for value in values:
        name, _, layer = value.partition(":")
        if name in PERIODS and not layer:
            if period:
                raise BadRequest(f"group_by: one period at most ({period} and {name})")
            period = name
            continue
        if name not in DIMENSIONS or (layer and name != "area"):
            raise BadRequest(f"group_by: '{value}' is not one of area[:layer], {', '.join(DIMENSIONS[1:])}, "
                             f"{', '.join(PERIODS)}")  # fmt: skip
        if name in dimensions:
            raise BadRequest(f"group_by: {name} is given twice")
        if name == "area":
            layer_code = layer or lookups.most_specific_layer()
            if layer_code not in lookups.layers:
                known = ", ".join(sorted(lookups.layers)) or "none"
                raise BadRequest(f"group_by: this jurisdiction has no layer '{layer_code}' (layers: {known})")
            layer_id = lookups.layers[layer_code][0]
        dimensions.append(name)
    return Grouping(tuple(name for name in DIMENSIONS if name in dimensions), layer_id, layer_code, period)


def _resolved_filters(query: StatisticsQuery, lookups: Lookups) -> RequestQuery:
    """The request filters with service groups turned into service codes (an empty match matches nothing)."""
    filters = query.filters
    if query.groups:
        codes = set(lookups.group_service_codes(query.groups))
        if filters.service_codes:
            codes &= set(filters.service_codes)
        filters = replace(filters, service_codes=sorted(codes) or [""])
    return filters


def _rollup_plan(
    grouping: Grouping, filters: RequestQuery, lookups: Lookups, periods: list[Period], window: Window
) -> tuple[RollupPlan, list[list[tuple[str, date]]]] | None:
    """The rollup rows answering the call, or None when only the requests themselves can."""
    if RAW_DIMENSIONS & set(grouping.dimensions):
        return None
    if (filters.detailed_statuses or filters.updated_after or filters.updated_before or filters.bbox
            or filters.lat is not None or filters.long is not None or filters.radius is not None):  # fmt: skip
        return None
    plan_filters: dict[str, list] = {}
    layer_id = grouping.layer_id
    if filters.areas:
        areas = lookups.areas_by_code(filters.areas)
        layers = {area.layer_id for area in areas}
        if len(layers) != 1 or (layer_id is not None and layers != {layer_id}):
            return None
        layer_id = layers.pop()
        plan_filters["area_ids"] = [area.id for area in areas]
    needs = set()
    if filters.service_codes:
        plan_filters["service_ids"] = lookups.service_ids(filters.service_codes)
        needs.add("service")
    if filters.agencies:
        plan_filters["department_ids"] = lookups.department_ids(filters.agencies)
        needs.add("department")
    if filters.statuses:
        plan_filters["statuses"] = list(filters.statuses)
        needs.add("status")
    needs |= {
        {"service_code": "service", "group": "service", "agency_responsible": "department", "status": "status"}[name]
        for name in grouping.dimensions
        if name != "area"
    }
    if layer_id is not None:
        cuboid = CUBOID_AREA if not needs else CUBOID_SERVICE_DEPARTMENT_STATUS
    else:
        cuboid = CUBOID_SERVICE if needs <= {"service"} else CUBOID_SERVICE_DEPARTMENT_STATUS
    # (cuboid 0 keeps its days for the last two months only: older windows start on a month's first day)
    days_from = window.today - timedelta(days=RECENT_DAYS[cuboid]) if cuboid in RECENT_DAYS else None
    covering = [segments(period.first, period.last, GRAINS[cuboid], window.today, days_from) for period in periods]
    if any(parts is None for parts in covering):
        return None
    return RollupPlan(cuboid, layer_id or 0, plan_filters), covering


def _raw_keys(grouping: Grouping) -> RawKeys:
    columns = {
        {"service_code": "service_id", "group": "service_id", "agency_responsible": "department_id"}.get(name, name)
        for name in grouping.dimensions
        if name != "area"
    }
    return RawKeys(grouping.layer_id, frozenset(columns))


def _key_of(grouping: Grouping, lookups: Lookups):
    """A function giving a source row's key: its values of the grouped dimensions, in DIMENSIONS order."""
    getters = {
        "area": lambda row: row.area_id,
        "service_code": lambda row: row.service_id,
        "group": lambda row: lookups.services.get(row.service_id, (None, None, None))[2],
        "agency_responsible": lambda row: row.department_id or None,
        "status": lambda row: row.status,
        "detailed_status": lambda row: row.detailed_status,
        "channel": lambda row: row.channel,
    }
    chosen = [getters[name] for name in grouping.dimensions]
    return lambda row: tuple(get(row) for get in chosen)


def _natural(text: str | None) -> tuple:
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text or ""))


def _key_fields(grouping: Grouping, key: tuple, lookups: Lookups) -> dict:
    """The keys of a cell as the contract names them."""
    fields: dict = {}
    for name, value in zip(grouping.dimensions, key, strict=True):
        if name == "area":
            area = lookups.areas.get(value)
            fields.update(area=area.code if area else None, area_name=area.name if area else None,
                          layer=grouping.layer_code)  # fmt: skip
        elif name == "service_code":
            code, service_name, _group = lookups.services.get(value, (None, None, None))
            fields.update(service_code=code, service_name=service_name)
        elif name == "agency_responsible":
            code, agency_name = lookups.departments.get(value, (None, None))
            fields.update(agency_responsible=code, agency_name=agency_name)
        else:
            fields[name] = value
    return fields


def compute_statistics(
    session: Session,
    jurisdiction: Jurisdiction,
    query: StatisticsQuery,
    *,
    now: datetime | None = None,
    cache: Cache | None = None,
) -> list[dict]:
    """The cells of one call: keys first, then the measures of docs/metrics.md."""
    zone = ZoneInfo(jurisdiction.time_zone)
    lookups = load_lookups(session, jurisdiction, cache)
    grouping = parse_group_by(query.group_by, lookups)
    window = resolve_window(query.start_date, query.end_date, zone, now or datetime.now(UTC))
    periods = window_periods(window, grouping.period)
    filters = _resolved_filters(query, lookups)
    planned = _rollup_plan(grouping, filters, lookups, periods, window)
    key_of = _key_of(grouping, lookups)
    ahead: dict[tuple, int] = {}
    if planned:
        # (the rows of the period holding today may hold the rest of its month or year: future due dates)
        reach = segment_end(*planned[1][-1][-1])
        tomorrow = start_of_day(window.today + timedelta(days=1), zone) if window.reaches_today else None
        rows = rollup_rows(session, jurisdiction, planned[0], periods, planned[1], reach, tomorrow)
    else:
        rows = raw_rows(session, jurisdiction, filters, _raw_keys(grouping), periods)
        if window.reaches_today:
            for row in due_later_today(session, jurisdiction, filters, _raw_keys(grouping), window.today):
                ahead[key_of(row)] = ahead.get(key_of(row), 0) + row.n
    tally = Tally()
    for row in rows:
        if row.idx == AHEAD:
            ahead[key_of(row)] = ahead.get(key_of(row), 0) + row.due
        else:
            tally.add(key_of(row), row)
    keys = tally.keys() or ([()] if not grouping.dimensions else [])
    if len(keys) * len(periods) > MAX_CELLS:
        raise BadRequest(f"The answer would have more than {MAX_CELLS:,} cells: group by less or shorten the window")
    described = {key: _key_fields(grouping, key, lookups) for key in keys}
    keys.sort(key=lambda key: tuple(_natural(None if v is None else str(v)) for v in described[key].values()))
    cells = []
    for key in keys:
        cells.extend(_cells_of(key, grouping, periods, window, tally, ahead, described[key], lookups, query.min_sample))
    return cells


def _cells_of(key, grouping, periods, window, tally, ahead, fields, lookups, min_sample) -> list[dict]:
    """The cells of one key, one per period, with the stock measures carried from period to period."""
    backlog, overdue = tally.before.get(key, (0, 0))
    sums_by_period = tally.sums.get(key, {})
    area = lookups.areas.get(key[grouping.dimensions.index("area")]) if "area" in grouping.dimensions else None
    cells = []
    for index, period in enumerate(periods):
        sums = sums_by_period.get(index)
        if sums is not None:
            backlog += sums.counts[0] - sums.counts[1]
            overdue += sums.counts[5] - sums.counts[6]
        holds_today = window.reaches_today and index == len(periods) - 1
        stock = Stock(backlog, overdue - ahead.get(key, 0) if holds_today else overdue)
        values, withheld = measures(sums, stock, min_sample, tally)
        cell = dict(fields)
        if grouping.period:
            cell["period"] = period.key.isoformat()
        cell.update(values)
        if area is not None:
            cell["per_km2"] = round(values["opened"] / area.km2, 3) if area.km2 else None
        cell["withheld"] = withheld
        cells.append(cell)
    if key and all(not (c["opened"] or c["closed"] or c["backlog"] or c["overdue"]) for c in cells):
        return []
    return cells
