"""The catalogue in the user's language (Extension): ``locale`` (CitySDK) and Accept-Language, with
Content-Language and Vary, falling back to the jurisdiction's language; Paris in French and English."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from open311.logic.languages import choose_language

SERVICES = "/open311/v2/services.{fmt}?jurisdiction_id={jurisdiction}"
DEFINITION = "/open311/v2/services/{code}.{fmt}?jurisdiction_id=paris.fr"


def services(client, jurisdiction="paris.fr", fmt="json", query="", **headers):
    reply = client.get(SERVICES.format(fmt=fmt, jurisdiction=jurisdiction) + query, headers=headers)
    assert reply.status_code == 200, reply.data
    return reply


def names(reply) -> dict[str, str]:
    return {service["service_code"]: service["service_name"] for service in reply.get_json()}


def test_the_jurisdictions_language_by_default(client):
    reply = services(client)
    assert reply.headers["Content-Language"] == "fr"
    assert "Accept-Language" in reply.vary  # beside Accept-Encoding
    assert names(reply)["5201"] == "Trottoirs : Affaissement, trou, bosse, pavé arraché"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_paris_service_and_group_in_english(client, fmt):
    french, english = services(client, fmt=fmt), services(client, fmt=fmt, query="&locale=en")
    assert english.headers["Content-Language"] == "en"
    if fmt == "xml":
        root = ET.fromstring(english.data)
        assert root.find("service[service_code='5201']/service_name").text == (
            "Pavements: Subsidence, pothole, bump or loose paving stone"
        )
        return
    french_services, english_services = french.get_json(), english.get_json()
    assert len(english_services) == 49
    for fr, en in zip(french_services, english_services, strict=True):
        assert fr["service_code"] == en["service_code"] and fr["type"] == en["type"]
        assert en["service_name"] != fr["service_name"] or en["service_name"] == "Urine"
        assert en["description"].endswith(en["service_name"].split(": ")[-1])
    assert sorted({s["group"] for s in english_services}) == [
        "Abandoned items",
        "Damaged street furniture (torn out, broken, bent, wobbly, out of order…)",
        "Graffiti, tags, posters and stickers",
        "Problem at a worksite",
        "Street cleanliness",
        "Street lighting / Electricity",
        "Streets and traffic",
        "Trees, plants and animals",
        "Water and sewers",
    ]


def test_definitions_in_english_keep_their_keys(client):
    french = client.get(DEFINITION.format(code="5201", fmt="json")).get_json()
    reply = client.get(DEFINITION.format(code="5201", fmt="json") + "&locale=en")
    assert reply.headers["Content-Language"] == "en" and "Accept-Language" in reply.vary
    english = reply.get_json()
    size = english["attributes"][0]
    assert size["description"] == "How big is the defect?"
    assert [(v["key"], v["name"]) for v in size["values"]] == [
        ("petit", "Small (under 30 cm)"),
        ("moyen", "Medium (30 cm to 1 m)"),
        ("grand", "Large (over 1 m)"),
    ]
    assert [a["code"] for a in english["attributes"]] == [a["code"] for a in french["attributes"]]
    lamp = client.get(DEFINITION.format(code="6010", fmt="xml") + "&locale=en")
    root = ET.fromstring(lamp.data)
    assert root.find("attributes/attribute[code='NUMERO']/datatype_description").text.startswith("Written on a plate")


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        ("&locale=en_GB", None, "en"),
        ("&locale=EN", None, "en"),
        ("&locale=de", None, "fr"),
        ("", "en-US,en;q=0.9,fr;q=0.8", "en"),
        ("", "de-CH, de;q=0.9, fr;q=0.5, en;q=0.3", "fr"),
        ("", "de", "fr"),
        ("", "*", "fr"),
        ("&locale=fr", "en", "fr"),  # the parameter wins over the header
        ("&locale=de", "en", "en"),  # an unavailable locale leaves the header its say
    ],
)
def test_locale_then_accept_language_then_the_jurisdictions(client, query, accept, expected):
    headers = {"Accept-Language": accept} if accept else {}
    for path in (SERVICES.format(fmt="json", jurisdiction="paris.fr"), DEFINITION.format(code="5201", fmt="xml")):
        reply = client.get(path + query, headers=headers)
        assert reply.headers["Content-Language"] == expected, (path, query, accept)


def test_a_jurisdiction_without_translations_answers_in_its_language(client):
    reply = services(client, "nyc.gov", query="&locale=fr")
    assert reply.headers["Content-Language"] == "en"
    assert names(reply)["pothole"] == "Pothole"


def test_the_cache_keeps_each_language_apart(app, client, monkeypatch):
    from open311.api.cache import CatalogCache

    monkeypatch.setitem(app.extensions, "open311.cache", CatalogCache(60))
    for _ in range(2):
        assert names(services(client))["6010"] == "Éclairage éteint la nuit"
        assert names(services(client, **{"Accept-Language": "en"}))["6010"] == "Lights off at night"
        assert names(services(client, query="&locale=en"))["6010"] == "Lights off at night"


def test_the_test_endpoint_speaks_english_too(client):
    reply = client.get("/open311/test/v2/services.json?jurisdiction_id=paris.fr&locale=en")
    assert names(reply)["6010"] == "Lights off at night"


def test_choose_language():
    available = ["fr", "en", "pt-BR"]
    assert choose_language(available, "fr") == "fr"
    assert choose_language(available, "fr", "pt") == "pt-BR"
    assert choose_language(available, "fr", "pt_br") == "pt-BR"
    assert choose_language(available, "fr", None, [("en-AU", 1.0)]) == "en"
    assert choose_language(available, "fr", None, [("de", 1.0), ("en", 0)]) == "fr"  # q=0: not acceptable


def test_the_city_file_checks_translations(session, tmp_path):
    from open311.errors import CityFileError
    from open311.logic.city_loader import load_city

    city = tmp_path / "city.yaml"
    head = "jurisdiction: {jurisdiction_id: t.example, name: T, time_zone: UTC, contact: c, key_service: k}\n"
    city.write_text(head + "services: [{service_code: S, service_name: S, translations: {en: {servce_name: X}}}]\n")
    with pytest.raises(CityFileError, match=r"line 2: services\[0\]\.translations\.en.*servce_name"):
        load_city(session, city)
    city.write_text(head + "services: [{service_code: S, service_name: S, translations: {'e n': {service_name: X}}}]\n")
    with pytest.raises(CityFileError, match="language tag"):
        load_city(session, city)
