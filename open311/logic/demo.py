"""The demo city's requests: a lively Paris on first open (``open311 load-demo``, run by ``make run``).

Two sources, both deterministic for a given day (seeded):

- the real DansMaRue history shipped with the city (6,003 sidewalk reports, November 2023 to December
  2024), shifted by whole days so that its last report is dated today, each at a drawn time of its day;
- a generated recent year over the whole catalogue (``requests``, default a hundred a day) at the real
  reports' locations, jittered by about 60 m, with the channels of the real data and a few "hot corners"
  where incivilities gather.

Each request then lives a drawn life: received, then investigating / in progress / scheduled, then
fixed (or closed, duplicate, not responsible, no further action, cancelled), a few reopened and fixed
again, with delays drawn around its service's resolution target (``resolution_hours``). Changes that
would fall after ``now`` have not happened yet, so recent requests are open and some are overdue.

Requests are stored by the importer (placement and routing in PostGIS, the rules of a POST) as their
first change left them; the later changes are applied as set-based UPDATEs of ``service_request``, one
per step, so that what the database keeps with each change (a request's closing and first-answer times)
is kept as the API would keep it. Their history rows are inserted in one statement. The statistics'
rollups are built once at the end, the bulk path of docs/metrics.md (their triggers wait meanwhile).
"""

from __future__ import annotations

import csv
import itertools
import math
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..models import Jurisdiction, Service, ServiceRequest
from . import import_store
from .importer import ImportReport, import_records
from .insight.rollups import rebuild


@dataclass(frozen=True)
class Mix:
    """Values with weights, ready to draw from (cumulative weights computed once)."""

    values: tuple
    cumulative: tuple

    @classmethod
    def of(cls, weighted: list[tuple]) -> Mix:
        """The mix of (value, weight) pairs."""
        return cls(tuple(v for v, _ in weighted), tuple(itertools.accumulate(w for _, w in weighted)))


#: Relative frequency of each service in the generated year (others: 1). Bulky waste, litter and
#: graffiti lead DansMaRue's reports.
SERVICE_WEIGHTS = {
    "1002": 22, "11012": 10, "1010": 8, "1001": 4, "1003": 3, "11011": 4, "1006": 2,
    "3407": 5, "3405": 4, "3404": 4, "3100": 4, "3200": 3, "3406": 2, "3801": 2,
    "3602": 9, "3702": 3, "3603": 2,
    "5201": 6, "5101": 4, "5205": 2, "6010": 3, "7101": 2, "10300": 2,
}  # fmt: skip
#: Services of the hot corners (dumping, urine, graffiti: the "incivility corners").
CORNER_SERVICES = ("1002", "11012", "3404", "3602", "1010")
CORNERS = 8
CORNER_SHARE = 0.03
#: Channels, as the real export names them, with their shares in it.
CHANNELS = Mix.of([("Android", 66), ("IOS application", 22), ("Page DMR Paris.fr", 10), ("Back Office", 2)])
#: How requests end, with weights; the last three are decided without an intervention.
OUTCOMES = Mix.of([
    ("fixed", 74), ("closed", 8), ("no_further_action", 4), ("duplicate", 6), ("not_responsible", 4),
    ("cancelled", 4),
])  # fmt: skip
QUICK_OUTCOMES = {"duplicate", "not_responsible", "cancelled"}
CLOSED_OUTCOMES = frozenset(OUTCOMES.values)
WORK_STATUSES = Mix.of([("in_progress", 60), ("investigating", 20), ("action_scheduled", 20)])
#: Every status a demo request can pass through.
DEMO_STATUSES = (*WORK_STATUSES.values, *OUTCOMES.values, "reopened")
NOTES = {
    "investigating": "Signalement en cours d'examen.",
    "in_progress": "Intervention programmée par le service.",
    "action_scheduled": "Intervention planifiée.",
    "fixed": "Intervention réalisée.",
    "closed": "Signalement clôturé.",
    "no_further_action": "Aucune intervention nécessaire.",
    "duplicate": "Déjà signalé.",
    "not_responsible": "Ne relève pas des services de la Ville.",
    "cancelled": "Signalement annulé.",
    "reopened": "Le problème est réapparu.",
}
#: Share of fixed requests that come back, and the target of services without one (hours).
REOPENED_SHARE = 0.05
DEFAULT_TARGET_HOURS = 240
#: Hours of the day at which people report, with weights (night is quiet).
HOURS = Mix.of(list(enumerate([1, 1, 1, 1, 1, 2, 4, 7, 9, 9, 9, 9, 8, 8, 8, 8, 8, 8, 8, 7, 6, 4, 3, 2])))


@dataclass(frozen=True)
class DemoPoint:
    """A real report's place: coordinates, address and postcode."""

    lon: float
    lat: float
    address: str
    zipcode: str


