"""One payload, two wire formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone

from open311.formats import format_datetime, format_from_path, render


def test_json_keeps_lists_and_objects():
    assert json.loads(render("json", "services", [{"a": 1}])) == [{"a": 1}]
    assert json.loads(render("json", "service_definition", {"a": None})) == {"a": None}


def test_xml_names_list_items_by_their_singular():
    payload = {"service_code": "X", "attributes": [{"code": "A", "values": [{"key": "1", "name": "One"}]}]}
    root = ET.fromstring(render("xml", "service_definition", payload))
    assert root.find("attributes/attribute/values/value/key").text == "1"
    root = ET.fromstring(render("xml", "service_requests", [{"service_request_id": "1"}]))
    assert root.find("request/service_request_id").text == "1"
    root = ET.fromstring(render("xml", "errors", [{"code": 400, "description": "x"}]))
    assert root.find("error/code").text == "400"


def test_xml_declaration_booleans_none_and_escaping():
    body = render("xml", "services", [{"metadata": True, "group": None, "service_name": "A & <B> é"}])
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<services>')
    assert b"<metadata>true</metadata>" in body and b"<group/>" in body
    assert ET.fromstring(body).findtext("service/service_name") == "A & <B> é"


def test_xml_drops_characters_xml_cannot_carry():
    body = render("xml", "errors", [{"code": 400, "description": "bad\x00\x1bchar"}])
    assert ET.fromstring(body).findtext("error/description") == "badchar"


def test_xml_keeps_carriage_returns_as_character_references():
    text = "ligne 1\r\nligne 2\rligne 3\n\tfin"
    body = render("xml", "service_requests", [{"description": text}, {"description": text + " & <x>"}])
    assert b"ligne 1&#13;\nligne 2&#13;ligne 3" in body
    descriptions = [e.text for e in ET.fromstring(body).iter("description")]
    assert descriptions == [text, text + " & <x>"] == [r["description"] for r in json.loads(render("json", "x", [
        {"description": text}, {"description": text + " & <x>"}]))]  # fmt: skip


def test_datetimes_are_w3c_with_a_zone():
    assert format_datetime(datetime(2024, 1, 2, 3, 4, 5, 678, tzinfo=UTC)) == "2024-01-02T03:04:05Z"
    paris = timezone(timedelta(hours=1))
    assert format_datetime(datetime(2024, 1, 2, 3, 4, 5, tzinfo=paris)) == "2024-01-02T03:04:05+01:00"


def test_format_from_path_defaults_to_xml():
    assert format_from_path("/open311/v2/services.json") == "json"
    assert format_from_path("/open311/v2/services.JSON") == "json"
    assert format_from_path("/open311/v2/services.yaml") == "xml"
    assert format_from_path("/open311/v2/services") == "xml"
