"""Reading answers: XML back to the JSON shape, comparing both formats exactly, datetimes, errors lists."""

from __future__ import annotations

import pytest
from lxml import etree

from open311.check.context import Fetched, errors_document
from open311.check.documents import Document, differences, parse, parse_datetime, xml_payload
from open311.check.results import Report, Result, Status
from open311.check.transport import Exchange


def xml(text: str):
    return etree.fromstring(text.encode())


def answer(url: str, body: bytes, status: int = 200) -> Exchange:
    return Exchange("GET", url, None, {}, status=status, body=body)


def test_xml_payload_follows_the_spark_convention():
    root = xml("<service_requests><request><service_request_id>1</service_request_id><description/></request>"
               "</service_requests>")  # fmt: skip
    assert xml_payload(root) == [{"service_request_id": "1", "description": None}]
    one = xml("<service_definition><service_code>A</service_code><attributes><attribute><code>X</code>"
              "<values><value><key>k</key><name>n</name></value></values></attribute></attributes>"
              "</service_definition>")  # fmt: skip
    assert xml_payload(one) == {
        "service_code": "A",
        "attributes": [{"code": "X", "values": [{"key": "k", "name": "n"}]}],
    }


@pytest.mark.parametrize(
    ("json_value", "xml_text", "same"),
    [
        ([{"description": "a\r\nb"}], "<r><request><description>a&#13;\nb</description></request></r>", True),
        ([{"description": "a\r\nb"}], "<r><request><description>a\r\nb</description></request></r>", False),
        ([{"description": "tab\x0bx"}], "<r><request><description>tabx</description></request></r>", False),
        ([{"lat": 48.8584, "metadata": True}], "<r><x><lat>48.8584</lat><metadata>true</metadata></x></r>", True),
        ([{"lat": 48.8584}], "<r><x><lat>48.85</lat></x></r>", False),
        ([{"status_notes": None, "zipcode": ""}], "<r><x><status_notes/></x></r>", True),
        ([{"address": "Paris"}], "<r><x><address/></x></r>", False),
        ([{"notes": [{"a": "1"}]}], "<r><x><notes><note><a>1</a></note></notes></x></r>", True),
        ([1, 2], "<r><x>1</x></r>", False),
    ],
)
def test_differences_compare_texts_exactly(json_value, xml_text, same):
    assert (differences(json_value, xml(xml_text)) == []) is same


def test_a_raw_cr_in_xml_reads_as_a_line_feed():
    fetched = parse(answer("http://h/v2/requests.xml", b"<service_requests><request><d>a\r\nb\rc</d></request>"
                           b"</service_requests>"))  # fmt: skip
    assert fetched.payload == [{"d": "a\nb\nc"}]


def test_xml_entities_are_not_expanded():
    body = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><services>&x;</services>'
    document = parse(answer("http://h/v2/services.xml", body))
    assert "root:" not in etree.tostring(document.root).decode()


@pytest.mark.parametrize(
    ("text", "ok"),
    [("2024-01-31T23:59:59Z", True), ("2024-01-31T23:59:59+01:00", True), ("2024-01-31T23:59:59.25-05:00", True),
     ("2024-01-31T23:59Z", True), ("2024-01-31T23:59:59", False), ("2024-01-31 23:59:59Z", False), ("", False),
     ("2011-09-1 17:35", False), ("2024-02-30T00:00:00Z", False)],
)  # fmt: skip
def test_datetimes_need_a_zone(text, ok):
    assert (parse_datetime(text) is not None) is ok


@pytest.mark.parametrize(
    ("status", "body", "problem"),
    [
        (404, b'[{"code": 404, "description": "not found"}]', None),
        (400, b'[{"code": 404, "description": "not found"}]', "answered 404, expected 400"),
        (404, b'{"error": {"code": 404}}', "not a list"),
        (404, b'[{"code": 404}]', "no description"),
        (404, b"<html>Not Found</html>", "not a document"),
    ],
)
def test_errors_document(status, body, problem):
    exchange = answer("http://h/v2/services/x.json", body, 404)
    try:
        fetched = Fetched(exchange, parse(exchange), None)
    except ValueError as exc:
        fetched = Fetched(exchange, None, str(exc))
    found = errors_document(fetched, status)
    assert (found is None) if problem is None else (problem in found)


def test_the_score_counts_a_warning_as_half_and_skips_nothing():
    report = Report(target="t")
    for check_id, status in (("discovery.fetch", Status.PASS), ("discovery.fields", Status.WARN),
                             ("discovery.changeset", Status.FAIL), ("ext.locale", Status.SKIP)):  # fmt: skip
        report.results[check_id] = Result(check_id, status, "")
    assert report.score() == 50.0 and report.failed
    assert Report(target="t").score() is None


def test_xml_documents_keep_their_root():
    document = parse(answer("http://h/v2/discovery.xml", b"<discovery><changeset>x</changeset></discovery>"))
    assert isinstance(document, Document) and document.root.tag == "discovery"