@dataclass
class DemoRequest:
    """One demo request: what the importer stores, and the changes of its life (when, new status)."""

    external_id: str
    service_code: str
    requested: datetime
    point: DemoPoint
    channel: str
    changes: list[tuple[datetime, str]]

    def record(self) -> dict:
        """The importer's generic CSV row: the request as its first change left it (the rest comes after)."""
        updated, status = self.changes[0] if self.changes else (self.requested, "received")
        return {
            "external_id": self.external_id, "service_code": self.service_code,
            "requested_datetime": self.requested.isoformat(), "updated_datetime": updated.isoformat(),
            "status": status, "lat": repr(self.point.lat), "long": repr(self.point.lon),
            "address": self.point.address, "zipcode": self.point.zipcode, "channel": self.channel,
        }  # fmt: skip


def _pick(rng: random.Random, mix: Mix):
    return rng.choices(mix.values, cum_weights=mix.cumulative)[0]


def _hours(rng: random.Random, median: float, spread: float) -> timedelta:
    """A log-normal delay around ``median`` hours (``spread``: the sigma of its logarithm)."""
    return timedelta(hours=median * math.exp(rng.gauss(0, spread)))


def draw_life(rng: random.Random, requested: datetime, target_hours: float, now: datetime) -> list[tuple]:
    """The changes of one request after it is received, as (when, new status), up to ``now``."""
    outcome = _pick(rng, OUTCOMES)
    changes: list[tuple[datetime, str]] = []
    if outcome in QUICK_OUTCOMES:
        changes.append((requested + _hours(rng, 0.15 * target_hours, 0.8), outcome))
    else:
        responded = requested + _hours(rng, 0.1 * target_hours, 1.0)
        changes.append((responded, _pick(rng, WORK_STATUSES)))
        stuck = 5 if rng.random() < 0.08 else 1  # a long tail: some wait for a part, a contractor, ...
        closed = responded + _hours(rng, 0.55 * target_hours * stuck, 0.7)
        changes.append((closed, outcome))
        if outcome == "fixed" and rng.random() < REOPENED_SHARE:
            reopened = closed + timedelta(days=rng.uniform(1, 10))
            changes.append((reopened, "reopened"))
            changes.append((reopened + _hours(rng, 0.4 * target_hours, 0.7), "fixed"))
    return [(at, status) for at, status in changes if at <= now]


def _moment(rng: random.Random, day: date, zone: ZoneInfo) -> datetime:
    hour = _pick(rng, HOURS)
    return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=zone)


def _day_of_year(rng: random.Random, today: date) -> date:
    """A day of the last year: density rising by a fifth over the year (the city grows), Sundays quieter."""
    while True:
        u = rng.random()
        x = (math.sqrt(1 + 0.44 * u) - 1) / 0.2  # inverse of the distribution of density 1 + 0.2 x on [0, 1]
        day = today - timedelta(days=int(365 * (1 - x)))
        if day.isoweekday() != 7 or rng.random() < 0.7:
            return day


def read_history(path: Path) -> list[dict]:
    """The rows of the shipped DansMaRue export."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def demo_requests(
    history: list[dict], targets: dict[str, float], now: datetime, zone: ZoneInfo, requests: int, seed: int
) -> Iterator[DemoRequest]:
    """The demo's requests for ``now``: the real history shifted to end today, then the generated year."""
    rng = random.Random(seed)  # noqa: S311 (demo data, seeded so that it is the same every time)
    today = now.astimezone(zone).date()
    shift = today - max(date.fromisoformat(row["datedecl"]) for row in history)
    points = [DemoPoint(float(r["longitude"]), float(r["latitude"]), r["adresse"], r["code_postal"]) for r in history]

    def life(code: str, requested: datetime) -> list[tuple]:
        return draw_life(rng, requested, targets.get(code) or DEFAULT_TARGET_HOURS, now)

    for row, point in zip(history, points, strict=True):
        requested = _moment(rng, date.fromisoformat(row["datedecl"]) + shift, zone)
        changes = life("5201", requested)  # drawn in any case: the same draws whatever the time of day
        if requested <= now:
            yield DemoRequest(row["id_dmr"], "5201", requested, point, row["prefixe"], changes)
    services = sorted(targets)
    weighted = Mix.of([(code, SERVICE_WEIGHTS.get(code, 1)) for code in services])
    corners = rng.sample(points, CORNERS)
    for number in range(1, requests + 1):
        day = _day_of_year(rng, today)
        requested, earlier = _moment(rng, day, zone), timedelta(minutes=rng.randrange(1, 600))
        if requested > now:  # later today: earlier today instead
            requested = now - earlier
        if rng.random() < CORNER_SHARE:
            code, place, jitter = rng.choice(CORNER_SERVICES), rng.choice(corners), 0.00025
        else:
            code, place, jitter = _pick(rng, weighted), rng.choice(points), 0.0008
        point = DemoPoint(
            round(place.lon + rng.uniform(-jitter, jitter), 6),
            round(place.lat + rng.uniform(-jitter, jitter) * 0.68, 6),
            place.address,
            place.zipcode,
        )
        yield DemoRequest(f"DEMO-{number:06d}", code, requested, point, _pick(rng, CHANNELS), life(code, requested))


