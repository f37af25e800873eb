"""Real servers' answers (tests/check/fixtures, with their credits) replayed by the stub: the checker reports
each server's real deviation, and only what is really there."""

from __future__ import annotations

from pathlib import Path

from open311.check.results import Status

from .conftest import grade_stub

FIXTURES = Path(__file__).parent / "fixtures"


def test_san_francisco_soap_namespaces_on_services_xml():
    report = grade_stub(captures={"services.xml": FIXTURES / "sf311_services.xml"}, write=False)
    result = report.results["format.xml-plain"]
    assert result.status is Status.WARN
    assert "soapenv" in result.detail and "http://schemas.xmlsoap.org/soap/envelope/" in result.detail
    assert result.evidence[0].url.split("?")[0].endswith("/v2/services.xml")


def test_toronto_empty_updated_datetime():
    report = grade_stub(captures={"requests.xml": FIXTURES / "toronto_requests.xml"}, write=False)
    result = report.results["strict.required-values"]
    assert result.status is Status.FAIL
    assert "request '101005420892' (xml): updated_datetime empty" in result.detail
    # its other empty elements (description, zipcode, media_url, service_notice) are allowed to be empty
    assert "zipcode" not in result.detail and "description" not in result.detail
    assert "updated_datetime" in report.results["schema.valid"].detail


def test_giessen_is_array_attribute_on_the_root():
    report = grade_stub(captures={"services.xml": FIXTURES / "giessen_services.xml"}, write=False)
    result = report.results["format.xml-plain"]
    assert result.status is Status.WARN
    assert "<services> has attributes {'is_array': 'true'}" in result.detail
    assert report.results["schema.valid"].status is Status.WARN


def test_chicago_numeric_lat_long_are_what_the_standard_shows():
    report = grade_stub(captures={"requests.json": FIXTURES / "chicago_requests.json"}, write=False)
    # JSON numbers for lat/long are the spec's own example: not reported as a deviation
    assert "lat" not in report.results["format.json-types"].detail
    assert report.results["format.json-types"].status is Status.PASS


def test_chicago_leaves_out_fields_the_standard_lists():
    report = grade_stub(captures={"requests.json": FIXTURES / "chicago_requests.json"}, write=False)
    result = report.results["requests.fields"]
    assert result.status is Status.WARN
    for name in ("description (2 records)", "address_id (2 records)", "zipcode (2 records)", "media_url (2 records)"):
        assert name in result.detail
    assert "status_notes" not in result.detail  # "May not be returned"


def test_boston_changeset_is_not_iso_8601():
    # Given the endpoint, the checker reads its discovery.json (Boston's) without following its endpoints.
    report = grade_stub(captures={"discovery.json": FIXTURES / "boston_discovery.json"}, path="/v2", write=False)
    result = report.results["discovery.changeset"]
    assert result.status is Status.WARN
    assert "'2011-09-1 17:35'" in result.detail and "not ISO 8601" in result.detail
    assert report.endpoint.endswith("/v2") and "cityofboston" not in report.endpoint
