"""Rate limits: per key and per client address, 429 with Retry-After and the IETF RateLimit headers,
shared by every worker through the store, identical submissions folded."""

from __future__ import annotations

import re
import secrets
import time

import pytest
from lxml import etree

from open311.logic.api_keys import create_key
from open311.logic.rate_limits import Limiter, Policy, PostgresStore

from ..conftest import POTHOLE

#: draft-ietf-httpapi-ratelimit-headers: a list of "name";q=N;w=N and "name";r=N;t=N items.
POLICY_ITEM = re.compile(r'^"[a-z]+";q=\d+;w=\d+$')
STATE_ITEM = re.compile(r'^"[a-z]+";r=\d+;t=\d+$')


class FakeStore:
    """A shared store in memory, with a count of round trips."""

    def __init__(self):
        self.counts: dict[tuple[str, int], int] = {}
        self.round_trips = 0

    def add(self, bucket, window_start, window, hits):
        self.round_trips += 1
        self.counts[bucket, window_start] = self.counts.get((bucket, window_start), 0) + hits
        return self.counts[bucket, window_start]

    def sweep(self, before):
        pass


class Clock:
    def __init__(self, now: float = 1_000_040.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_small_quota_is_counted_hit_by_hit_and_refused_exactly():
    store, clock = FakeStore(), Clock()
    workers = [Limiter(store, clock) for _ in range(4)]
    decisions = [workers[n % 4].hit("app", Policy("key", 10)) for n in range(30)]
    assert [d.allowed for d in decisions] == [True] * 10 + [False] * 20
    assert [d.remaining for d in decisions[:10]] == list(range(9, -1, -1))
    assert decisions[-1].reset == 40  # the window started 20 s ago (at 1,000,020)


def test_a_large_quota_costs_one_round_trip_per_batch_and_overshoots_by_less_than_a_batch_per_worker():
    store, clock = FakeStore(), Clock()
    workers = [Limiter(store, clock) for _ in range(8)]
    admitted = sum(workers[n % 8].hit("app", Policy("key", 6000)).allowed for n in range(8000))
    batch = 6000 // 200
    assert 6000 <= admitted <= 6000 + 8 * (batch - 1)
    assert store.round_trips <= 8000 / batch + 8


def test_a_new_window_starts_afresh():
    store, clock = FakeStore(), Clock()
    limiter = Limiter(store, clock)
    assert [limiter.hit("app", Policy("key", 2)).allowed for _ in range(3)] == [True, True, False]
    clock.now += 60
    assert limiter.hit("app", Policy("key", 2)).allowed


def test_when_the_store_fails_requests_are_admitted():
    class Down(FakeStore):
        def add(self, *args):
            raise ConnectionError("store down")

    limiter = Limiter(Down(), Clock())
    assert all(limiter.hit("app", Policy("key", 5)).allowed for _ in range(3))


def test_workers_share_the_postgresql_store(engine):
    store, clock = PostgresStore.for_engine(engine), Clock()
    workers = [Limiter(store, clock) for _ in range(3)]
    bucket = f"10.0.0.{secrets.randbelow(250)}-{secrets.token_hex(4)}"
    allowed = [workers[n % 3].hit(bucket, Policy("address", 7)).allowed for n in range(12)]
    assert allowed == [True] * 7 + [False] * 5


@pytest.fixture()
def limited_key(session):
    """A client key with its own limit of 3 requests a minute."""
    _row, key = create_key(session, "small app", rate_limit=3)
    return key


def test_a_keys_own_quota_then_429_with_retry_after_and_the_ratelimit_headers(client, limited_key):
    replies = [
        client.get("/open311/v2/services.json?jurisdiction_id=paris.fr", headers={"X-API-Key": limited_key})
        for _ in range(4)
    ]
    assert [reply.status_code for reply in replies] == [200, 200, 200, 429]
    assert replies[0].headers["RateLimit-Policy"] == '"key";q=3;w=60'
    assert [reply.headers["RateLimit"].split(";")[1] for reply in replies] == ["r=2", "r=1", "r=0", "r=0"]
    refused = replies[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit"] == f'"key";r=0;t={refused.headers["Retry-After"]}'
    assert refused.get_json()[0]["code"] == 429 and "try again in" in refused.get_json()[0]["description"]


def test_the_429_is_in_the_requested_format(client, limited_key):
    for _ in range(3):
        client.get(f"/open311/v2/requests.xml?api_key={limited_key}&jurisdiction_id=paris.fr")
    refused = client.get(f"/open311/v2/requests.xml?api_key={limited_key}&jurisdiction_id=paris.fr")
    assert refused.status_code == 429 and refused.content_type == "text/xml"
    assert etree.fromstring(refused.data).findtext("error/code") == "429"


def test_unkeyed_reads_are_limited_per_client_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_ADDRESS", 2)
    path = "/open311/v2/services.json?jurisdiction_id=paris.fr"
    first = {"REMOTE_ADDR": "203.0.113.7"}
    assert [client.get(path, environ_base=first).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(path, environ_base={"REMOTE_ADDR": "203.0.113.8"}).status_code == 200
    ipv6 = [{"REMOTE_ADDR": f"2001:db8:1:2::{n}"} for n in (1, 2, 3)]  # one /64: one client
    assert [client.get(path, environ_base=e).status_code for e in ipv6] == [200, 200, 429]
    policy = client.get(path, environ_base={"REMOTE_ADDR": "198.51.100.1"}).headers["RateLimit-Policy"]
    assert policy == '"address";q=2;w=60'


def test_writes_have_their_own_quota_per_key(app, client, api_key, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_WRITES", 2)
    statuses = [
        client.post(
            "/open311/v2/requests.json",
            data={"api_key": api_key, "jurisdiction_id": "paris.fr", **POTHOLE, "description": f"n° {n}"},
        ).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    reply = client.get("/open311/v2/services.json?jurisdiction_id=paris.fr", headers={"X-API-Key": api_key})
    assert reply.status_code == 200  # reads go on
    headers = client.post("/open311/v2/requests.json", data={"api_key": api_key}).headers
    assert headers["RateLimit-Policy"] == '"key";q=6000;w=60, "writes";q=2;w=60'
    assert all(STATE_ITEM.match(item) for item in headers["RateLimit"].split(", "))


def test_every_counted_answer_carries_well_formed_headers(client):
    headers = client.get("/open311/v2/discovery.json?jurisdiction_id=paris.fr").headers
    assert all(POLICY_ITEM.match(item) for item in headers["RateLimit-Policy"].split(", "))
    assert all(STATE_ITEM.match(item) for item in headers["RateLimit"].split(", "))


def test_identical_submissions_get_the_first_answer_and_store_nothing(app, client, api_key, session, monkeypatch):
    from sqlalchemy import func, select

    from open311.models import OutboxEvent, ServiceRequest

    monkeypatch.setitem(app.config, "SUBMISSION_FOLD_SECONDS", 120)
    stored, queued = (
        session.scalar(select(func.count(ServiceRequest.id))),
        session.scalar(select(func.count(OutboxEvent.id))),
    )
    form = {"api_key": api_key, "jurisdiction_id": "paris.fr", **POTHOLE, "description": "Deux fois le même"}
    answers = [client.post("/open311/v2/requests.xml", data=form) for _ in range(25)]
    assert {reply.status_code for reply in answers} == {200} and len({reply.data for reply in answers}) == 1
    assert session.scalar(select(func.count(ServiceRequest.id))) == stored + 1
    assert session.scalar(select(func.count(OutboxEvent.id))) - queued <= 1
    other = client.post("/open311/v2/requests.xml", data={**form, "description": "Un autre"})
    assert other.status_code == 200 and other.data != answers[0].data
    assert session.scalar(select(func.count(ServiceRequest.id))) == stored + 2


def test_a_submission_counts_its_write_in_its_own_transaction(app, client, api_key, engine, session, monkeypatch):
    """With the counters in PostgreSQL, POST requests counts its write with its fingerprint (one round
    trip); a submission over the write quota is rolled back and answered 429."""
    from sqlalchemy import func, select

    from open311.models import ServiceRequest

    now = time.time()
    monkeypatch.setitem(app.extensions, "open311.limiter", Limiter(PostgresStore.for_engine(engine), clock=lambda: now))
    monkeypatch.setitem(app.config, "RATE_LIMIT_WRITES", 2)
    monkeypatch.setitem(app.config, "SUBMISSION_FOLD_SECONDS", 120)
    before = session.scalar(select(func.count(ServiceRequest.id)))
    form = {"api_key": api_key, "jurisdiction_id": "paris.fr", **POTHOLE}
    replies = [client.post("/open311/v2/requests.json", data={**form, "description": f"n° {n}"}) for n in range(3)]
    assert [reply.status_code for reply in replies] == [200, 200, 429]
    assert replies[1].headers["RateLimit"].endswith('"writes";r=0;t=' + replies[1].headers["RateLimit"].split("t=")[-1])
    assert int(replies[2].headers["Retry-After"]) >= 1
    assert session.scalar(select(func.count(ServiceRequest.id))) == before + 2
    again = client.post("/open311/v2/requests.json", data={**form, "description": "n° 0"})
    assert again.get_json() == replies[0].get_json()  # an identical one is folded, not counted
