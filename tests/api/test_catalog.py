"""The catalogue side of GeoReport v2: discovery, services, service definitions."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest


def test_service_list_is_the_catalogue_in_order(client):
    services = client.get("/open311/v2/services.json?jurisdiction_id=paris.fr").get_json()
    assert isinstance(services, list)
    assert 30 <= len(services) <= 60
    assert services[0]["service_code"] == "1001"
    by_code = {s["service_code"]: s for s in services}
    sidewalk = by_code["5201"]
    assert sidewalk == {
        "service_code": "5201",
        "service_name": "Trottoirs : Affaissement, trou, bosse, pavé arraché",
        "description": "Voirie et déplacements > Trottoirs > Affaissement, trou, bosse, pavé arraché",
        "metadata": True,
        "type": "realtime",
        "keywords": "Voirie et déplacements, Trottoirs",
        "group": "Voirie et déplacements",
    }
    assert by_code["1001"]["metadata"] is False
    assert by_code["1002"]["type"] == "batch"
    assert by_code["11070"]["type"] == "blackbox"


def test_metadata_is_true_exactly_when_a_definition_has_attributes(client):
    services = client.get("/open311/v2/services.json?jurisdiction_id=paris.fr").get_json()
    for service in services:
        definition = client.get(f"/open311/v2/services/{service['service_code']}.json?jurisdiction_id=paris.fr")
        assert service["metadata"] is bool(definition.get_json()["attributes"])


def test_service_list_xml_has_the_spec_elements(client):
    reply = client.get("/open311/v2/services.xml?jurisdiction_id=nyc.gov")
    root = ET.fromstring(reply.data)
    assert root.tag == "services"
    assert [child.tag for child in root] == ["service"] * 5
    pothole = root[0]
    assert pothole.findtext("service_code") == "pothole"
    assert pothole.findtext("metadata") == "false"
    assert pothole.findtext("type") == "realtime"
    assert root[1].findtext("type") == "batch"


def test_definition_lists_attributes_of_every_datatype(client):
    datatypes = set()
    for code in ("5201", "1002", "6010", "3602"):
        definition = client.get(f"/open311/v2/services/{code}.json?jurisdiction_id=paris.fr").get_json()
        assert definition["service_code"] == code
        orders = [attribute["order"] for attribute in definition["attributes"]]
        assert orders == sorted(orders) and len(set(orders)) == len(orders)
        datatypes |= {attribute["datatype"] for attribute in definition["attributes"]}
    assert datatypes == {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


def test_definition_of_a_list_attribute_has_values_and_an_informational_attribute_is_not_variable(client):
    definition = client.get("/open311/v2/services/1002.json?jurisdiction_id=paris.fr").get_json()
    notice, objects, volume = definition["attributes"]
    assert notice["variable"] is False and notice["code"] == "RDV"
    assert objects["datatype"] == "multivaluelist" and objects["required"] is True
    assert {"key": "matelas", "name": "Matelas, sommier"} in objects["values"]
    assert "values" not in volume and volume["datatype_description"] == "En mètres cubes, par exemple 1.5"


def test_definition_xml_nests_attributes_and_values(client):
    root = ET.fromstring(client.get("/open311/v2/services/5201.xml?jurisdiction_id=paris.fr").data)
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "5201"
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("code") == "TAILLE"
    assert attribute.findtext("required") == "true"
    assert attribute.find("datatype_description").text is None
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["petit", "moyen", "grand"]


def test_service_without_attributes_has_an_empty_definition(client):
    assert client.get("/open311/v2/services/1001.json?jurisdiction_id=paris.fr").get_json() == {
        "service_code": "1001",
        "attributes": [],
    }
    root = ET.fromstring(client.get("/open311/v2/services/1001.xml?jurisdiction_id=paris.fr").data)
    assert root.find("attributes") is not None and len(root.find("attributes")) == 0


def test_unknown_service_code_is_404_naming_it(client):
    reply = client.get("/open311/v2/services/9999.json?jurisdiction_id=paris.fr")
    assert reply.status_code == 404
    assert reply.get_json() == [{"code": 404, "description": "service_code provided was not found: 9999"}]


def test_service_codes_are_per_jurisdiction(client):
    assert client.get("/open311/v2/services/pothole.json?jurisdiction_id=paris.fr").status_code == 404
    assert client.get("/open311/v2/services/tree-damage.json?jurisdiction_id=nyc.gov").status_code == 200


def test_discovery_document(client):
    discovery = client.get("/open311/v2/discovery.json?jurisdiction_id=paris.fr").get_json()
    assert set(discovery) == {"changeset", "contact", "key_service", "endpoints"}
    endpoint, test = discovery["endpoints"]
    assert (test["type"], test["url"]) == ("test", "http://localhost/open311/test/v2")  # Extension: the sandbox
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = ET.fromstring(client.get("/open311/v2/discovery.xml?jurisdiction_id=paris.fr").data)
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"] * 2


def test_discovery_url_follows_the_base_url_setting(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://api.paris.example/open311/v2")
    discovery = client.get("/open311/v2/discovery.json?jurisdiction_id=paris.fr").get_json()
    assert discovery["endpoints"][0]["url"] == "https://api.paris.example/open311/v2"


def test_non_ascii_text_is_utf8_in_both_formats(client):
    json_reply = client.get("/open311/v2/services.json?jurisdiction_id=paris.fr")
    assert "Propreté".encode() in json_reply.data
    xml_reply = client.get("/open311/v2/services.xml?jurisdiction_id=paris.fr")
    assert "Propreté".encode() in xml_reply.data


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_codes_are_strings(client, fmt):
    reply = client.get(f"/open311/v2/services.{fmt}?jurisdiction_id=paris.fr")
    if fmt == "json":
        assert all(isinstance(s["service_code"], str) for s in reply.get_json())
    else:
        assert ET.fromstring(reply.data).findtext("service/service_code") == "1001"


def test_catalogue_documents_are_cached_per_worker_for_the_configured_time(app, client, session, monkeypatch):
    from open311.api.cache import CatalogCache
    from open311.logic.catalog import find_service
    from open311.logic.jurisdictions import resolve_jurisdiction

    monkeypatch.setitem(app.extensions, "open311.cache", CatalogCache(60))
    before = client.get("/open311/v2/services.json?jurisdiction_id=paris.fr").get_json()
    find_service(session, resolve_jurisdiction(session, "paris.fr"), "1001").service_name = "Renamed"
    session.flush()
    assert client.get("/open311/v2/services.json?jurisdiction_id=paris.fr").get_json() == before
    fresh = client.get("/open311/v2/services.xml?jurisdiction_id=paris.fr").data
    assert b"Renamed" in fresh  # another format is another document
    monkeypatch.setitem(app.extensions, "open311.cache", CatalogCache(0))
    assert client.get("/open311/v2/services.json?jurisdiction_id=paris.fr").get_json()[0]["service_name"] == "Renamed"


def test_errors_are_not_cached(app, client, monkeypatch):
    from open311.api.cache import CatalogCache

    monkeypatch.setitem(app.extensions, "open311.cache", CatalogCache(60))
    assert client.get("/open311/v2/services/9999.json?jurisdiction_id=paris.fr").status_code == 404
    assert client.get("/open311/v2/services.json?jurisdiction_id=nowhere.example").status_code == 404
    assert client.get("/open311/v2/services/5201.json?jurisdiction_id=paris.fr").status_code == 200
