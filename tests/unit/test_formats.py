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


def test_a_kept_rendering_of_a_record_is_the_rendering_of_that_record():
    """Records rendered once are kept by their content (apps poll the same listings): values that compare
    equal but render differently never share a kept rendering, and nested records are rendered each time."""
    import open311.formats as formats

    formats._RENDERED.clear()
    records = [
        {"service_request_id": "1", "lat": 48.85, "long": 2.35, "description": "A & <B>", "media_url": None},
        {"service_request_id": "1", "lat": 48.85, "long": 2.35, "description": "A & <B>", "media_url": None},
        {"service_request_id": "1", "lat": 0.0, "long": -0.0, "description": None, "media_url": None},
        {"service_request_id": "1", "lat": -0.0, "long": 0.0, "description": None, "media_url": None},
        {"metadata": 1.0, "n": 1.5},
        {"metadata": True, "n": 1.5},
        {"metadata": 1, "n": 1.5},
        {"service_request_id": "1", "extended_attributes": {"areas": [{"code": "7"}]}},
        {"service_request_id": "1", "extended_attributes": {"areas": [{"code": "8"}]}},
        {"description": "A & <B>", "lat": 48.85},  # same values, other keys
    ]
    rendered = [render("xml", "service_requests", [record]) for record in records]
    for _attempt in range(2):  # again, with every flat record kept
        assert [render("xml", "service_requests", [record]) for record in records] == rendered
    assert b"<lat>0.0</lat><long>-0.0</long>" in rendered[2] and b"<lat>-0.0</lat><long>0.0</long>" in rendered[3]
    assert [b"<metadata>1.0</metadata>" in rendered[4], b"<metadata>true</metadata>" in rendered[5]] == [True, True]
    assert b"<metadata>1</metadata>" in rendered[6]
    assert b"<code>7</code>" in rendered[7] and b"<code>8</code>" in rendered[8]
    assert b"<request><description>A &amp; &lt;B&gt;</description><lat>48.85</lat></request>" in rendered[9]
    # kept: the flat, unambiguous records (0, 4 and 9) and the two areas inside the nested ones
    assert len(formats._RENDERED._entries) == 5


def test_kept_renderings_are_bounded_in_characters_too(monkeypatch):
    """A long record is rendered each time, never kept; and the kept renderings are dropped once their
    characters pass the bound (long texts cannot make a worker's memory grow)."""
    import open311.formats as formats
    from open311.text_cache import TextKeyedCache

    monkeypatch.setattr(formats, "_RENDERED", TextKeyedCache(4_000_000))
    long = {"service_request_id": "1", "description": "\U0001f6a7" * formats.RENDERED_ITEM_MAX_CHARACTERS}
    assert b"\xf0\x9f\x9a\xa7" in render("xml", "service_requests", [long])
    assert formats._RENDERED._entries == {}
    monkeypatch.setattr(formats, "_RENDERED", TextKeyedCache(500))
    for number in range(20):  # about 80 characters each
        render("xml", "service_requests", [{"service_request_id": str(number), "description": "x" * 40}])
    assert 0 < len(formats._RENDERED._entries) < 8 and formats._RENDERED._held <= 500
