"""Retention: personal data, photos and sandbox requests go when their time is up, and nothing else
changes (every row of every table compared before and after)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from open311.cli import main
from open311.logic.jurisdictions import resolve_jurisdiction
from open311.logic.opendata.retention import local_media_file, retention
from open311.models import Base, RequestUpdate, RequestUpdateContact, ServiceRequestContact

from ..factories import make_request, make_sandbox

YEAR = timedelta(days=365)
PHOTO = "0123456789abcdef0123456789abcdef.jpg"


def _request(session, *, closed_age: timedelta | None, age: timedelta, media_dir, photo: str | None = None, **more):
    """A request made ``age`` ago, closed ``closed_age`` ago (None: open), with a contact, a citizen's
    update carrying a contact and, if given, a photo kept by the server."""
    request = make_request(
        session, age=age, updated_age=closed_age if closed_age is not None else age,
        detailed_status="fixed" if closed_age is not None else "received", **more,
    )  # fmt: skip
    session.add(ServiceRequestContact(request_id=request.id, email="jean@example.org", phone="0612345678"))
    url = None
    if photo:
        (media_dir / photo).write_bytes(b"\xff\xd8\xff photo")
        url = f"http://127.0.0.1:5000/media/{photo}"
        request.media_url = url
    update = RequestUpdate(
        jurisdiction_id=request.jurisdiction_id, request_id=request.id, kind="citizen", new_status="fixed",
        note="Toujours là", media_url=url,
    )  # fmt: skip
    session.add(update)
    session.flush()
    session.add(RequestUpdateContact(update_id=update.id, email="marie@example.org"))
    session.flush()
    return request.id


@pytest.fixture()
def city(session, tmp_path):
    """Paris keeping contacts 12 months, photos 6 months and sandbox requests 30 days; New York keeps all."""
    paris = resolve_jurisdiction(session, "paris.fr")
    paris.retention_contact_months, paris.retention_media_months, paris.retention_sandbox_days = 12, 6, 30
    sandbox = make_sandbox(session)
    ids = {
        "closed_2_years": _request(session, closed_age=2 * YEAR, age=3 * YEAR, media_dir=tmp_path, photo=PHOTO),
        "closed_8_months": _request(session, closed_age=YEAR * 8 / 12, age=YEAR, media_dir=tmp_path,
                                    photo="f" * 32 + ".png"),
        "closed_1_month": _request(session, closed_age=YEAR / 12, age=YEAR, media_dir=tmp_path,
                                   photo="e" * 32 + ".png"),
        "open_3_years": _request(session, closed_age=None, age=3 * YEAR, media_dir=tmp_path, photo="d" * 32 + ".png"),
        "new_york": _request(session, closed_age=2 * YEAR, age=3 * YEAR, media_dir=tmp_path, jurisdiction_id="nyc.gov",
                             service_code="pothole", lon=-73.9855, lat=40.7580),
    }  # fmt: skip
    # Sandbox requests are made in the sandbox twin (same catalogue: the factory places them in Paris).
    for name, age in (("sandbox_40_days", timedelta(days=40)), ("sandbox_10_days", timedelta(days=10))):
        ids[name] = _request(session, closed_age=None, age=age, media_dir=tmp_path)
        session.execute(text("UPDATE service_request SET jurisdiction_id = :s WHERE id = :id"),
                        {"s": sandbox.id, "id": ids[name]})  # fmt: skip
    session.expire_all()
    return ids


def snapshot(session) -> dict[str, dict[tuple, str]]:
    """Every row of every table, by primary key."""
    rows = {}
    for table in Base.metadata.sorted_tables:
        keys = [column.name for column in table.primary_key.columns]
        result = session.execute(text(f"SELECT {', '.join(keys)}, t::text FROM {table.name} t"))  # noqa: S608
        rows[table.name] = {tuple(row[:-1]): row[-1] for row in result}
    return rows


def difference(before: dict, after: dict) -> dict[str, dict[str, set]]:
    changes = {}
    for table, old in before.items():
        new = after[table]
        removed = set(old) - set(new)
        changed = {key for key in set(old) & set(new) if old[key] != new[key]}
        added = set(new) - set(old)
        if removed or changed or added:
            changes[table] = {"removed": removed, "changed": changed, "added": added}
    return changes


def _history(session, request_id: int) -> set[tuple]:
    return {(i,) for i in session.scalars(select(RequestUpdate.id).where(RequestUpdate.request_id == request_id))}


def test_a_dry_run_counts_and_changes_nothing(session, city, tmp_path):
    before = snapshot(session)
    report = retention(session, tmp_path, apply=False)
    paris = next(c for c in report.jurisdictions if c.jurisdiction_id == "paris.fr")
    assert (paris.contacts, paris.update_contacts) == (1, 1)
    assert (paris.media_requests, paris.media_files) == (2, 2)
    assert paris.sandbox_requests == 1
    new_york = next(c for c in report.jurisdictions if c.jurisdiction_id == "nyc.gov")
    assert (new_york.contacts, new_york.media_requests, new_york.sandbox_requests) == (0, 0, 0)
    assert snapshot(session) == before and len(list(tmp_path.iterdir())) == 4


def test_apply_deletes_what_is_due_and_nothing_else(session, city, tmp_path):
    old, eight, sandbox = city["closed_2_years"], city["closed_8_months"], city["sandbox_40_days"]
    sandbox_history = _history(session, sandbox)
    before = snapshot(session)
    messages: list[str] = []
    report = retention(session, tmp_path, apply=True, batch_size=1, progress=messages.append)
    paris = next(c for c in report.jurisdictions if c.jurisdiction_id == "paris.fr")
    assert (paris.contacts, paris.update_contacts, paris.media_requests, paris.media_files, paris.sandbox_requests) == (
        1, 1, 2, 2, 1,
    )  # fmt: skip
    assert len(messages) == 4  # one a batch of one request
    changes = difference(before, snapshot(session))
    assert changes["service_request_contact"] == {"removed": {(old,), (sandbox,)}, "changed": set(), "added": set()}
    assert changes["service_request"] == {"removed": {(sandbox,)}, "changed": {(old,), (eight,)}, "added": set()}
    assert changes["request_update"]["removed"] == sandbox_history
    assert changes["request_update"]["changed"] == _history(session, old) | _history(session, eight)
    assert changes["service_request_area"]["removed"] and not changes["service_request_area"]["changed"]
    assert changes["request_update_contact"]["removed"] == {(u,) for (u,) in _history(session, old) | sandbox_history}
    assert not changes["request_update_contact"]["changed"] and not changes["request_update_contact"]["added"]
    # The statistics' queue of pending changes hears of the deleted sandbox request (their triggers see
    # every deletion); it only ever grows, and nothing else changed.
    assert not changes.get("stats_pending", {}).get("removed") and not changes.get("stats_pending", {}).get("changed")
    assert set(changes) - {"stats_pending"} == {
        "service_request_contact", "service_request", "request_update", "request_update_contact",
        "service_request_area",
    }  # fmt: skip
    # What changed is what was due: personal data and photos, nothing else of those rows.
    row = session.execute(text("SELECT media_url, status_notes FROM service_request WHERE id = :id"), {"id": old}).one()
    assert row.media_url is None
    notes = session.execute(
        text(
            "SELECT c.email, u.media_url, u.note FROM request_update u "
            "JOIN request_update_contact c ON c.update_id = u.id WHERE u.request_id = :id AND u.kind = 'citizen'"
        ),
        {"id": eight},
    ).one()
    assert notes.email == "marie@example.org" and notes.media_url is None and notes.note == "Toujours là"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d" * 32 + ".png", "e" * 32 + ".png"]
    assert retention(session, tmp_path, apply=True).jurisdictions[0].contacts == 0  # nothing left to do


def test_a_reopened_request_is_open_again_and_keeps_its_data(session, city, tmp_path):
    session.execute(
        text("UPDATE service_request SET detailed_status = 'reopened' WHERE id = :id"), {"id": city["closed_2_years"]}
    )
    closed = session.scalar(
        text("SELECT closed_datetime FROM service_request WHERE id = :id"), {"id": city["closed_2_years"]}
    )
    assert closed is None
    paris = retention(session, tmp_path, apply=False).jurisdictions[0]
    assert (paris.contacts, paris.media_requests) == (0, 1)


def test_only_the_servers_own_photos_are_files_to_delete(tmp_path):
    assert local_media_file(f"https://city.example/media/{PHOTO}", tmp_path) == tmp_path / PHOTO
    for url in (None, "https://photos.example.org/trou.jpg", f"https://x/media/../{PHOTO}", "https://x/media/passwd"):
        assert local_media_file(url, tmp_path) is None


def test_the_command_wants_a_mode_and_prints_what_is_due(engine):
    env = {"OPEN311_DATABASE_URL": engine.url.render_as_string(False)}
    assert CliRunner().invoke(main, ["retention"], env=env).exit_code == 2
    result = CliRunner().invoke(main, ["retention", "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert "paris.fr: 0 contacts" in result.output and "dry run, nothing deleted" in result.output
