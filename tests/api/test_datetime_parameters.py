"""Datetimes as clients send them, property-based (hypothesis) over every datetime parameter.

Whatever a client writes, a datetime parameter answers 200 or a 400 naming it, never a 500; every way of
writing an instant that clients use (``T`` or a space, fractions with . or ,, ``Z``, ``±hh:mm``, ``±hhmm``,
``±hh``, a ``+`` decoded as a space) reads as that instant; spans of any length answer results.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from open311.errors import BadRequest
from open311.logic.datetimes import EARLIEST, LATEST, parse_w3c

from ..conftest import POTHOLE
from ..factories import make_request

BOUNDED = settings(
    max_examples=60, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # fmt: skip

#: Every datetime parameter a GET reads, with the resource that reads it.
PARAMETERS = [
    ("requests", "start_date"),
    ("requests", "end_date"),
    ("requests", "updated_after"),
    ("requests", "updated_before"),
    ("servicerequestupdates", "start_date"),
    ("servicerequestupdates", "end_date"),
]

offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
instants = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59), timezones=st.just(UTC)
)


def _offset_text(value: datetime, style: str) -> str:
    delta = value.utcoffset()
    if delta == timedelta(0) and style == "Z":
        return "Z"
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    if style == "hh" and minutes == 0:
        return f"{sign}{hours:02d}"
    if style == "hhmm":
        return f"{sign}{hours:02d}{minutes:02d}"
    return f"{sign}{hours:02d}:{minutes:02d}"


@st.composite
def written(draw, local: datetime | None = None):
    """(text, instant): an instant in some zone, written the way some client writes it."""
    zone = draw(offsets)
    instant = draw(
        st.datetimes(
            min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(zone)
        )
    ) if local is None else local  # fmt: skip
    separator = draw(st.sampled_from(["T", " ", "t"]))
    fraction = ""
    if instant.microsecond:
        digits = f"{instant.microsecond:06d}"
        fraction = draw(st.sampled_from([".", ","])) + digits + draw(st.sampled_from(["", "0", "123"]))
    zone_text = _offset_text(instant, draw(st.sampled_from(["Z", "hh:mm", "hhmm", "hh"])))
    space = draw(st.sampled_from(["", " "])) if zone_text != "Z" else ""
    text = f"{instant:%Y-%m-%d}{separator}{instant:%H:%M:%S}{fraction}{space}{zone_text}"
    return text, instant


@given(written())
@BOUNDED
def test_every_way_of_writing_an_instant_reads_as_it(case):
    text, instant = case
    assert parse_w3c(text, "start_date") == instant
    assert parse_w3c(text.replace("+", " "), "start_date") == instant  # an unencoded + in a query string


@given(instants, offsets)
@BOUNDED
def test_any_instant_in_any_zone_parses_or_is_out_of_range(instant, zone):
    try:
        local = instant.astimezone(zone)
    except OverflowError:
        return  # not writable in that zone at all
    text = local.isoformat()
    try:
        assert parse_w3c(text, "end_date") == instant
        assert EARLIEST <= instant <= LATEST
    except BadRequest as refused:
        assert refused.description.startswith("end_date is out of range")
        assert not EARLIEST <= instant <= LATEST


def test_a_zone_stays_required():
    for text in ("2024-01-31T23:59:59", "2024-01-31 23:59", "2024-01-31", "2024-01-31T23:59:59 UTC"):
        with pytest.raises(BadRequest, match="must be a W3C datetime with a time zone"):
            parse_w3c(text, "start_date")


def _answer(client, resource: str, query: str):
    reply = client.get(f"/open311/v2/{resource}.json?jurisdiction_id=paris.fr&{query}")
    assert reply.status_code in (200, 400), (query, reply.status_code, reply.data[:300])
    assert reply.headers["Content-Type"] == "application/json"
    return reply


@pytest.mark.parametrize(("resource", "name"), PARAMETERS)
def test_any_text_answers_200_or_400_naming_the_parameter(client, resource, name):
    @given(st.text(max_size=40))
    @BOUNDED
    def run(text):
        reply = _answer(client, resource, f"{name}={quote(text)}")
        if reply.status_code == 400:
            assert reply.get_json()[0]["description"].startswith(f"{name}")

    run()


@pytest.mark.parametrize(("resource", "name"), PARAMETERS)
def test_extreme_dates_are_400_naming_the_parameter_never_500(client, resource, name):
    @given(instants, offsets)
    @BOUNDED
    def run(instant, zone):
        try:
            text = instant.astimezone(zone).isoformat()
        except OverflowError:
            text = instant.replace(tzinfo=zone).isoformat()
        reply = _answer(client, resource, f"{name}={quote(text)}")
        if reply.status_code == 400:
            assert reply.get_json()[0]["description"].startswith(f"{name}: is out of range")

    run()
    for edge in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59-12:00"):
        reply = _answer(client, resource, f"{name}={quote(edge)}")
        assert reply.status_code == 400 and f"{name}: is out of range" in reply.get_json()[0]["description"]
    for edge in ("0002-01-01T00:00:00Z", "9998-12-31T23:59:59.999999Z"):
        assert _answer(client, resource, f"{name}={quote(edge)}").status_code == 200


def test_spans_of_any_length_answer_results(client, session):
    recent = make_request(session, age=timedelta(days=1))
    old = make_request(session, age=timedelta(days=400))
    now = datetime.now(UTC)
    query = f"start_date={quote((now - timedelta(days=500)).isoformat())}&end_date={quote(now.isoformat())}"
    ids = [record["service_request_id"] for record in _answer(client, "requests", query).get_json()]
    assert ids.index(str(recent.id)) < ids.index(str(old.id))
    every = "start_date=0002-01-01T00:00:00Z&end_date=9998-12-31T00:00:00Z&page_size=1"
    reply = _answer(client, "requests", every)
    assert reply.status_code == 200 and int(reply.headers["X-Result-Count"]) >= 2


def test_a_lone_date_is_90_days_from_or_to_it(client, session):
    request = make_request(session, age=timedelta(days=200))
    requested = request.requested_datetime
    after, before = requested + timedelta(days=1), requested - timedelta(days=1)
    assert str(request.id) in _ids(client, f"start_date={quote(before.isoformat(sep=' '))}")
    assert str(request.id) not in _ids(client, f"start_date={quote((before - timedelta(days=90)).isoformat())}")
    assert str(request.id) in _ids(client, f"end_date={quote(after.isoformat(sep=' '))}")
    assert str(request.id) not in _ids(client, f"end_date={quote((after + timedelta(days=90)).isoformat())}")


def _ids(client, query: str) -> list[str]:
    return [record["service_request_id"] for record in _answer(client, "requests", query).get_json()]


def test_python_str_and_postgresql_text_in_a_query_string(client, session):
    request = make_request(session, age=timedelta(hours=2))
    moment = request.requested_datetime
    for text in (
        str(moment - timedelta(minutes=1)),  # Python: 2026-11-29 10:00:00.123456+00:00
        (moment - timedelta(minutes=1)).astimezone(timezone(timedelta(hours=-6))).isoformat(sep=" "),
        (moment - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S.%f+00"),  # PostgreSQL's text form
        (moment - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S") + " 00:00",  # an unencoded +
    ):
        assert str(request.id) in _ids(client, f"updated_after={quote(text, safe=' :')}"), text


def test_a_posted_update_reads_a_space_separated_datetime(client, submit, api_key):
    created = submit(**POTHOLE).get_json()[0]["service_request_id"]
    reply = client.post(
        "/open311/v2/servicerequestupdates.json",
        data={
            "api_key": api_key, "jurisdiction_id": "paris.fr", "service_request_id": created,
            "update_id": "space-1", "status": "OPEN", "description": "Toujours là",
            "updated_datetime": "2024-05-01 10:00:00.5+02",
        },
    )  # fmt: skip
    assert reply.status_code == 200, reply.data