_STEPS = """
CREATE TEMP TABLE demo_step (external_id text, step integer, at timestamptz, status text, note text)
ON COMMIT DROP
"""

_APPLY_STEP = """
UPDATE service_request AS r SET detailed_status = s.status, updated_datetime = s.at, status_notes = s.note
FROM demo_step AS s
WHERE s.step = :step AND r.jurisdiction_id = :jurisdiction AND r.external_id = s.external_id
"""

# The importer wrote each request's "created" row with the status of its first change: it was received.
_CREATED = """
UPDATE request_update AS u SET new_status = 'received'
FROM demo_step AS s JOIN service_request AS r ON r.jurisdiction_id = :jurisdiction AND r.external_id = s.external_id
WHERE s.step = 1 AND u.request_id = r.id AND u.kind = 'created'
"""

_HISTORY = """
INSERT INTO request_update (jurisdiction_id, request_id, kind, created, old_status, new_status, note,
                            department_id, old_department_id)
SELECT :jurisdiction, r.id, 'status', s.at,
       coalesce(lag(s.status) OVER (PARTITION BY s.external_id ORDER BY s.step), 'received'), s.status, s.note,
       r.department_id, r.department_id
FROM demo_step AS s JOIN service_request AS r ON r.jurisdiction_id = :jurisdiction AND r.external_id = s.external_id
ORDER BY s.at
"""


def apply_lives(session: Session, jurisdiction: Jurisdiction, lives: list[DemoRequest]) -> int:
    """Apply the changes after the first (stored by the importer), one UPDATE per step, and write the history.

    Returns how many changes the history holds.
    """
    session.execute(text(_STEPS))
    cursor = session.connection().connection.cursor()
    steps = 0
    with cursor.copy("COPY demo_step (external_id, step, at, status, note) FROM STDIN") as copy:
        for request in lives:
            for step, (at, status) in enumerate(request.changes, start=1):
                copy.write_row((request.external_id, step, at, status, NOTES.get(status)))
                steps = max(steps, step)
    session.execute(text("CREATE INDEX ON demo_step (step, external_id)"))
    session.execute(text("ANALYZE demo_step"))
    params = {"jurisdiction": jurisdiction.id}
    for step in range(2, steps + 1):
        session.execute(text(_APPLY_STEP), {**params, "step": step})
    session.execute(text(_CREATED), params)
    changes = session.execute(text(_HISTORY), params).rowcount
    session.commit()
    return changes


@dataclass
class DemoReport:
    """What loading the demo did."""

    imported: ImportReport
    changes: int

    def summary(self) -> str:
        """One line for the operator."""
        return f"{self.imported.summary()}; {self.changes} status changes applied"


def load_demo_requests(
    session: Session,
    jurisdiction: Jurisdiction,
    history: Path,
    *,
    now: datetime,
    requests: int = 36_500,
    seed: int = 311,
    progress: Callable[[str], None] | None = None,
) -> DemoReport | None:
    """Store the demo's requests and their lives in ``jurisdiction`` (None: they are already there)."""
    present = session.scalar(
        select(ServiceRequest.id)
        .where(ServiceRequest.jurisdiction_id == jurisdiction.id, ServiceRequest.external_id == "DEMO-000001")
        .limit(1)
    )
    if present is not None:
        return None
    targets = {
        code: hours
        for code, hours in session.execute(
            select(Service.service_code, Service.resolution_hours).where(Service.jurisdiction_id == jurisdiction.id)
        )
    }
    zone = ZoneInfo(jurisdiction.time_zone)
    lives = list(demo_requests(read_history(history), targets, now, zone, requests, seed))
    records = ((line, request.record()) for line, request in enumerate(lives, start=1))
    with statistics_built_once(session, jurisdiction):
        imported = import_records(session, jurisdiction, records, progress=progress)
        changes = apply_lives(session, jurisdiction, lives)
    return DemoReport(imported, changes)


@contextmanager
def statistics_built_once(session: Session, jurisdiction: Jurisdiction) -> Iterator[None]:
    """A bulk load as the statistics want it (docs/metrics.md): their triggers wait (``open311.statistics``
    off on this connection; the session must keep one connection), then the rollups are rebuilt once from
    the loaded requests. A request's closing and first-answer times are still kept with each change."""
    import_store.statistics_waiting(session)
    try:
        yield
    finally:
        import_store.statistics_on(session)
    rebuild(session, jurisdiction)
    session.commit()
