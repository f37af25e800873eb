"""The checker against a stub that does what the standard and issue 11 ask: 100%; then the stub with each
failure of issue 11 (points 1-8) that a real client met, one at a time: exactly that check reports it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from open311.check.checklist import CHECKS
from open311.check.results import Status

from .conftest import JURISDICTION, check, grade_stub, not_passing, serving
from .stub import Stub, _record

WARN, FAIL = Status.WARN, Status.FAIL


def test_a_conformant_server_scores_100_percent():
    report = grade_stub()
    assert not_passing(report) == {}
    assert report.score() == 100.0 and not report.failed
    assert set(report.results) == {check.id for check in CHECKS}
    assert len(report.created) == 4  # realtime in JSON and in XML, batch, jurisdiction_id in the query string


def test_read_only_posts_nothing_but_a_keyless_probe():
    report = grade_stub(write=False)
    skipped = {check_id for check_id, status in not_passing(report).items() if status is Status.SKIP}
    assert skipped == {c.id for c in CHECKS if c.section in ("writes", "updates")} | {"jurisdiction.post-query"}
    assert report.score() == 100.0 and report.created == []


def test_without_requests_in_the_last_90_days_the_filters_are_checked_on_older_ones():
    report = grade_stub(past_days=400, write=False)
    assert any("no request in the last 90 days: the filters are checked on" in note for note in report.notes)
    assert report.results["requests.default-window"].status is Status.SKIP
    for check_id in ("requests.fields", "requests.status", "requests.ids", "request.one", "ext.paging", "ext.bbox"):
        assert report.results[check_id].status is Status.PASS, check_id
    assert "open: 2, closed: 1" in report.results["requests.status"].detail
    assert not report.failed


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        # 1. FixMyStreet's update extension as FixMyStreet uses it
        ("update_resend_400", {"updates.resend": FAIL}),
        ("update_closed_400", {"updates.closed": FAIL}),
        ("update_statuses_400", {"updates.statuses": FAIL}),
        ("update_statuses_403", {"updates.statuses": Status.SKIP}),  # the key's role: not the checker's to judge
        # not in issue 11: an identifier's form refused where the resource does not exist
        ("unknown_id_400", {"errors.unknown-request": WARN}),
        # 2. strictly typed clients: a request posted with coordinates only has address null
        ("address_null", {"strict.address": FAIL, "write.readback": FAIL}),
        # 3. dates as clients send them
        ("refuse_space_datetimes", {"datetime.input-space": WARN}),
        ("long_span_400", {"requests.long-span": WARN}),
        # 4. media types with a charset parameter
        ("charset", {"format.media-type-json": WARN, "format.media-type-xml": WARN}),
        # 5. several jurisdictions
        ("discovery_needs_jurisdiction", {"discovery.no-jurisdiction": FAIL}),
        ("post_jurisdiction_form_only", {"jurisdiction.post-query": WARN}),
        ("jurisdiction_case_sensitive", {"jurisdiction.case": WARN}),
        # 6. JSON and XML disagree
        ("xml_raw_cr", {"format.agree": FAIL, "write.readback": FAIL}),
        ("accept_control_chars", {"write.control-chars": FAIL, "format.agree": FAIL}),
        # 7. no test endpoint
        ("no_test_endpoint", {"discovery.test-endpoint": WARN}),
        # 8. the catalogue in the user's language
        ("locale_no_vary", {"ext.locale": FAIL}),
        ("locale_ignores_accept_language", {"ext.locale": FAIL}),
    ],
)
def test_each_failure_of_issue_11_is_reported(fault, expected):
    report = grade_stub([fault])
    assert not_passing(report) == expected
    assert report.failed == (FAIL in expected.values())


def test_the_charset_warning_says_why():
    detail = grade_stub(["charset"]).results["format.media-type-json"].detail
    assert "application/json; charset=utf-8" in detail and "RFC 8259" in detail and "spec's own text" in detail


def test_a_lost_cr_is_shown_with_its_evidence():
    result = grade_stub(["xml_raw_cr"]).results["format.agree"]
    assert "\\r\\n" in result.detail and "XML 'Deep\\nnear the school" in result.detail
    assert result.evidence and result.evidence[0].url.endswith(".xml?jurisdiction_id=stub.example")


def test_a_refused_resend_shows_the_request_and_the_answer():
    result = grade_stub(["update_resend_400"]).results["updates.resend"]
    evidence = result.evidence[0]
    assert evidence.method == "POST" and "update_id=open311-check-" in evidence.sent
    assert "api_key=***" in evidence.sent and "stub-key" not in evidence.sent
    assert evidence.status == 400 and "already received" in evidence.excerpt


def test_writes_go_to_the_test_endpoint_when_asked():
    from .conftest import JURISDICTION, KEY, check, serving
    from .stub import Stub

    stub = Stub()
    production = list(stub.stores["v2"])
    with serving(stub) as root:
        report = check(f"{root}/v2/discovery.json", jurisdiction_id=JURISDICTION, write=True, api_key=KEY,
                       endpoint_type="test", location=(50.2, 8.3))  # fmt: skip
    assert report.endpoint == f"{root}/test/v2"
    assert stub.stores["v2"] == production  # production untouched
    stored = {r["service_request_id"]: r for r in stub.stores["test/v2"]}
    assert set(report.created) < set(stored) and len(stored) == len(report.created) + 1  # + the blackbox one
    assert {(r["lat"], r["long"]) for r in stored.values()} == {(50.2, 8.3)}
    assert all(stored[request_id]["status"] == "closed" for request_id in report.created)  # cleaned up
    assert report.results["discovery.test-endpoint"].detail.endswith("serves the same 3 services")
    assert not report.failed


def test_a_server_offering_xml_only_is_checked_in_xml():
    report = grade_stub(["xml_only"])
    assert not_passing(report) == {"format.agree": Status.SKIP}
    assert "the endpoint offers XML only: JSON checks are skipped" in report.notes
    posted = report.results["write.post-realtime"].evidence[0]
    assert posted.url.endswith("/v2/requests.xml") and posted.content_type == "text/xml"


def test_a_page_past_the_last_is_found_from_the_total_when_the_listing_is_capped():
    """More requests than the 1,000 a listing shows: the page past the last is found from the total."""
    stub = Stub()
    now = datetime.now(UTC).replace(microsecond=0)
    stub.stores["v2"] += [
        _record(1000 + n, "POT", "open", now - timedelta(hours=30 + n), now - timedelta(hours=1), 50.1, 8.1, "More",
                "1 Main St")
        for n in range(1200)
    ]  # fmt: skip
    with serving(stub) as root:
        report = check(root + "/v2/discovery.json", jurisdiction_id=JURISDICTION, write=False)
    paging = report.results["ext.paging"]
    assert paging.status is Status.PASS, paging.detail
    assert "total 1203" in paging.detail
