"""HTTP side of service requests: POST and GET requests, GET requests/{id}, GET tokens/{token}."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from flask import current_app, request, url_for
from flask.views import MethodView
from werkzeug.sansio.utils import get_current_url

from ..db import get_session
from ..logic.catalog import find_service
from ..logic.opendata.publication import Publication, publication
from ..logic.request_search import (
    MAX_RESULTS,
    UNPINNED,
    RequestQuery,
    get_request,
    listing_window,
    prepare_listing,
    resolve_token,
)
from ..logic.submission import Submission, submit_request
from ..media import Upload, check_upload, store_upload
from .args import RequestArgs, RequestsArgs, SubmissionArgs, TokenArgs, form_and_query
from .blueprint import FORMAT_PARAMETER, also_xml, geo_report
from .cache import catalog_cache, frozen
from .catalog import current_jurisdiction
from .conditional import VALIDATOR_HEADERS, listing_validators, not_modified, sends_validator, state_statement
from .folding import fold, known_answer
from .keys import KEYED, authenticated
from .public_url import public_url
from .rendering import respond
from .schemas import PostedRequestSchema, ServiceRequestSchema, TokenSchema

#: What a submission reads of a cached service: its attributes and their values.
SERVICE_DEFINITION = {"attributes": {"values": {}}}
ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")

PAGING_HEADERS = {
    "X-Result-Count": {
        "description": "Extension: how many requests match, over all pages.",
        "schema": {"type": "integer"},
    },
    "X-Page": {"description": "Extension: this page's number.", "schema": {"type": "integer"}},
    "X-Page-Size": {"description": "Extension: results per page.", "schema": {"type": "integer"}},
    "X-Page-Count": {"description": "Extension: how many pages.", "schema": {"type": "integer"}},
    "X-Snapshot": {"description": "Extension: the snapshot the pages are pinned to.", "schema": {"type": "integer"}},
    "Link": {"description": "Extension: first, prev, next and last pages (RFC 8288).", "schema": {"type": "string"}},
}


def posted_attributes() -> dict[str, list[str]]:
    """``attribute[CODE]=v``, ``attribute[CODE][]=v`` and repeated ``attribute[CODE]`` keys, by code (form
    or query string)."""
    values: dict[str, list[str]] = {}
    fields = form_and_query(request)
    for key in fields:
        match = ATTRIBUTE_KEY.match(key)
        if match:
            values.setdefault(match.group(1), []).extend(fields.getlist(key))
    return values


def take_upload(args: dict) -> Upload | None:
    """Extension: the checked ``media`` file of a multipart form; its URL goes into ``args["media_url"]``."""
    media = request.files.get("media")
    if media is None or not media.filename:
        return None
    limit = current_app.config["MEDIA_MAX_BYTES"]
    upload = check_upload(media.read(limit + 1), limit)
    args["media_url"] = public_url(url_for("media.media_file", filename=upload.filename))
    return upload


def store_and_commit(session, upload: Upload | None) -> None:
    """Write the upload (if any), then commit: a refused request leaves no file and no row."""
    if upload is not None:
        store_upload(upload, Path(current_app.config["MEDIA_DIR"]))
    session.commit()


def current_publication(jurisdiction) -> Publication:
    """Extension: the jurisdiction's publication settings, kept per worker like the catalogue."""
    return catalog_cache().get_or_make(
        ("publication", jurisdiction.id), lambda: publication(get_session(), jurisdiction)
    )


def request_filters(args: dict) -> RequestQuery:
    """The filters of GET requests (all but ids, dates and paging): statistics and maps take them too."""
    return RequestQuery(
        service_codes=args.get("service_code", []),
        statuses=args.get("status", []),
        updated_after=args.get("updated_after"),
        updated_before=args.get("updated_before"),
        bbox=args.get("bbox"),
        lat=args.get("lat"),
        long=args.get("long"),
        radius=args.get("radius"),
        agencies=args.get("agency_responsible", []),
        areas=args.get("area", []),
        detailed_statuses=args.get("detailed_status", []),
    )


def request_query(args: dict) -> RequestQuery:
    """The filters of GET requests with its ids, dates and paging (the exports take no paging)."""
    return replace(
        request_filters(args),
        service_request_ids=args.get("service_request_id", []),
        start_date=args.get("start_date"),
        end_date=args.get("end_date"),
        page=max(args.get("page", 1), 1),  # page=0 is page 1, as uReport does
        page_size=args.get("page_size", MAX_RESULTS),
        snapshot=args.get("snapshot"),
        extensions=args.get("extensions", False),
    )


def paging_headers(page) -> dict[str, str]:
    """X-Result-Count, X-Page, ... and Link (Extension) of one page of a listing."""
    headers = {
        "X-Result-Count": str(page.total),
        "X-Page": str(page.page),
        "X-Page-Size": str(page.page_size),
        "X-Page-Count": str(page.page_count),
        "X-Snapshot": str(page.snapshot),
    }
    links = {"first": 1, "last": page.page_count}
    if page.page > 1:
        links["prev"] = min(page.page - 1, page.page_count)
    if page.page < page.page_count:
        links["next"] = page.page + 1
    req = request._get_current_object()
    prefix = link_prefix(req.scheme, req.host, req.root_path, req.path, req.query_string)
    headers["Link"] = ", ".join(
        f'{prefix}page={number}&snapshot={page.snapshot}>; rel="{rel}"' for rel, number in links.items()
    )
    return headers


