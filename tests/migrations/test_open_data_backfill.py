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
INSERT INTO service_request (id, jurisdiction_id, service_id, description, address, detailed_status)
VALUES (1, 1, 1, 'Appelez le 06 12 34 56 78', 'chez jean@example.org', 'received'),
       (2, 1, 1, 'Rien de personnel, le 02/03/2024', '12 rue X', 'received');
INSERT INTO request_update (jurisdiction_id, request_id, kind, new_status, note)
VALUES (1, 1, 'note', 'received', 'Contact: +33 1 42 76 40 40');
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
    assert requests == [(1, "Appelez le [phone removed]", "chez [email removed]"), (2, None, None)]
    assert notes == ["Contact: [phone removed]"]
