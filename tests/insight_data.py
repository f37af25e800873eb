"""A realistic data set for the statistics tests: Paris's real DansMaRue history (imported as the demo
does) plus generated requests of the whole catalogue over the last fifteen months, on the real
locations, with status histories: first responses, closures of every kind, reopened ones, open and
overdue ones. Everything is written through the importer or plain SQL statements (the triggers keep the
rollups), with a fixed random seed.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from open311.cli import DEMO_HISTORY
from open311.logic.importer import import_requests
from open311.logic.jurisdictions import resolve_jurisdiction

GENERATED = """
INSERT INTO service_request (jurisdiction_id, service_id, department_id, detailed_status, location,
                             requested_datetime, updated_datetime, expected_datetime, channel, description)
SELECT :jurisdiction, s.id, NULL, 'received', p.location, g.requested, g.requested,
       g.requested + make_interval(hours => s.resolution_hours), g.channel, 'generated ' || g.n
FROM (
    SELECT n, now() - (random() * 450 + 0.01) * interval '1 day' AS requested,
           (ARRAY['Android', 'IOS application', 'Page DMR Paris.fr', 'Back Office'])[1 + floor(random() * 4)::int] AS channel,
           floor(random() * 1000000)::int AS service_pick, floor(random() * 1000000)::int AS point_pick
    FROM generate_series(1, :count) AS n
) AS g
JOIN LATERAL (
    SELECT id, resolution_hours FROM service WHERE jurisdiction_id = :jurisdiction
    ORDER BY id OFFSET g.service_pick % (SELECT count(*) FROM service WHERE jurisdiction_id = :jurisdiction) LIMIT 1
) AS s ON true
JOIN LATERAL (
    SELECT location FROM service_request WHERE jurisdiction_id = :jurisdiction AND external_id IS NOT NULL
    ORDER BY id OFFSET g.point_pick % 6003 LIMIT 1
) AS p ON true
"""

PLACED = """
INSERT INTO service_request_area (request_id, layer_id, area_id)
SELECT DISTINCT ON (r.id, l.id) r.id, l.id, a.id
FROM service_request AS r
JOIN area AS a ON ST_Covers(a.geom, r.location)
JOIN area_layer AS l ON l.id = a.layer_id AND l.jurisdiction_id = r.jurisdiction_id
WHERE r.description LIKE 'generated %' AND r.jurisdiction_id = :jurisdiction
ORDER BY r.id, l.id, a.code
"""

ROUTED = """
UPDATE service_request AS r SET department_id = coalesce(
    (SELECT rr.department_id FROM service_request_area AS x JOIN area_layer AS l ON l.id = x.layer_id
     JOIN routing_rule AS rr ON rr.area_id = x.area_id AND rr.service_id = r.service_id
     WHERE x.request_id = r.id ORDER BY l.rank DESC LIMIT 1),
    (SELECT default_department_id FROM service WHERE id = r.service_id),
    (SELECT default_department_id FROM jurisdiction WHERE id = r.jurisdiction_id))
WHERE r.description LIKE 'generated %' AND r.jurisdiction_id = :jurisdiction
"""

# The history, one statement per step for all requests, each change at its own time (never after now).
STEPS = [
    # 85% get a first response 20 minutes to 8 days after submission (unless that is still to come)
    """UPDATE service_request AS r SET detailed_status = x.status, updated_datetime = x.at
       FROM (SELECT id, (ARRAY['investigating', 'in_progress', 'action_scheduled'])[1 + floor(random() * 3)::int]
                        AS status,
                    requested_datetime + (0.3 + random() ^ 2 * 190) * interval '1 hour' AS at
             FROM service_request WHERE description LIKE 'generated %' AND random() < 0.85) AS x
       WHERE r.id = x.id AND x.at < now()""",
    # 75% of those are closed, an hour to sixty days later
    """UPDATE service_request AS r SET detailed_status = x.status, updated_datetime = x.at
       FROM (SELECT id, (ARRAY['fixed', 'fixed', 'fixed', 'closed', 'duplicate', 'not_responsible',
                               'no_further_action', 'cancelled'])[1 + floor(random() * 8)::int] AS status,
                    updated_datetime + (1 + random() ^ 3 * 1440) * interval '1 hour' AS at
             FROM service_request
             WHERE description LIKE 'generated %' AND detailed_status <> 'received' AND random() < 0.75) AS x
       WHERE r.id = x.id AND x.at < now()""",
    # 8% of the closed ones are reopened, half of those closed again
    """UPDATE service_request SET detailed_status = 'reopened', updated_datetime = least(now(),
           updated_datetime + random() * interval '10 days')
       WHERE description LIKE 'generated %' AND status = 'closed' AND random() < 0.08""",
    """UPDATE service_request SET detailed_status = 'fixed', updated_datetime = least(now(),
           updated_datetime + random() * interval '5 days')
       WHERE description LIKE 'generated %' AND detailed_status = 'reopened' AND random() < 0.5""",
]


def load_dataset(session: Session, generated: int = 1500, seed: float = 0.311) -> None:
    """Import the DansMaRue history and generate ``generated`` requests with histories into Paris."""
    paris = resolve_jurisdiction(session, "paris.fr")
    import_requests(session, paris, DEMO_HISTORY, source_format="dansmarue")
    session.execute(text("SELECT setseed(:seed)"), {"seed": seed})
    params = {"jurisdiction": paris.id, "count": generated}
    session.execute(text(GENERATED), params)
    session.execute(text(PLACED), params)
    session.execute(text(ROUTED), params)
    for step in STEPS:
        session.execute(text(step))
    session.flush()
