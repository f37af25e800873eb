"""Property-based: every parameter of every operation, given hostile values, never makes a 5xx.

Values past bigint, negative numbers, digits of other scripts (``int`` reads ``٣``, ``isdigit`` accepts
``²``), ``1_000``, ``nan``, ``inf`` and random text go into one parameter at a time while the others stay
valid. Numbers and ids out of range are 400s naming the parameter; ids that name no request are 404s.
Datetimes are checked in tests of their own (``open311/logic/datetimes.py``). Each case is bounded:
a few dozen examples, derandomized.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import POTHOLE

BOUNDED = settings(
    max_examples=30, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
EDGES = [
    "²", "٣", "٣٣", "１２", "-1", "-0", "0", "1_000", " 7 ", "+5", "0x10", "1e400", "-1e400", "nan", "inf", "-inf",
    "9" * 19, "9" * 30, str(2**63), str(2**63 - 1), str(-(2**63) - 1), "1.5", "1,2", ",", "", "🙂", "\u202e12",
]  # fmt: skip
HOSTILE = st.one_of(
    st.sampled_from(EDGES),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats().map(repr),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=24),
)
#: Query parameters whose bad values must be 400s that name them.
NAMED = {"page", "page_size", "snapshot", "lat", "long", "radius", "bbox", "service_request_id", "extensions"}


def _assert_sane(reply, parameter: str, value: str, location: str) -> None:
    assert reply.status_code < 500, (parameter, value, reply.data[:300])
    if reply.status_code == 400 and parameter in NAMED and location == "query":
        text = reply.get_data(as_text=True)
        assert parameter in text, (parameter, value, text[:300])


GET_REQUESTS = [
    "service_request_id", "service_code", "status", "bbox", "lat", "long", "radius", "agency_responsible", "area",
    "detailed_status", "page", "page_size", "snapshot", "extensions",
]  # fmt: skip


@pytest.mark.parametrize("parameter", GET_REQUESTS)
def test_get_requests(client, parameter):
    base = {"jurisdiction_id": "paris.fr", "lat": "48.8584", "long": "2.2945", "radius": "500"}

    @given(value=HOSTILE)
    @BOUNDED
    def run(value):
        query = urlencode({**base, parameter: value})
        _assert_sane(client.get(f"/open311/v2/requests.json?{query}"), parameter, value, "query")

    run()


@pytest.mark.parametrize(
    "template",
    [
        "/open311/v2/requests/{}.json?jurisdiction_id=paris.fr",
        "/open311/v2/requests/{}.xml?jurisdiction_id=paris.fr&extensions=true",
        "/open311/v2/tokens/{}.json?jurisdiction_id=paris.fr",
        "/open311/v2/services/{}.xml?jurisdiction_id=paris.fr",
        "/open311/v2/requests/{}/updates.json?jurisdiction_id=paris.fr&api_key={key}",
    ],
)
def test_ids_in_the_path(client, staff_key, template):
    @given(value=HOSTILE)
    @BOUNDED
    def run(value):
        reply = client.get(template.format(quote(value, safe=""), key=staff_key))
        _assert_sane(reply, "service_request_id", value, "path")
        if reply.status_code == 400:
            # A character XML cannot carry is refused in any input, the path included (both formats agree).
            assert b"which XML cannot carry" in reply.data, (value, reply.data[:200])
        elif reply.status_code != 404 and "requests/" in template and value not in ("", " 7 "):
            # The only other answer for an id is the request itself.
            assert reply.status_code == 200, (value, reply.data[:200])

    run()


@pytest.mark.parametrize(
    "parameter", ["service_request_id", "update_id", "status", "description", "media_url", "email", "service_code"]
)
def test_post_servicerequestupdates(client, api_key, submit, parameter):
    report = submit(**POTHOLE).get_json()[0]["service_request_id"]
    counter = iter(range(10**6))

    @given(value=HOSTILE)
    @BOUNDED
    def run(value):
        form = {
            "api_key": api_key, "jurisdiction_id": "paris.fr", "service_request_id": report, "status": "OPEN",
            "update_id": f"p-{next(counter)}", "updated_datetime": "2024-05-01T10:00:00Z", "description": "x",
            parameter: value,
        }  # fmt: skip
        _assert_sane(client.post("/open311/v2/servicerequestupdates.json", data=form), parameter, value, "form")

    run()


@pytest.mark.parametrize(
    "parameter", ["detailed_status", "note", "department", "area", "duplicate_of", "media_url", "__path__"]
)
def test_post_staff_changes(client, staff_key, submit, parameter):
    report = submit(**POTHOLE).get_json()[0]["service_request_id"]

    @given(value=HOSTILE)
    @BOUNDED
    def run(value):
        target = quote(value, safe="") if parameter == "__path__" else report
        form = {"api_key": staff_key, "jurisdiction_id": "paris.fr", "note": "n"}
        if parameter != "__path__":
            form[parameter] = value
        reply = client.post(f"/open311/v2/requests/{target}/updates.json", data=form)
        _assert_sane(reply, parameter, value, "form")

    run()


@pytest.mark.parametrize(
    "parameter", ["service_code", "lat", "long", "address_string", "address_id", "media_url", "attribute[TAILLE]"]
)
def test_post_requests(client, api_key, parameter):
    @given(value=HOSTILE)
    @BOUNDED
    def run(value):
        form = {"api_key": api_key, "jurisdiction_id": "paris.fr", **POTHOLE, parameter: value}
        _assert_sane(client.post("/open311/v2/requests.json", data=form), parameter, value, "form")

    run()


def test_unicode_digits_and_bigint_overflow_are_400_not_500(client):
    """Finding 5, exactly as reported."""
    for query, parameter in [
        ("page=99999999999999999999", "page"),
        ("snapshot=99999999999999999999", "snapshot"),
        ("page_size=²", "page_size"),
        ("service_request_id=99999999999999999999", "service_request_id"),
        ("service_request_id=1,٣", "service_request_id"),
        ("service_request_id=²", "service_request_id"),
        ("page=-1", "page"),
        ("lat=٤٨&long=2.29&radius=10", "lat"),
    ]:
        reply = client.get(f"/open311/v2/requests.json?jurisdiction_id=paris.fr&{query}")
        assert reply.status_code == 400, (query, reply.data)
        assert reply.get_json()[0]["description"].startswith(f"{parameter}:"), reply.get_json()
    for path in ("²", "٣", "9" * 30):
        assert client.get(f"/open311/v2/requests/{quote(path)}.json?jurisdiction_id=paris.fr").status_code == 404
