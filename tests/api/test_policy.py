"""One authorization path: every cell of the role x action x scope table, through every path that changes a request."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from open311.logic.api_keys import create_key
from open311.logic.jurisdictions import resolve_jurisdiction
from open311.logic.policy import POLICY, ROLES, Action, Scope
from open311.models import Department, RequestUpdate, ServiceRequest

from ..conftest import POTHOLE

README = Path(__file__).resolve().parents[2] / "README.md"
HISTORY = "/open311/v2/requests/{id}/updates.json?jurisdiction_id=paris.fr&api_key={key}"


@pytest.fixture()
def keys(session):
    """Every kind of key the table distinguishes, by name."""
    paris, nyc = resolve_jurisdiction(session, "paris.fr"), resolve_jurisdiction(session, "nyc.gov")
    made = {
        "reporter app": create_key(session, "reporter app", paris),
        "other app": create_key(session, "other app"),
        "city staff": create_key(session, "city staff", paris, role="staff"),
        "roads staff": create_key(session, "roads staff", paris, role="staff", department_codes=["DVD-STV-SO"]),
        "parks staff": create_key(session, "parks staff", paris, role="staff", department_codes=["DEVE"]),
        "nyc staff": create_key(session, "nyc staff", nyc, role="staff"),
    }
    session.flush()
    return {name: key for name, (_row, key) in made.items()}


@pytest.fixture()
def reports(client, keys):
    """Two open potholes of the roads section, submitted with the reporter app's key."""

    def submit():
        data = {"api_key": keys["reporter app"], "jurisdiction_id": "paris.fr", **POTHOLE}
        return client.post("/open311/v2/requests.json", data=data).get_json()[0]["service_request_id"]

    return submit(), submit()


def staff_api(client, key, request_id, **fields):
    data = {"api_key": key, "jurisdiction_id": "paris.fr", **fields}
    return client.post(f"/open311/v2/requests/{request_id}/updates.json", data=data)


def update_api(client, key, request_id, status, update_id="fms-1"):
    data = {
        "api_key": key, "jurisdiction_id": "paris.fr", "service_request_id": request_id, "update_id": update_id,
        "status": status, "updated_datetime": "2024-05-01T10:00:00+02:00", "description": "Encore là",
    }  # fmt: skip
    return client.post("/open311/v2/servicerequestupdates.json", data=data)


#: Each action through each path that does it.
PATHS = {
    "GET requests/{id}/updates": (Action.READ_HISTORY, lambda c, k, r: c.get(HISTORY.format(id=r[0], key=k))),
    "staff API note": (Action.COMMENT, lambda c, k, r: staff_api(c, k, r[0], note="Vu sur place")),
    "servicerequestupdates OPEN": (Action.COMMENT, lambda c, k, r: update_api(c, k, r[0], "OPEN")),
    "staff API fixed": (Action.REPORTER_STATUS, lambda c, k, r: staff_api(c, k, r[0], detailed_status="fixed")),
    "servicerequestupdates FIXED": (Action.REPORTER_STATUS, lambda c, k, r: update_api(c, k, r[0], "FIXED")),
    "servicerequestupdates CLOSED": (Action.REPORTER_STATUS, lambda c, k, r: update_api(c, k, r[0], "CLOSED")),
    "staff API in_progress": (Action.STATUS, lambda c, k, r: staff_api(c, k, r[0], detailed_status="in_progress")),
    "servicerequestupdates IN_PROGRESS": (Action.STATUS, lambda c, k, r: update_api(c, k, r[0], "IN_PROGRESS")),
    "staff API department": (Action.REASSIGN, lambda c, k, r: staff_api(c, k, r[0], department="DEVE")),
    "staff API area": (Action.REASSIGN, lambda c, k, r: staff_api(c, k, r[0], area="arrondissement:4")),
    "staff API duplicate_of": (Action.MERGE, lambda c, k, r: staff_api(c, k, r[1], duplicate_of=r[0])),
}

#: Which keys are inside each scope for the reporter app's roads-section requests of Paris.
INSIDE = {
    Scope.NOWHERE: set(),
    Scope.OWN: {"reporter app"},
    Scope.DEPARTMENTS: {"city staff", "roads staff"},
}
ROLE_OF = {
    "reporter app": "client", "other app": "client", "city staff": "staff", "roads staff": "staff",
    "parks staff": "staff", "nyc staff": "staff",
}  # fmt: skip
CELLS = [(path, name) for path in PATHS for name in ROLE_OF]


