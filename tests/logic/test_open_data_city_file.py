"""The open data keys of a city file: publish, blur and publish_media (services), publish_media and
retention (jurisdiction)."""

from __future__ import annotations

import textwrap

import pytest
from sqlalchemy import select

from open311.errors import CityFileError
from open311.logic.city_loader import load_city
from open311.models import Jurisdiction, Service

from .test_city_loader import write_city

SERVICES = textwrap.dedent("""\
    services:
      - {service_code: PLAIN, service_name: Plain, department: D1}
      - {service_code: HIDDEN, service_name: Hidden, department: D1, publish: false}
      - {service_code: BLURRED, service_name: Blurred, department: D1, blur: 250}
      - {service_code: PHOTOS, service_name: Photos, department: D1, publish_media: true}
    """)


def city_with(tmp_path, jurisdiction: str = "", services: str = SERVICES):
    """A city file whose jurisdiction section gets the extra lines ``jurisdiction``."""
    path = write_city(tmp_path, services=services)
    text = path.read_text().replace("  default_department: D1\n", "  default_department: D1\n" + jurisdiction)
    path.write_text(text)
    return path


def settings(session) -> dict[str, tuple]:
    rows = session.execute(
        select(Service.service_code, Service.publish, Service.blur_m, Service.publish_media).where(
            Service.service_code.in_(["PLAIN", "HIDDEN", "BLURRED", "PHOTOS"])
        )
    )
    return {code: (publish, blur, media) for code, publish, blur, media in rows}


def test_publication_settings_are_loaded_per_service(session, tmp_path):
    load_city(session, city_with(tmp_path))
    assert settings(session) == {
        "PLAIN": (True, None, True),
        "HIDDEN": (False, None, True),
        "BLURRED": (True, 250, True),
        "PHOTOS": (True, None, True),
    }


def test_the_jurisdiction_says_whether_photos_are_published_unless_the_service_does(session, tmp_path):
    load_city(session, city_with(tmp_path, "  publish_media: false\n"))
    assert {code: media for code, (_p, _b, media) in settings(session).items()} == {
        "PLAIN": False,
        "HIDDEN": False,
        "BLURRED": False,
        "PHOTOS": True,
    }


@pytest.mark.parametrize(
    ("services", "message"),
    [
        ("services:\n  - {service_code: S, service_name: S, blur: 5}\n", "services[0].blur: Must be greater"),
        ("services:\n  - {service_code: S, service_name: S, publish: maybe}\n", "services[0].publish: Not a valid"),
    ],
)
def test_bad_publication_settings_name_their_line(session, tmp_path, services, message):
    with pytest.raises(CityFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_city(session, city_with(tmp_path, services=services))


def test_retention_periods_are_loaded_and_optional(session, tmp_path):
    load_city(session, city_with(tmp_path, "  retention: {contact_months: 24, sandbox_days: 30}\n"))
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.jurisdiction_id == "test.example"))
    periods = (
        jurisdiction.retention_contact_months,
        jurisdiction.retention_media_months,
        jurisdiction.retention_sandbox_days,
    )
    assert periods == (24, None, 30)
    load_city(session, city_with(tmp_path))
    assert jurisdiction.retention_contact_months is None
    with pytest.raises(CityFileError, match=r"jurisdiction.retention.media_months"):
        load_city(session, city_with(tmp_path, "  retention: {media_months: 0}\n"))


def test_the_licence_is_loaded_optional_and_checked(session, tmp_path):
    licence = '  licence: {name: CC-BY-4.0, path: "https://creativecommons.org/licenses/by/4.0/"}\n'
    load_city(session, city_with(tmp_path, licence))
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.jurisdiction_id == "test.example"))
    assert jurisdiction.open_data_licence == {
        "name": "CC-BY-4.0",
        "path": "https://creativecommons.org/licenses/by/4.0/",
    }
    load_city(session, city_with(tmp_path))
    assert jurisdiction.open_data_licence is None
    with pytest.raises(CityFileError, match=r"jurisdiction.licence.path"):
        load_city(session, city_with(tmp_path, "  licence: {name: CC-BY-4.0, path: 'file:///etc/passwd'}\n"))
    with pytest.raises(CityFileError, match=r"jurisdiction.licence.name"):
        load_city(session, city_with(tmp_path, "  licence: {name: 'CC BY', path: 'https://example.org/'}\n"))
