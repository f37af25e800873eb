"""Extension: a jurisdiction's CORS origins come from its city file."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from open311.errors import CityFileError
from open311.logic.city_loader import load_city
from open311.logic.cors import origin_policies
from open311.models import Jurisdiction

from .test_city_loader import write_city


def with_cors(path, cors: str):
    path.write_text(
        path.read_text().replace("  default_department: D1\n", f"  default_department: D1\n  cors: {cors}\n")
    )
    return path


def test_origins_are_loaded_lower_cased(session, tmp_path):
    path = with_cors(
        write_city(tmp_path),
        "{read_origins: ['*'], write_origins: ['https://App.Test.example', 'http://localhost:8080']}",
    )
    load_city(session, path)
    policy = origin_policies(session)["test.example"]
    assert policy.allows("https://evil.example", write=False)
    assert policy.allows("https://app.test.example", write=True)
    assert not policy.allows("https://evil.example", write=True)


def test_without_a_cors_section_any_page_may_read_and_none_may_write(session, tmp_path):
    load_city(session, write_city(tmp_path))
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.jurisdiction_id == "test.example"))
    assert (jurisdiction.cors_read_origins, jurisdiction.cors_write_origins) == (["*"], [])


@pytest.mark.parametrize("origin", ["https://app.example/path", "app.example", "javascript:alert(1)", "https://a b"])
def test_an_origin_that_is_not_one_is_refused_naming_the_line(session, tmp_path, origin):
    path = with_cors(write_city(tmp_path), f"{{write_origins: ['{origin}']}}")
    with pytest.raises(CityFileError, match="origin"):
        load_city(session, path)
