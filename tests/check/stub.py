"""A small in-memory GeoReport v2 server that does what the standard (and issue 11) asks, with faults to
switch on one at a time, and real captures to serve in place of its own documents.

Production is served under /v2/, the test endpoint under /test/v2/ (the same catalogue, its own requests).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from .stub_formats import POT_ATTRIBUTES, SERVICES, to_json, to_xml, translate, w3c

JURISDICTION = "stub.example"
KEY = "stub-key"
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
FAULTS = {
    "update_resend_400", "update_closed_400", "update_statuses_400", "update_statuses_403",  # issue 11 point 1
    "address_null",  # point 2
    "refuse_space_datetimes", "long_span_400",  # point 3
    "charset",  # point 4
    "discovery_needs_jurisdiction", "post_jurisdiction_form_only", "jurisdiction_case_sensitive",  # point 5
    "xml_raw_cr", "accept_control_chars",  # point 6
    "no_test_endpoint",  # point 7
    "xml_only",  # discovery offers XML only (JSON is optional in GeoReport v2)
    "unknown_id_400",  # requests/{id} answers 400 for an id that is not a number
    "locale_no_vary", "locale_ignores_accept_language",  # point 8
}  # fmt: skip
UPDATE_STATUSES = {"OPEN", "CLOSED", "FIXED", "REOPEN", "UNCHANGED", "IN_PROGRESS", "DUPLICATE", "INTERNAL_REFERRAL",
                   "FOR_TRIAGE", "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION", "ACTION_SCHEDULED"}  # fmt: skip


class Refused(HTTPException):
    """A GeoReport error: its status and descriptions."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__()
        self.code, self.descriptions = status, descriptions


def _record(number, code, status, requested, updated, lat, lon, description, address) -> dict:
    name = next(translate(s["service_name"], "en") for s in SERVICES if s["service_code"] == code)
    return {"service_request_id": str(number), "status": status, "status_notes": None, "service_name": name,
            "service_code": code, "description": description, "agency_responsible": "Streets",
            "service_notice": None, "requested_datetime": requested, "updated_datetime": updated,
            "expected_datetime": None, "address": address, "address_id": None, "zipcode": "12345",
            "lat": lat, "long": lon, "media_url": None}  # fmt: skip


def _seed(now: datetime) -> list[dict]:
    def record(number, code, status, age, updated_age, lat, lon, description):
        return _record(number, code, status, now - age, now - updated_age, lat, lon, description, f"{number} Main St")

    return [
        record(101, "POT", "open", timedelta(days=1), timedelta(days=1), 50.1, 8.1, "Deep\r\nnear the school: é & <"),
        record(102, "POT", "closed", timedelta(days=2), timedelta(hours=5), 50.1005, 8.1005, "Fixed already"),
        record(103, "TREE", "open", timedelta(days=3), timedelta(days=3), 50.12, 8.12, None),
        record(104, "POT", "closed", timedelta(days=200), timedelta(days=150), 50.1, 8.1, "Old"),
    ]