@lru_cache(maxsize=256)  # apps ask for the same few URLs again and again
def link_prefix(scheme: str, host: str, root_path: str, path: str, query: bytes) -> str:
    """The start of each Link of a listing's URL: its base URL and its query string without the page and
    the snapshot, parsed as werkzeug parses ``request.args`` and encoded again (about a sixth of a 100-row
    listing's own Python when done at each answer)."""
    pairs = parse_qsl(query.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
    params = urlencode([(k, v) for k, v in pairs if k not in {"page", "snapshot"}])
    base = get_current_url(scheme, host, root_path, path)
    return f"<{base}?{params}&" if params else f"<{base}?"


@geo_report.route("/requests.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class Requests(MethodView):
    """GET Service Requests and POST Service Request."""

    @geo_report.arguments(RequestsArgs(), location="query")
    @also_xml(200)
    @geo_report.response(200, ServiceRequestSchema(many=True), headers={**PAGING_HEADERS, **VALIDATOR_HEADERS})
    @geo_report.alt_response(304, description="Extension: not modified since the ETag or Last-Modified sent.")
    def get(self, args, fmt):
        """Requests matching the filters, newest first (default: the last 90 days, at most 1000).
        Extension: a repeated call with If-None-Match (or If-Modified-Since) answers 304 while nothing changed."""
        session, jurisdiction, query = get_session(), current_jurisdiction(args), request_query(args)
        window = listing_window(query, datetime.now(UTC))
        kept = catalog_cache().get_or_make
        listing = prepare_listing(
            session, jurisdiction, query, highest_id=UNPINNED, window=window,
            published=current_publication(jurisdiction), cache=kept,
        )  # fmt: skip
        statement, params = state_statement(jurisdiction, window)
        if sends_validator():  # the state before any row: a 304 reads none
            state = listing.read_state(session, statement, params)
            validators, unchanged = listing_validators(jurisdiction, window, state)
            if unchanged:
                return not_modified(validators)
            page = listing.read(session, counts=kept)
        else:  # the state and the rows in one snapshot (one round trip when reading in autocommit mode)
            state, page = listing.read_after(session, statement, params, counts=kept)
            validators, _unchanged = listing_validators(jurisdiction, window, state)
        return respond(fmt, "service_requests", page.records, headers={**paging_headers(page), **validators})

    @geo_report.arguments(SubmissionArgs(), location="form", content_type="application/x-www-form-urlencoded")
    @geo_report.doc(security=KEYED)
    @also_xml(200)
    @geo_report.response(200, PostedRequestSchema(many=True))
    def post(self, args, fmt):
        """Submit a request (api_key required). Multipart with a ``media`` image is accepted (Extension)."""
        session = get_session()
        jurisdiction = current_jurisdiction(args)
        api_key = authenticated(session, args, jurisdiction)
        fingerprint, earlier = known_answer(api_key.id, jurisdiction.id)
        if earlier is not None:  # Extension: the same submission again: its first answer, nothing stored
            return respond(fmt, "service_requests", earlier)
        upload = take_upload(args)
        fields = {name: args.get(name) for name in Submission.__dataclass_fields__ if name != "attributes"}
        submission = Submission(**fields, attributes=posted_attributes())
        record = submit_request(
            session, jurisdiction, api_key, submission, extensions=args["extensions"],
            services=lambda code: catalog_cache().get_or_make(
                ("service", jurisdiction.id, code),
                lambda: frozen(find_service(session, jurisdiction, code), SERVICE_DEFINITION),
            ),
        )  # fmt: skip
        earlier = fold(fingerprint, [record])
        if earlier is not None:
            return respond(fmt, "service_requests", earlier)
        store_and_commit(session, upload)
        return respond(fmt, "service_requests", [record])


@geo_report.route("/requests/<service_request_id>.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class RequestById(MethodView):
    """GET Service Request."""

    @geo_report.arguments(RequestArgs(), location="query")
    @also_xml(200)
    @geo_report.response(200, ServiceRequestSchema(many=True))
    def get(self, args, service_request_id, fmt):
        """One request, as a list of one record."""
        jurisdiction = current_jurisdiction(args)
        record = get_request(get_session(), jurisdiction, service_request_id, extensions=args["extensions"])
        return respond(fmt, "service_requests", [record])


@geo_report.route("/tokens/<token>.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class Token(MethodView):
    """GET service_request_id from a token."""

    @geo_report.arguments(TokenArgs(), location="query")
    @also_xml(200)
    @geo_report.response(200, TokenSchema(many=True))
    def get(self, args, token, fmt):
        """The service_request_id a batch token stands for."""
        jurisdiction = current_jurisdiction(args)
        return respond(fmt, "service_requests", [resolve_token(get_session(), jurisdiction, token)])
