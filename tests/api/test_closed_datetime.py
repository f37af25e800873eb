"""closed_datetime (Extension, the Bulk format's): kept by the database on every write path."""

from __future__ import annotations

from sqlalchemy import select, text

from open311.models import ServiceRequest

from ..conftest import POTHOLE
from ..factories import make_request


def _closed(session, request_id) -> tuple:
    session.expire_all()
    return session.execute(
        select(ServiceRequest.closed_datetime, ServiceRequest.updated_datetime).where(
            ServiceRequest.id == int(request_id)
        )
    ).one()


def test_closing_sets_it_reopening_empties_it(session, submit, staff):
    request_id = submit(**POTHOLE).get_json()[0]["service_request_id"]
    assert _closed(session, request_id)[0] is None
    staff(request_id, detailed_status="fixed", note="Rebouché")
    closed, updated = _closed(session, request_id)
    assert closed == updated
    staff(request_id, note="Photo ajoutée")  # a note on a closed request: still closed when it was
    assert _closed(session, request_id)[0] == closed
    staff(request_id, detailed_status="reopened", note="Encore là")
    assert _closed(session, request_id)[0] is None
    session.execute(text("UPDATE service_request SET updated_datetime = updated_datetime + interval '1 hour'"))
    staff(request_id, detailed_status="closed")
    closed, updated = _closed(session, request_id)
    assert closed == updated


def test_a_request_stored_closed_is_closed_at_its_last_change(session):
    from datetime import timedelta

    request = make_request(session, detailed_status="fixed", age=timedelta(days=9), updated_age=timedelta(days=2))
    closed, updated = _closed(session, request.id)
    assert closed == updated
