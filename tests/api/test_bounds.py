"""Bounded work before authentication: sizes and counts before parsing, the key before the body."""

from __future__ import annotations

import io

import pytest

from ..conftest import POTHOLE


class UnreadableBody(io.RawIOBase):
    """A request body of ``size`` bytes that fails the test if anything reads it."""

    def __init__(self, size: int):
        super().__init__()
        self.size, self.position = size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self.size if whence == 2 else offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, _buffer) -> int:
        raise AssertionError("the body was read")


def test_a_form_with_too_many_fields_is_refused_before_it_is_parsed(client):
    body = "&".join(f"f{n}=v" for n in range(20_000))  # 150 kB: within the size limit
    reply = client.post("/open311/v2/requests.json", data=body, content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 413
    assert reply.get_json() == [{"code": 413, "description": "The form has more than 500 fields."}]


def test_a_multipart_form_with_too_many_parts_is_refused(client):
    data = {f"f{n}": "v" for n in range(600)}
    reply = client.post("/open311/v2/requests.xml", data=data, content_type="multipart/form-data")
    assert reply.status_code == 413
    assert b"<errors><error><code>413</code>" in reply.data


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_a_body_over_the_limit_is_refused_before_a_byte_is_read(app, client, content_type):
    limit = app.config["MAX_FORM_BYTES"] + (app.config["MEDIA_MAX_BYTES"] if "multipart" in content_type else 0)
    reply = client.post(
        "/open311/v2/requests.json", input_stream=UnreadableBody(limit + 1), headers={"Content-Type": content_type},
    )  # fmt: skip
    assert reply.status_code == 413
    assert reply.get_json()[0]["description"] == f"The request body is larger than {limit} bytes."


@pytest.mark.parametrize(
    "headers",
    [{"X-API-Key": "o311_unknown"}, {"Authorization": "Bearer o311_unknown"}],
    ids=["x-api-key", "bearer"],
)
def test_a_bad_key_in_a_header_is_refused_before_the_body_is_read(client, headers):
    reply = client.post(
        "/open311/v2/requests.json", input_stream=UnreadableBody(1000),
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert reply.status_code == 403
    assert reply.get_json()[0]["code"] == 403


def test_a_bad_key_in_the_query_string_is_refused_before_the_body_is_read(client):
    reply = client.post(
        "/open311/v2/requests.xml?api_key=o311_unknown", input_stream=UnreadableBody(1000),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert reply.status_code == 403
    assert reply.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<errors>')


def test_a_live_key_in_a_header_lets_the_request_through(client, api_key):
    reply = client.post(
        "/open311/v2/requests.json", headers={"X-API-Key": api_key},
        data={"api_key": api_key, "jurisdiction_id": "paris.fr", **POTHOLE},
    )  # fmt: skip
    assert reply.status_code == 200, reply.get_json()


def test_a_revoked_key_in_a_header_is_refused(client, session, api_key):
    from open311.logic.api_keys import list_keys, revoke_key

    revoke_key(session, list_keys(session)[-1].id)
    reply = client.post("/open311/v2/requests.json", headers={"X-API-Key": api_key}, data={**POTHOLE})
    assert reply.status_code == 403


def test_an_ordinary_submission_is_within_every_bound(submit):
    reply = submit(**POTHOLE, description="é" * 4000, address_string="a" * 1000)
    assert reply.status_code == 200, reply.get_json()


def test_a_multipart_part_without_a_name_is_a_400(client):
    body = b'--b\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n'
    reply = client.post("/open311/v2/requests.json", data=body, content_type="multipart/form-data; boundary=b")
    assert (
        reply.status_code == 400 and reply.get_json()[0]["description"] == "A part of the multipart form has no name."
    )
