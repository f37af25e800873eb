"""A query string's parsed arguments are kept per schema (apps poll the same URLs): the same answer as a
fresh parse, handed out as copies, and a query string that fails validation is never kept."""

from __future__ import annotations

from open311.api.args import RequestsArgs
from open311.api.blueprint import geo_report

LISTING = "/open311/v2/requests.json?jurisdiction_id=paris.fr&service_code=5201&status=open&status=closed"


def test_a_query_string_is_parsed_once_and_handed_out_as_copies(app, client):
    parser = geo_report.ARGUMENTS_PARSER
    parser._parsed.clear()
    first = client.get(LISTING)
    assert first.status_code == 200 and len(parser._parsed._entries) == 1
    again = client.get(LISTING)
    assert again.status_code == 200 and again.get_data() == first.get_data() and len(parser._parsed._entries) == 1
    with app.test_request_context(LISTING):
        schema = next(key[0] for key in parser._parsed._entries)
        assert isinstance(schema, RequestsArgs)
        parsed = parser.parse(schema, location="query")
        parsed["status"].append("changed by a view")
        assert parser.parse(schema, location="query")["status"] == ["open", "closed"]


def test_a_query_string_that_fails_is_never_kept(client):
    parser = geo_report.ARGUMENTS_PARSER
    parser._parsed.clear()
    for _attempt in range(2):
        reply = client.get("/open311/v2/requests.json?jurisdiction_id=paris.fr&page_size=abc")
        assert reply.status_code == 400 and "page_size" in reply.get_data(as_text=True)
    assert parser._parsed._entries == {}
