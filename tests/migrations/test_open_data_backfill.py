"""The open data migrations fill what they add for the rows already stored (the models are at head, so
rows of an older schema are written in SQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from open311.db import make_engine
from open311.provision import ensure_database, reset_schema, upgrade

from ..conftest import derived_url

OLD_ROWS = """
INSERT INTO jurisdiction (id, jurisdiction_id, name, time_zone, contact, key_service)
VALUES (1, 'old.example', 'Old', 'Europe/Paris', 'c', 'k');
INSERT INTO service (id, jurisdiction_id, service_code, service_name, type, position)
VALUES (1, 1, 'S', 'Service', 'realtime', 0);
INSERT INTO service_request (id, jurisdiction_id, service_id, description, address, detailed_status, updated_datetime)
VALUES (1, 1, 1, 'Appelez le 06 12 34 56 78', 'chez jean@example.org', 'received', '2024-05-01T10:00:00Z'),
       (2, 1, 1, 'Rien de personnel, le 02/03/2024', '12 rue X', 'fixed', '2024-05-03T10:00:00Z'),
       (3, 1, 1, 'Importé', NULL, 'closed', '2024-01-01T00:00:00Z');
INSERT INTO request_update (jurisdiction_id, request_id, kind, new_status, old_status, note, created)
VALUES (1, 1, 'note', 'received', 'received', 'Contact: +33 1 42 76 40 40', '2024-05-01T10:00:00Z'),
       (1, 2, 'status', 'fixed', 'received', 'Fait', '2024-05-02T10:00:00Z'),
       (1, 2, 'note', 'fixed', 'fixed', 'Photo', '2024-05-03T10:00:00Z');
"""


@pytest.fixture(scope="module")
def old_database():
    url = derived_url("backfill")
    ensure_database(url)
    reset_schema(url)
    upgrade(url, "0007")
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in OLD_ROWS.strip().split(";\n"):
            connection.execute(text(statement))
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_existing_texts_get_their_public_version(old_database):
    with old_database.connect() as connection:
        requests = connection.execute(
            text("SELECT id, public_description, public_address FROM service_request ORDER BY id")
        ).all()
        notes = connection.execute(text("SELECT public_note FROM request_update")).scalars().all()
    assert requests == [(1, "Appelez le [phone removed]", "chez [email removed]"), (2, None, None), (3, None, None)]
    assert sorted(notes, key=str) == ["Contact: [phone removed]", None, None]


def test_closed_requests_get_the_time_of_their_last_closing(old_database):
    with old_database.connect() as connection:
        closed = connection.execute(
            text("SELECT id, to_char(closed_datetime AT TIME ZONE 'UTC', 'MM-DD') FROM service_request ORDER BY id")
        ).all()
    # 2: closed by its status change on 05-02 (the later note does not count); 3: imported closed.
    assert closed == [(1, None), (2, "05-02"), (3, "01-01")]
