"""mySociety's update extension driven as FixMyStreet drives it (perllib/Open311.pm).

FixMyStreet posts each comment with ``_populate_service_request_update_params``: the report's state as
OPEN/CLOSED (or, with extended statuses, FIXED, IN_PROGRESS, ...), ``update_id`` = its comment id,
``first_name``/``last_name`` (``-`` when it has none), ``email``, ``phone``, one ``media_url`` and, for
some councils, ``title`` and ``email_alerts_requested``; it posts the same comment again until an
``update_id`` comes back, and reads it from ``<request_update><update_id>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from open311.models import RequestUpdate, RequestUpdateContact, ServiceRequest

from ..conftest import POTHOLE, release_together
from ..contract.standard import assert_conforms

UPDATES = "/open311/v2/servicerequestupdates.xml"


def fixmystreet_comment(request_id, comment_id, state, text="Toujours là", **extra):
    """The form FixMyStreet posts for one comment (jurisdiction_id and api_key are added by _request)."""
    return {
        "jurisdiction_id": "paris.fr",
        "updated_datetime": "2024-05-01T10:00:00+01:00",
        "service_request_id": request_id,
        "status": state,
        "description": text,
        "first_name": "Camille",
        "last_name": "-",
        "email": "camille@example.fr",
        "update_id": str(comment_id),
        **extra,
    }


def post_comment(client, key, form):
    reply = client.post(UPDATES, data={"api_key": key, **form})
    assert reply.status_code == 200, reply.data
    assert_conforms("service_request_updates", reply)
    return ET.fromstring(reply.data).findtext("request_update/update_id")


@pytest.fixture()
def report(submit):
    """A report FixMyStreet sent with its own key (the test app's)."""
    return submit(**POTHOLE, first_name="Camille", last_name="Martin").get_json()[0]["service_request_id"]


def detailed_status(client, request_id):
    record = client.get(f"/open311/v2/requests/{request_id}.json?jurisdiction_id=paris.fr&extensions=true")
    return record.get_json()[0]["extended_attributes"]["detailed_status"]


def history(session, request_id):
    session.expire_all()
    return session.execute(
        select(RequestUpdate.kind, RequestUpdate.new_status, RequestUpdate.note, RequestUpdate.client_update_id)
        .where(RequestUpdate.request_id == int(request_id))
        .order_by(RequestUpdate.id)
    ).all()


def test_a_comment_its_resend_and_comments_on_a_closed_report(session, client, api_key, staff, report):
    """FixMyStreet's own sequence: comment, lost answer and resend, the city fixes it, more comments, reopen."""
    first = post_comment(client, api_key, fixmystreet_comment(report, 101, "OPEN"))
    assert first.isdigit()
    # The answer was lost: FixMyStreet sends the same comment again and must get the same update_id.
    assert post_comment(client, api_key, fixmystreet_comment(report, 101, "OPEN")) == first
    staff(report, detailed_status="fixed", note="Trou rebouché")
    # A comment on the closed report carries its state: CLOSED (or FIXED with extended statuses).
    post_comment(client, api_key, fixmystreet_comment(report, 102, "CLOSED", "Merci !"))
    post_comment(client, api_key, fixmystreet_comment(report, 103, "FIXED", "Vraiment merci"))
    assert detailed_status(client, report) == "fixed"
    # The citizen reopens it on FixMyStreet: the state sent is OPEN again (REOPEN with mark_reopen).
    post_comment(client, api_key, fixmystreet_comment(report, 104, "OPEN", "Le trou est revenu"))
    assert detailed_status(client, report) == "reopened"
    post_comment(client, api_key, fixmystreet_comment(report, 105, "REOPEN", "Toujours ouvert"))
    assert [(kind, status, note, update_id) for kind, status, note, update_id in history(session, report)] == [
        ("created", "received", None, None),
        ("citizen", "received", "Toujours là", "101"),
        ("status", "fixed", "Trou rebouché", None),
        ("citizen", "fixed", "Merci !", "102"),
        ("citizen", "fixed", "Vraiment merci", "103"),
        ("citizen", "reopened", "Le trou est revenu", "104"),
        ("citizen", "reopened", "Toujours ouvert", "105"),
    ]


def test_the_feed_fixmystreet_pulls_shows_the_change(client, api_key, staff, report):
    staff(report, detailed_status="in_progress", note="Équipe en route")
    feed = client.get(
        f"{UPDATES}?jurisdiction_id=paris.fr&api_key={api_key}"
        "&start_date=2000-01-01T00:00:00Z&end_date=2000-02-01T00:00:00Z"
    )
    assert feed.status_code == 200 and ET.fromstring(feed.data).findall("request_update") == []
    feed = ET.fromstring(client.get(f"{UPDATES}?jurisdiction_id=paris.fr&api_key={api_key}").data)
    mine = [u for u in feed.findall("request_update") if u.findtext("service_request_id") == report]
    assert [(u.findtext("status"), u.findtext("description")) for u in mine] == [("in_progress", "Équipe en route")]


#: Every status FixMyStreet (and mySociety's adapter) can send -> the detailed status it gives an open request.
FROM_OPEN = {
    "UNCHANGED": "received", "OPEN": "received", "REOPEN": "received", "FOR_TRIAGE": "received",
    "FIXED": "fixed", "CLOSED": "closed", "INVESTIGATING": "investigating", "IN_PROGRESS": "in_progress",
    "ACTION_SCHEDULED": "action_scheduled", "PLANNED": "action_scheduled", "DUPLICATE": "duplicate",
    "NOT_COUNCILS_RESPONSIBILITY": "not_responsible", "INTERNAL_REFERRAL": "not_responsible",
    "NO_FURTHER_ACTION": "no_further_action", "CANCELLED": "cancelled",
}  # fmt: skip


@pytest.mark.parametrize(("state", "expected"), FROM_OPEN.items())
def test_every_status_fixmystreet_sends_with_extended_statuses(client, staff_key, report, state, expected):
    """A city's own FixMyStreet posts with a staff key and extended statuses."""
    post_comment(client, staff_key, fixmystreet_comment(report, 200, state, "Mise à jour"))
    assert detailed_status(client, report) == expected


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("OPEN", "reopened"),
        ("REOPEN", "reopened"),
        ("CLOSED", "fixed"),
        ("FIXED", "fixed"),
        ("IN_PROGRESS", "in_progress"),
    ],
)
def test_statuses_on_a_fixed_report(client, staff, staff_key, report, state, expected):
    """On a closed report OPEN/REOPEN reopen it, CLOSED/FIXED are comments, a named state is set."""
    staff(report, detailed_status="fixed")
    post_comment(client, staff_key, fixmystreet_comment(report, 300, state))
    assert detailed_status(client, report) == expected


