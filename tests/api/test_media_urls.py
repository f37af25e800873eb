"""Finding 10: media_url accepted quotes and <script>. One strict validator wherever a media_url is accepted."""

from __future__ import annotations

import pytest

from ..conftest import POTHOLE

BAD = [
    'https://photos.example.org/a.jpg"onerror="alert(1)',
    "https://photos.example.org/a.jpg'><script>alert(1)</script>",
    "https://photos.example.org/<script>.jpg",
    "https://photos.example.org/a b.jpg",
    "https://photos.example.org/a.jpg\nSet-Cookie: x",
    "https://photos.example.org/a\\b.jpg",
    "https://photos.example.org/café.jpg",
    "javascript:alert(1)",
    "data:image/png;base64,AAAA",
    "ftp://photos.example.org/a.jpg",
    "http:///a.jpg",
    "https://" + "a" * 2000 + ".example.org/",
]
GOOD = "https://photos.example.org/2024/05/trou%20rue.jpg?size=full&v=2#x"


def submit_with(client, api_key, staff_key, report, where, url):
    if where == "POST requests":
        data = {"api_key": api_key, "jurisdiction_id": "paris.fr", **POTHOLE, "media_url": url}
        return client.post("/open311/v2/requests.json", data=data)
    if where == "staff API":
        data = {"api_key": staff_key, "jurisdiction_id": "paris.fr", "media_url": url, "note": "Photo"}
        return client.post(f"/open311/v2/requests/{report}/updates.json", data=data)
    data = {
        "api_key": api_key, "jurisdiction_id": "paris.fr", "service_request_id": report, "update_id": "m-1",
        "status": "OPEN", "updated_datetime": "2024-05-01T10:00:00Z", "description": "Photo", "media_url": url,
    }  # fmt: skip
    return client.post("/open311/v2/servicerequestupdates.json", data=data)


WHERE = ["POST requests", "staff API", "POST servicerequestupdates"]


@pytest.fixture()
def report(submit):
    return submit(**POTHOLE).get_json()[0]["service_request_id"]


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("url", BAD, ids=range(len(BAD)))
def test_a_bad_media_url_is_a_400_naming_it(client, api_key, staff_key, report, where, url):
    reply = submit_with(client, api_key, staff_key, report, where, url)
    assert reply.status_code == 400, reply.get_json()
    assert reply.get_json()[0]["description"].startswith("media_url"), reply.get_json()


@pytest.mark.parametrize("where", WHERE)
def test_a_well_formed_media_url_is_kept_as_sent(client, api_key, staff_key, report, where):
    reply = submit_with(client, api_key, staff_key, report, where, GOOD)
    assert reply.status_code == 200, reply.get_json()
    request_id = reply.get_json()[0]["service_request_id"] if where == "POST requests" else report
    record = client.get(f"/open311/v2/requests/{request_id}.json?jurisdiction_id=paris.fr").get_json()[0]
    assert record["media_url"] == GOOD
