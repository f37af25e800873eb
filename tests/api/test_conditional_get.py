"""Conditional GETs of the listings (Extension): ETag / Last-Modified, 304 without reading rows, and a
validator that changes at once with the data, whoever writes it and however commits interleave.

Tests that change data use the live application (real commits: the counter is bumped as a transaction
commits, and the tests' own transactions never do).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from open311.api.conditional import make_tag, read_tag
from open311.logic.api_keys import create_key
from open311.logic.importer import import_requests
from open311.logic.jurisdictions import resolve_jurisdiction
from open311.logic.request_search import Window

from ..conftest import POTHOLE, release_together

LISTING = "/open311/v2/requests.json?jurisdiction_id=paris.fr"


def etag_of(reply) -> str:
    assert reply.status_code == 200, reply.get_data(as_text=True)
    tag = reply.headers["ETag"]
    assert tag.startswith('W/"') and tag.endswith('"')
    return tag


def poll(client, url: str, tag: str):
    return client.get(url, headers={"If-None-Match": tag})


# -- answers, without changes ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_repeated_listing_is_304_with_the_validators_and_no_body(client, fmt):
    url = f"/open311/v2/requests.{fmt}?jurisdiction_id=paris.fr&service_code=5201"
    first = client.get(url)
    tag = etag_of(first)
    assert first.headers["Cache-Control"] == "no-cache"
    assert "Accept-Encoding" in first.headers["Vary"]
    again = poll(client, url, tag)
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"].startswith('W/"') and again.headers["Cache-Control"] == "no-cache"
    assert "Accept-Encoding" in again.headers["Vary"]
    # The 304's tag (the window moved on) works as well as the first one.
    assert poll(client, url, again.headers["ETag"]).status_code == 304
    assert client.head(url, headers={"If-None-Match": tag}).status_code == 304


def test_the_304_reads_no_row(connection, client, monkeypatch):
    from open311.db import CompiledStatement

    tag = etag_of(client.get(LISTING))
    statements: list[str] = []
    original = CompiledStatement.fetch

    def fetch(self, session, params):
        statements.append(self.sql)
        return original(self, session, params)

    monkeypatch.setattr(CompiledStatement, "fetch", fetch)
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(connection, "before_cursor_execute", listener)
    try:
        assert poll(client, LISTING, tag).status_code == 304
    finally:
        event.remove(connection, "before_cursor_execute", listener)
    reading_requests = [sql for sql in statements if "service_request" in sql]
    assert len(reading_requests) == 1
    assert "listing_version" in reading_requests[0] and "JOIN service " not in reading_requests[0]


def test_a_tag_is_only_good_for_its_own_url(client):
    tag = etag_of(client.get(LISTING))
    for other in (
        LISTING + "&service_code=5201",
        LISTING.replace("requests.json", "requests.xml"),
        LISTING.replace("/v2/", "/test/v2/"),
        LISTING + "&page_size=10",
    ):
        assert poll(client, other, tag).status_code == 200, other
    assert poll(client, LISTING, 'W/"1.1.0123456789abcdef"').status_code == 200
    assert poll(client, LISTING, '"not ours", W/"neither"').status_code == 200
    assert poll(client, LISTING, f'"elsewhere", {tag}').status_code == 304


def test_a_moving_window_answers_200_once_a_request_left_it(session, client):
    """The default window is the last 90 days: an old tag whose window began before a request that has
    left the window since is not current, even though nothing was written."""
    reply = client.get(LISTING)
    jurisdiction_id, version, digest, window, _bounds = read_tag(etag_of(reply)[3:-1])
    assert window.moving
    session.execute(
        text(
            "INSERT INTO service_request (jurisdiction_id, service_id, requested_datetime, location) "
            "SELECT :j, id, now() - interval '95 days', ST_SetSRID(ST_MakePoint(2.29, 48.85), 4326) "
            "FROM service WHERE jurisdiction_id = :j LIMIT 1"
        ),
        {"j": jurisdiction_id},
    )  # committed by nobody: the counter stays as it was in the test's transaction
    session.flush()
    week = timedelta(days=7)
    older = Window(window.start - week, window.end - week, moving=True)
    assert poll(client, LISTING, f'W/"{make_tag(jurisdiction_id, version, digest, older)}"').status_code == 200
    assert poll(client, LISTING, f'W/"{make_tag(jurisdiction_id, version, digest, window)}"').status_code == 304


def settled_reply(client, url: str):
    """The answer once the counter's last change has settled (a live test may have bumped it just now)."""
    for _attempt in range(3):
        reply = client.get(url)
        if "Last-Modified" in reply.headers:
            return reply
        time.sleep(1.1)
    raise AssertionError("no Last-Modified three seconds after the last change")