def test_a_status_the_request_already_has_is_a_comment_even_for_a_client_key(client, api_key, staff, report):
    staff(report, detailed_status="in_progress")
    post_comment(client, api_key, fixmystreet_comment(report, 400, "IN_PROGRESS", "Je confirme"))
    assert detailed_status(client, report) == "in_progress"
    # A change to another staff status is not the reporter's to make.
    form = fixmystreet_comment(report, 401, "NO_FURTHER_ACTION")
    assert client.post(UPDATES, data={"api_key": api_key, **form}).status_code == 403


def test_several_media_urls_and_personal_data_stored_apart(session, client, api_key, staff_key, report):
    photos = ["https://fms.example/photo/1.full.jpeg", "https://fms.example/photo/2.full.jpeg"]
    form = fixmystreet_comment(
        report, 500, "OPEN", phone="+33 1 23 45 67 89", title="Mme", email_alerts_requested="TRUE",
        service_code="5201", media_url=photos,
    )  # fmt: skip
    update_id = int(post_comment(client, api_key, form))
    update = session.get(RequestUpdate, update_id)
    assert (update.media_url, update.media_urls) == (photos[0], photos)
    assert session.get(ServiceRequest, int(report)).media_url == photos[0]
    contact = session.get(RequestUpdateContact, update_id)
    assert (contact.first_name, contact.last_name, contact.email, contact.phone, contact.title) == (
        "Camille", "-", "camille@example.fr", "+33 1 23 45 67 89", "Mme",
    )  # fmt: skip
    assert contact.email_alerts_requested is True
    for url in (
        f"{UPDATES}?jurisdiction_id=paris.fr",
        "/open311/v2/servicerequestupdates.json?jurisdiction_id=paris.fr",
        f"/open311/v2/requests/{report}.json?jurisdiction_id=paris.fr&extensions=true",
        f"/open311/v2/requests/{report}/updates.json?jurisdiction_id=paris.fr&api_key={staff_key}",
    ):
        body = client.get(url).data.decode()
        assert "camille@example.fr" not in body and "+33 1 23" not in body and "Camille" not in body


def test_an_update_id_is_per_key(session, client, api_key, staff_key, report):
    """Two apps number their comments alike: the same update_id from another key is another update."""
    mine = post_comment(client, api_key, fixmystreet_comment(report, 600, "OPEN"))
    theirs = post_comment(client, staff_key, fixmystreet_comment(report, 600, "OPEN", "Autre appli"))
    assert mine != theirs


def test_eight_identical_posts_racing_give_one_update_and_its_id(live):
    """Finding 3: eight concurrent copies of one update gave 500s (a unique violation)."""
    from sqlalchemy.orm import Session

    from open311.logic.api_keys import create_key

    engine = live.extensions["open311.db"].engine
    with Session(engine) as session:
        _row, key = create_key(session, "FixMyStreet")
        session.commit()
    client = live.test_client()
    reports = [
        client.post(
            "/open311/v2/requests.json",
            # Two different reports: identical submissions from one key would be folded into one.
            data={"api_key": key, "jurisdiction_id": "paris.fr", **POTHOLE, "description": f"Nid de poule n°{n}"},
        ).get_json()[0]["service_request_id"]
        for n in range(2)
    ]

    def post(index):
        # Six copies for one report and two (a client bug) for another: the constraint decides.
        form = fixmystreet_comment(reports[index // 6], 777, "FIXED", "Réparé")
        reply = live.test_client().post(UPDATES, data={"api_key": key, **form})
        return reply.status_code, ET.fromstring(reply.data).findtext("request_update/update_id")

    results = release_together(8, post)
    assert {status for status, _ in results} == {200}, results
    assert len({update_id for _, update_id in results}) == 1, results
    with Session(engine) as session:
        rows = session.scalars(select(RequestUpdate).where(RequestUpdate.client_update_id == "777")).all()
        assert len(rows) == 1
        assert [session.get(ServiceRequest, int(r)).detailed_status for r in reports].count("fixed") == 1