class Stub:
    """The WSGI application. ``faults``: names from FAULTS; ``captures``: path under /v2/ -> file served;
    ``past_days``: how long ago the seeded requests were made (more than 90: none in the default window)."""

    def __init__(self, faults=(), captures: dict[str, Path] | None = None, past_days: int = 0):
        unknown = set(faults) - FAULTS
        if unknown:
            raise ValueError(f"unknown faults {unknown}")
        self.faults, self.captures = set(faults), captures or {}
        now = datetime.now(UTC).replace(microsecond=0) - timedelta(days=past_days)
        self.stores = {"v2": _seed(now), "test/v2": []}
        self.tokens: dict[str, str] = {}
        self.updates: list[dict] = []
        self.update_ids: dict[str, str] = {}
        self.next_id = 200

    def __call__(self, environ, start_response):
        request = Request(environ)
        match = re.match(r"^/(v2|test/v2)/(.+)\.(json|xml|[a-z]+)$", request.path)
        fmt = match.group(3) if match and match.group(3) in ("json", "xml") else "xml"
        try:
            if not match or match.group(3) not in ("json", "xml"):
                raise Refused(404, f"no resource at {request.path}")
            response = self.dispatch(request, match.group(1), match.group(2), fmt)
        except Refused as refused:
            payload = [{"code": refused.code, "description": d} for d in refused.descriptions]
            response = self.respond(request, fmt, "errors", payload, refused.code)
        return response(environ, start_response)

    # Answers ----------------------------------------------------------------------------------------

    def respond(self, request, fmt, root, payload, status=200, headers=None, language=None) -> Response:
        """The payload in ``fmt``, with the exact media type (or the charset fault)."""
        body = to_json(payload) if fmt == "json" else to_xml(root, payload, "xml_raw_cr" in self.faults)
        media_type = "application/json" if fmt == "json" else "text/xml"
        if "charset" in self.faults:
            media_type += "; charset=utf-8"
        response = Response(body, status=status, content_type=media_type, headers=headers or {})
        if language:
            response.headers["Content-Language"] = language
            if "locale_no_vary" not in self.faults:
                response.headers["Vary"] = "Accept-Language"
        return response

    def dispatch(self, request, endpoint: str, path: str, fmt: str) -> Response:
        """Route one GeoReport call."""
        capture = self.captures.get(f"{path}.{fmt}")
        if capture is not None and endpoint == "v2":
            return Response(capture.read_bytes(), content_type="application/json" if fmt == "json" else "text/xml")
        args = {k: v for k, v in request.args.items() if v != ""}
        if path == "discovery":
            if "discovery_needs_jurisdiction" in self.faults:
                self.jurisdiction(args)
            return self.respond(request, fmt, "discovery", self.discovery(request))
        form = {k: v for k, v in request.form.items() if v != ""} if request.method == "POST" else {}
        if request.method == "POST" and "post_jurisdiction_form_only" not in self.faults:
            form = {**{k: v for k, v in args.items() if k == "jurisdiction_id"}, **form}
        self.jurisdiction(form if request.method == "POST" else args)
        store = self.stores[endpoint]
        if path in ("services", "services/") or path.startswith("services/"):
            return self.catalogue(request, fmt, path.removeprefix("services").lstrip("/"), args)
        if path == "requests" and request.method == "POST":
            return self.respond(request, fmt, "service_requests", [self.submit(request, form, store)])
        if path == "requests":
            records, headers = self.search(args, store)
            return self.respond(request, fmt, "service_requests", records, headers=headers)
        if path.startswith("requests/"):
            found = [r for r in store if r["service_request_id"] == path.split("/", 1)[1]]
            if "unknown_id_400" in self.faults and not path.split("/", 1)[1].isdigit():
                raise Refused(400, "service_request_id must be a number")
            if not found:
                raise Refused(404, f"request {path.split('/', 1)[1]} not found")
            return self.respond(request, fmt, "service_requests", [self.public(found[0], args)])
        if path.startswith("tokens/"):
            token = path.split("/", 1)[1]
            if token not in self.tokens:
                raise Refused(404, f"token {token} not found")
            return self.respond(request, fmt, "service_requests", [{"service_request_id": self.tokens[token],
                                                                    "token": token}])  # fmt: skip
        if path == "servicerequestupdates" and request.method == "POST":
            return self.respond(request, fmt, "service_request_updates", [self.receive_update(form, store)])
        if path == "servicerequestupdates":
            return self.respond(request, fmt, "service_request_updates", self.updates)
        raise Refused(404, f"no resource at {request.path}")

    def jurisdiction(self, values: dict) -> None:
        """jurisdiction_id is required (two are hosted), compared case-insensitively."""
        named = values.get("jurisdiction_id")
        if not named:
            raise Refused(400, "jurisdiction_id was not provided")
        wanted = JURISDICTION if "jurisdiction_case_sensitive" in self.faults else JURISDICTION.lower()
        if (named if "jurisdiction_case_sensitive" in self.faults else named.lower()) not in (wanted, "other.example"):
            raise Refused(404, f"jurisdiction_id provided was not found: {named}")

    def discovery(self, request) -> dict:
        """Production and (unless the fault) test endpoints."""

        def endpoint(path, kind):
            return {"specification": "http://wiki.open311.org/GeoReport_v2", "url": f"{request.host_url}{path}",
                    "changeset": "2026-01-01T00:00:00Z", "type": kind,
                    "formats": ["text/xml"] if "xml_only" in self.faults else ["text/xml", "application/json"]}  # fmt: skip

        endpoints = [endpoint("v2", "production")]
        if "no_test_endpoint" not in self.faults:
            endpoints.append(endpoint("test/v2", "test"))
        return {"changeset": "2026-01-01T00:00:00Z", "contact": "stub@example.org",
                "key_service": "Ask stub@example.org", "endpoints": endpoints}  # fmt: skip

    def language(self, request, args) -> str:
        """locale, then Accept-Language, then English."""
        wanted = args.get("locale")
        if not wanted and "locale_ignores_accept_language" not in self.faults:
            wanted = request.accept_languages.best_match(["en", "fr"])
        return "fr" if wanted and wanted.lower().startswith("fr") else "en"

    def catalogue(self, request, fmt, code: str, args) -> Response:
        """services and services/{code}, translated."""
        language = self.language(request, args)
        if not code:
            return self.respond(request, fmt, "services", translate(SERVICES, language), language=language)
        service = next((s for s in SERVICES if s["service_code"] == code), None)
        if service is None:
            raise Refused(404, f"service_code {code} not found")
        attributes = POT_ATTRIBUTES if code == "POT" else []
        return self.respond(request, fmt, "service_definition",
                            {"service_code": code, "attributes": translate(attributes, language)}, language=language)  # fmt: skip

    # Requests ---------------------------------------------------------------------------------------

    def when(self, value: str, name: str) -> datetime:
        """A datetime parameter (a space for the T too, unless the fault)."""
        text = value if "refuse_space_datetimes" in self.faults else value.replace(" ", "T", 1)
        if not DATETIME.match(text):
            raise Refused(400, f"{name} must be a W3C datetime with a time zone")
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    def public(self, record: dict, args: dict) -> dict:
        """The record as sent (extended_attributes only with extensions=true)."""
        shown = dict(record)
        if args.get("extensions") == "true":
            shown["extended_attributes"] = {"channel": "stub"}
        for name in ("requested_datetime", "updated_datetime"):
            shown[name] = w3c(shown[name])
        return shown

    def search(self, args: dict, store: list) -> tuple[list, dict]:
        """GET requests with the standard's filters and the extensions."""
        if args.get("service_request_id"):
            wanted = args["service_request_id"].split(",")
            return [self.public(r, args) for r in store if r["service_request_id"] in wanted], {}
        statuses = args.get("status", "open,closed").split(",")
        if set(statuses) - {"open", "closed"}:
            raise Refused(400, "status must be open or closed")
        start = self.when(args["start_date"], "start_date") if "start_date" in args else None
        end = self.when(args["end_date"], "end_date") if "end_date" in args else None
        updated_after = self.when(args["updated_after"], "updated_after") if "updated_after" in args else None
        now = datetime.now(UTC)
        if start is None and end is None and updated_after is None:
            start = now - timedelta(days=90)
        if "long_span_400" in self.faults and start and (end or now) - start > timedelta(days=90):
            raise Refused(400, "start_date and end_date may not span more than 90 days")
        codes = args["service_code"].split(",") if "service_code" in args else None
        found = [
            r for r in store
            if r["status"] in statuses and (codes is None or r["service_code"] in codes)
            and (start is None or r["requested_datetime"] >= start) and (end is None or r["requested_datetime"] <= end)
            and (updated_after is None or r["updated_datetime"] > updated_after) and self.placed(r, args)
        ]  # fmt: skip
        found.sort(key=lambda r: r["requested_datetime"], reverse=True)
        size, page = int(args.get("page_size", 1000)), max(int(args.get("page", 1)), 1)
        size = min(size, 1000)  # pages of at most 1,000 records, through the whole listing
        chosen = found[(page - 1) * size : page * size]
        return [self.public(r, args) for r in chosen], {"X-Result-Count": str(len(found))}

    def placed(self, record: dict, args: dict) -> bool:
        """bbox (min_long,min_lat,max_long,max_lat) and lat/long/radius (metres)."""
        if "bbox" in args:
            west, south, east, north = (float(v) for v in args["bbox"].split(","))
            if not (south <= record["lat"] <= north and west <= record["long"] <= east):
                return False
        if "radius" in args:
            lat, lon = math.radians(float(args["lat"])), math.radians(float(args["long"]))
            rlat, rlon = math.radians(record["lat"]), math.radians(record["long"])
            h = math.sin((rlat - lat) / 2) ** 2 + math.cos(lat) * math.cos(rlat) * math.sin((rlon - lon) / 2) ** 2
            return 2 * 6371008.8 * math.asin(math.sqrt(h)) <= float(args["radius"])
        return True

    def submit(self, request, form: dict, store: list) -> dict:
        """POST requests: key, service, location, attributes, description; then id, token or nothing."""
        if form.get("api_key") != KEY:
            raise Refused(403, "api_key is missing or invalid")
        service = next((s for s in SERVICES if s["service_code"] == form.get("service_code")), None)
        if not form.get("service_code"):
            raise Refused(400, "service_code was not provided")
        if service is None:
            raise Refused(404, f"service_code {form['service_code']} not found")
        problems = []
        if ("lat" in form) != ("long" in form):
            problems.append("lat and long go together")
        elif not ({"lat", "address_string", "address_id"} & set(form)):
            problems.append("a location is required: lat and long, address_string or address_id")
        description = form.get("description") or ""
        if len(description) > 4000:
            problems.append("description: at most 4000 characters")
        if re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", description) and "accept_control_chars" not in self.faults:
            problems.append("description: control characters cannot be stored")
        if service["service_code"] == "POT":
            size = request.form.getlist("attribute[SIZE]")
            if not size:
                problems.append("attribute SIZE is required")
            elif size[0] not in ("small", "large"):
                problems.append("attribute SIZE: not one of small, large")
        if problems:
            raise Refused(400, *problems)
        self.next_id += 1
        number = str(self.next_id)
        now = datetime.now(UTC)
        lat, lon = float(form.get("lat", 50.1)), float(form.get("long", 8.1))
        address = form.get("address_string") or (None if "address_null" in self.faults else f"Near {lat}, {lon}")
        code = service["service_code"]
        store.append(_record(number, code, "open", now, now, lat, lon, description or None, address))
        if service["type"] == "batch":
            token = f"token-{number}"
            self.tokens[token] = number
            return {"token": token}
        return {"service_request_id": number} if service["type"] == "realtime" else {"service_notice": "Thanks"}

    def receive_update(self, form: dict, store: list) -> dict:
        """mySociety's POST servicerequestupdates, as FixMyStreet needs it."""
        if form.get("api_key") != KEY:
            raise Refused(403, "api_key is missing or invalid")
        record = next((r for r in store if r["service_request_id"] == form.get("service_request_id")), None)
        if record is None:
            raise Refused(404, "service_request_id not found")
        if form.get("update_id") in self.update_ids:
            if "update_resend_400" in self.faults:
                raise Refused(400, "update_id already received")
            return {"update_id": self.update_ids[form["update_id"]]}
        status = form.get("status", "").upper()
        if status not in UPDATE_STATUSES or (
            "update_statuses_400" in self.faults and status in ("DUPLICATE", "INTERNAL_REFERRAL", "FOR_TRIAGE")
        ):
            raise Refused(400, f"status {status} is not accepted")
        if "update_statuses_403" in self.faults and status in ("DUPLICATE", "INTERNAL_REFERRAL", "FOR_TRIAGE"):
            raise Refused(403, f"only a staff key may set {status}")
        if record["status"] == "closed" and status in ("FIXED", "CLOSED") and "update_closed_400" in self.faults:
            raise Refused(400, "the request is already closed")
        record["status"] = "closed" if status in ("FIXED", "CLOSED", "DUPLICATE") else "open"
        record["updated_datetime"] = datetime.now(UTC)
        update_id = f"u{len(self.updates) + 1}"
        self.update_ids[form["update_id"]] = update_id
        self.updates.append({"update_id": update_id, "service_request_id": record["service_request_id"],
                             "status": record["status"], "updated_datetime": w3c(record["updated_datetime"]),
                             "description": form.get("description"), "media_url": None})  # fmt: skip
        return {"update_id": update_id}