@pytest.mark.parametrize(("path", "key_name"), CELLS, ids=[f"{p} by {k}" for p, k in CELLS])
def test_every_cell_of_the_table(session, client, keys, reports, path, key_name):
    action, call = PATHS[path]
    scope = POLICY[action][ROLES.index(ROLE_OF[key_name])]
    before = _state(session, reports)
    reply = call(client, keys[key_name], reports)
    if key_name in INSIDE[scope]:
        assert reply.status_code == 200, reply.get_json()
    else:
        assert reply.status_code == 403, reply.get_json()
        assert _state(session, reports) == before, "a refused change wrote something"


def _state(session, reports) -> tuple:
    session.expire_all()
    ids = [int(r) for r in reports]
    rows = session.execute(
        select(ServiceRequest.id, ServiceRequest.detailed_status, ServiceRequest.department_id)
        .where(ServiceRequest.id.in_(ids))
        .order_by(ServiceRequest.id)
    ).all()
    history = session.scalar(
        select(RequestUpdate.id).where(RequestUpdate.request_id.in_(ids)).order_by(-RequestUpdate.id)
    )
    return tuple(rows), history


def test_the_readme_table_is_the_policy():
    """The README's table reads like the one in code: same actions, same scope in each role's column."""
    lines = {line.split("|")[1].strip(): line for line in README.read_text().splitlines() if line.startswith("| ")}
    for action, scopes in POLICY.items():
        assert action.value in lines, f"README lacks the row '{action.value}'"
        cells = [cell.strip() for cell in lines[action.value].strip("|").split("|")]
        assert cells[2:4] == [scope.value for scope in scopes], cells


def _move_to_parks(session, request_id):
    deve = session.scalar(select(Department).where(Department.code == "DEVE"))
    session.get(ServiceRequest, int(request_id)).department_id = deve.id
    session.flush()


def test_department_key_cannot_change_another_departments_request_through_servicerequestupdates(
    session, client, keys, reports
):
    """Finding 1: the update extension never checked the key's scope."""
    _move_to_parks(session, reports[0])
    reply = update_api(client, keys["roads staff"], reports[0], "NOT_COUNCILS_RESPONSIBILITY")
    assert reply.status_code == 403
    assert "outside the departments" in reply.get_json()[0]["description"]
    assert session.get(ServiceRequest, int(reports[0])).detailed_status == "received"


def test_a_merge_needs_both_requests_in_scope(session, client, keys, reports):
    """Finding 1: a merge wrote a note and a new updated_datetime on another department's request."""
    original, duplicate = reports
    _move_to_parks(session, original)
    before = session.get(ServiceRequest, int(original)).updated_datetime
    reply = staff_api(client, keys["roads staff"], duplicate, duplicate_of=original)
    assert reply.status_code == 403, reply.get_json()
    session.expire_all()
    parent = session.get(ServiceRequest, int(original))
    assert parent.updated_datetime == before and parent.status_notes is None
    assert session.get(ServiceRequest, int(duplicate)).detailed_status == "received"
    assert staff_api(client, keys["city staff"], duplicate, duplicate_of=original).status_code == 200


def test_a_client_key_cannot_close_or_reopen_another_apps_request(client, keys, reports):
    """Finding 2: any client key could close or reopen any request."""
    reply = update_api(client, keys["other app"], reports[0], "CLOSED")
    assert reply.status_code == 403
    assert "only update the requests it submitted" in reply.get_json()[0]["description"]
    assert update_api(client, keys["reporter app"], reports[0], "FIXED").status_code == 200
    assert update_api(client, keys["other app"], reports[0], "REOPEN", update_id="x-2").status_code == 403
    assert update_api(client, keys["reporter app"], reports[0], "REOPEN", update_id="fms-2").status_code == 200


def test_duplicate_of_another_jurisdiction_is_not_found_like_an_unknown_id(session, client, keys, reports):
    """No existence oracle: another city's request answers exactly as an id that does not exist."""
    from ..factories import make_request

    nyc = make_request(session, jurisdiction_id="nyc.gov", service_code="pothole", lon=-73.98, lat=40.75)
    unknown = nyc.id + 1000
    foreign = staff_api(client, keys["city staff"], reports[0], duplicate_of=str(nyc.id))
    missing = staff_api(client, keys["city staff"], reports[0], duplicate_of=str(unknown))
    assert foreign.status_code == missing.status_code == 404
    texts = [r.get_json()[0]["description"] for r in (foreign, missing)]
    assert texts[0].replace(str(nyc.id), "ID") == texts[1].replace(str(unknown), "ID")
    assert re.search("not found", texts[0])
