"""Extension: GETs read from a streaming replica (a second local cluster fed by pg_basebackup)."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from open311 import create_app
from open311.cluster import Cluster, ClusterError, find_bindir
from open311.config import load_settings
from open311.db import get_session, make_engine
from open311.logic.api_keys import create_key
from open311.logic.city_loader import load_city
from open311.provision import ensure_database, upgrade

from ..conftest import PARIS, POTHOLE


def free_port() -> int:
    """A TCP port nothing listens on now (several checkouts may run their suites on one machine)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def clusters():
    """A small primary and its replica under var/test-replication (the postgres user can reach var/)."""
    try:
        find_bindir()
    except ClusterError as exc:
        pytest.skip(str(exc))
    base = Path(load_settings()["VAR_DIR"]) / "test-replication"
    shutil.rmtree(base, ignore_errors=True)
    primary, replica = Cluster(base / "primary", free_port()), Cluster(base / "replica", free_port())
    primary.ensure_running()
    replica.replicate_from(primary)
    replica.start()
    yield primary, replica
    replica.stop()
    primary.stop()
    shutil.rmtree(base, ignore_errors=True)


def test_gets_read_from_the_replica_and_writes_go_to_the_primary(clusters):
    primary, replica = clusters
    ensure_database(primary.url())
    upgrade(primary.url())
    engine = make_engine(primary.url())
    with Session(engine) as session:
        load_city(session, PARIS, allow_private_webhooks=True)
        _row, key = create_key(session, "replica test")
        session.commit()
    engine.dispose()

    app = create_app({"DATABASE_URL": primary.url(), "READ_DATABASE_URL": replica.url(), "CATALOG_CACHE_SECONDS": 0})
    with app.test_request_context("/open311/v2/requests.json", method="GET"):
        assert get_session().scalar(text("SELECT pg_is_in_recovery()")) is True
    with app.test_request_context("/open311/v2/requests.json", method="POST"):
        assert get_session().scalar(text("SELECT pg_is_in_recovery()")) is False

    client = app.test_client()
    posted = client.post("/open311/v2/requests.json", data={"api_key": key, "jurisdiction_id": "paris.fr", **POTHOLE})
    assert posted.status_code == 200
    request_id = posted.get_json()[0]["service_request_id"]
    deadline = time.monotonic() + 10
    reply = client.get(f"/open311/v2/requests/{request_id}.json")
    while reply.status_code == 404 and time.monotonic() < deadline:  # streaming lag: milliseconds
        time.sleep(0.05)
        reply = client.get(f"/open311/v2/requests/{request_id}.json")
    assert reply.status_code == 200
    assert reply.get_json()[0]["service_request_id"] == request_id
    assert client.get("/open311/v2/services.json").status_code == 200
    for engine_ in app.extensions["open311.db"].engine, app.extensions["open311.db"].read_sessionmaker.kw["bind"]:
        engine_.dispose()