def test_last_modified_is_exact_and_if_modified_since_answers_304(client):
    url = LISTING + "&start_date=2020-01-01T00:00:00Z&end_date=2030-01-01T00:00:00Z"
    reply = settled_reply(client, url)
    modified = reply.headers["Last-Modified"]
    assert reply.last_modified <= datetime.now(UTC)
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    later = (reply.last_modified + timedelta(seconds=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert client.get(url, headers={"If-Modified-Since": later}).status_code == 200  # exact matches only
    # If-None-Match takes precedence (RFC 9110 §13.2.2).
    both = {"If-Modified-Since": modified, "If-None-Match": 'W/"other"'}
    assert client.get(url, headers=both).status_code == 200
    assert client.get(url, headers={"If-None-Match": "*"}).status_code == 304


def test_a_bad_listing_is_400_whatever_the_conditions(client):
    modified = client.get(LISTING).headers.get("Last-Modified") or "Mon, 30 Nov 2026 14:26:02 GMT"
    for query in ("&bbox=3,49,2,48", "&start_date=yesterday", "&lat=48.85", "&status=pending"):
        for condition in ({"If-Modified-Since": modified}, {"If-None-Match": "*"}):
            reply = client.get(LISTING + query, headers=condition)
            assert reply.status_code == 400, (query, condition)


# -- the validator changes with the data --------------------------------------------------------------


@pytest.fixture()
def keys(live):
    with Session(live.extensions["open311.db"].engine) as session:
        _row, client_key = create_key(session, "polling app")
        paris = resolve_jurisdiction(session, "paris.fr")
        _row, staff_key = create_key(session, "Paris ops desk", paris, role="staff")
        session.commit()
    return client_key, staff_key


def _post(client, key: str, **fields) -> str:
    reply = client.post(
        "/open311/v2/requests.json", data={"api_key": key, "jurisdiction_id": "paris.fr", **POTHOLE, **fields}
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return reply.get_json()[0]["service_request_id"]


def _staff(client, key: str, request_id: str, **fields) -> None:
    data = {"api_key": key, "jurisdiction_id": "paris.fr", **fields}
    reply = client.post(f"/open311/v2/requests/{request_id}/updates.json", data=data)
    assert reply.status_code == 200, reply.get_data(as_text=True)


def test_every_kind_of_write_changes_the_validator_at_once(live, keys, tmp_path):
    client_key, staff_key = keys
    client = live.test_client()
    urls = [
        LISTING,
        LISTING.replace(".json", ".xml") + "&start_date=2020-01-01T00:00:00Z&end_date=2030-01-01T00:00:00Z",
    ]
    tags = {url: etag_of(client.get(url)) for url in urls}

    def changed(what: str) -> None:
        for url in urls:
            reply = poll(client, url, tags[url])
            assert reply.status_code == 200, f"{what}: {url} still 304"
            assert reply.headers["ETag"] != tags[url]
            tags[url] = reply.headers["ETag"]
            assert poll(client, url, tags[url]).status_code == 304

    first = _post(client, client_key)
    changed("POST")
    _staff(client, staff_key, first, detailed_status="in_progress", note="On it")
    changed("status change")
    _staff(client, staff_key, first, department="DEVE")
    changed("reassignment")
    second = _post(client, client_key, lat="48.85845")
    changed("POST")
    _staff(client, staff_key, second, duplicate_of=first)
    changed("merge")
    source = tmp_path / "history.csv"
    source.write_text(
        "external_id,service_code,requested_datetime,status,lat,long\n"
        f"CONDITIONAL-1,5201,{datetime.now(UTC) - timedelta(days=2):%Y-%m-%dT%H:%M:%SZ},closed,48.8584,2.2945\n"
    )
    with Session(live.extensions["open311.db"].engine) as session:
        report = import_requests(session, resolve_jurisdiction(session, "paris.fr"), source, source_format="generic")
        assert report.imported == 1
    changed("import")
    with live.extensions["open311.db"].engine.begin() as connection:  # what a retention job does
        connection.execute(text("DELETE FROM service_request WHERE id = :id"), {"id": int(second)})
    changed("deletion")


def test_a_catalogue_change_changes_the_validator(live):
    client = live.test_client()
    tag = etag_of(client.get(LISTING))
    with live.extensions["open311.db"].engine.begin() as connection:
        connection.execute(text("UPDATE department SET name = name WHERE code = 'DEVE'"))
    assert poll(client, LISTING, tag).status_code == 200


def test_concurrent_posts_bump_once_each_and_no_poll_sees_a_stale_validator(live, keys):
    client_key, _staff_key = keys
    engine = live.extensions["open311.db"].engine

    def version() -> int:
        with engine.connect() as connection:
            return connection.scalar(
                text(
                    "SELECT version FROM listing_version v JOIN jurisdiction j ON j.id = v.jurisdiction_id WHERE j.jurisdiction_id = 'paris.fr'"
                )
            )

    before = version()
    client = live.test_client()
    tag = etag_of(client.get(LISTING))

    def work(index: int):
        if index % 2:
            return _post(live.test_client(), client_key, lat=str(48.8580 + index / 100_000))
        return live.test_client().get(LISTING, headers={"If-None-Match": tag}).status_code

    results = release_together(12, work)
    assert version() == before + 6
    assert all(result in (200, 304) for result in results[::2])
    assert poll(client, LISTING, tag).status_code == 200


def test_a_commit_between_the_counter_and_the_rows_costs_one_more_200_never_a_stale_304(live, keys, monkeypatch):
    """A client that sends a validator gets the counter read first, and the rows only if they are
    needed: a change committed between the two may be in the rows of an answer labelled with the older
    version, so the next poll is a 200 (never a 304 for data that lacks the change)."""
    from open311.logic.request_search import PreparedListing

    client_key, staff_key = keys
    client = live.test_client()
    request_id = _post(client, client_key)
    original = PreparedListing.pin
    changes: list[str] = []

    def pin_then_commit(listing, highest_id):
        if not changes:  # a staff change commits on its own connection, after the counter was read
            changes.append(request_id)
            _staff(live.test_client(), staff_key, request_id, detailed_status="fixed", note="Done")
        return original(listing, highest_id)

    monkeypatch.setattr(PreparedListing, "pin", pin_then_commit)
    reply = client.get(LISTING, headers={"If-None-Match": 'W/"not-this-one"'})
    monkeypatch.setattr(PreparedListing, "pin", original)
    assert changes == [request_id]
    (record,) = [record for record in reply.get_json() if record["service_request_id"] == request_id]
    assert record["status"] == "closed"  # the rows were read after the change
    again = poll(client, LISTING, etag_of(reply))
    assert again.status_code == 200
    assert again.headers["ETag"] != reply.headers["ETag"]


def test_without_a_validator_the_counter_and_the_rows_share_one_snapshot_and_one_round_trip(live, keys, monkeypatch):
    """A listing asked without a validator reads its counter, its highest id and its rows in one
    snapshot, in one round trip: each submission committing at the same time is in all three or in none."""
    from open311.logic import request_search

    client_key, _staff_key = keys
    original = request_search.fetch_in_one_snapshot
    together: list[bool] = []

    def spied(session, statements):
        rows = original(session, statements)
        together.append(rows is not None)
        return rows

    monkeypatch.setattr(request_search, "fetch_in_one_snapshot", spied)
    before = read_tag(etag_of(live.test_client().get(LISTING))[3:-1])[1]

    def work(index: int):
        if index % 2:
            return _post(live.test_client(), client_key, lat=str(48.8580 + index / 100_000))
        return live.test_client().get(LISTING)

    results = release_together(12, work)
    posted = {int(request_id) for request_id in results[1::2]}
    assert len(together) == 7 and all(together)
    for reply in results[::2]:
        version = read_tag(etag_of(reply)[3:-1])[1]
        snapshot = int(reply.headers["X-Snapshot"])
        listed = {int(record["service_request_id"]) for record in reply.get_json()} & posted
        assert len(listed) == version - before  # the submissions the counter counts, no more, no fewer
        assert all(request_id <= snapshot for request_id in listed)
    final = live.test_client().get(LISTING)
    assert posted <= {int(record["service_request_id"]) for record in final.get_json()}
    assert read_tag(etag_of(final)[3:-1])[1] == before + len(posted)


def test_a_writer_committing_holds_back_last_modified_and_later_writers(live, keys):
    """A transaction that bumped the counter but has not committed yet locks its row: readers see the
    older version and get no Last-Modified (its second may still change); a second writer waits, then
    takes a later time, so the two changes never share a Last-Modified."""
    client_key, _staff_key = keys
    engine = live.extensions["open311.db"].engine
    client = live.test_client()
    url = LISTING + "&start_date=2020-01-01T00:00:00Z&end_date=2030-01-01T00:00:00Z"
    settled = settled_reply(client, url)
    with engine.connect() as connection:
        paris = {"j": connection.scalar(text("SELECT id FROM jurisdiction WHERE jurisdiction_id = 'paris.fr'"))}
    counter = text("SELECT changed_at FROM listing_version WHERE jurisdiction_id = :j")
    with engine.connect() as first:
        first.execute(
            text(
                "INSERT INTO service_request (jurisdiction_id, service_id, location) "
                "SELECT :j, id, ST_SetSRID(ST_MakePoint(2.29, 48.85), 4326) FROM service WHERE jurisdiction_id = :j "
                "LIMIT 1"
            ),
            paris,
        )
        first.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))  # the bump runs now, as it would at commit
        first_time = first.scalar(counter, paris)
        during = client.get(url)
        assert during.headers["ETag"] == settled.headers["ETag"]
        assert "Last-Modified" not in during.headers
        second = threading.Thread(target=_post, args=(live.test_client(), client_key))
        second.start()
        second.join(1.0)
        assert second.is_alive()  # waiting for the counter's row
        first.commit()
    second.join(30)
    with engine.connect() as connection:
        last_time = connection.scalar(counter, paris)
    assert last_time > first_time
    assert poll(client, url, settled.headers["ETag"]).status_code == 200
