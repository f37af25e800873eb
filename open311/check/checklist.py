"""Every check the checker grades: its id, section, title, where the rule comes from and how hard it fails.

``level`` is what a broken rule costs: ``fail`` where GeoReport v2 (or Service Discovery) says MUST, or where
a real client was seen to break (issue 11); ``warn`` where the standard is loose and the rule is a
recommendation, the project's documented reading (digest §6) or what strict validators expect. A check
that does not apply (an extension the server does not offer, a write without ``--write``) is skipped and
does not count in the score. docs/checker.md explains each one.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Sections in report order.
SECTIONS = (
    "discovery", "services", "requests", "errors", "formats", "datetimes", "jurisdiction", "strict",
    "extensions", "writes", "updates", "performance",
)  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One graded rule."""

    id: str
    section: str
    title: str
    spec: str
    level: str = "fail"


CHECKS = (
    # Discovery
    Check("discovery.fetch", "discovery", "Discovery answers in XML and in JSON",
          "Service Discovery: the URL ends in /discovery.<format>; 'Format must be both: xml, json'"),
    Check("discovery.fields", "discovery", "Discovery has every field, each endpoint typed production or test",
          "Service Discovery: 'All fields are required'; digest §2.0, checklist 1"),
    Check("discovery.changeset", "discovery", "changeset is a W3C datetime with a zone",
          "Service Discovery: 'Sortable field'; digest A14 (validators parse it as ISO 8601)", "warn"),
    Check("discovery.no-jurisdiction", "discovery", "Discovery answers without jurisdiction_id",
          "Service Discovery takes no parameter; issue 11 point 5"),
    Check("discovery.test-endpoint", "discovery", "A test endpoint serves the same catalogue",
          "Service Discovery: endpoint type 'test'; issue 11 point 7", "warn"),
    # Services and definitions
    Check("services.list", "services", "GET services answers <services>/<service>, a JSON array",
          "GeoReport v2 GET Service List; digest §2.1, A1, A2"),
    Check("services.fields", "services", "Every service has service_code, service_name, metadata and type",
          "GeoReport v2 GET Service List; digest checklist 4"),
    Check("definitions.fetch", "services", "Every service definition answers, for its own service_code",
          "GeoReport v2 GET Service Definition; digest §2.2, checklist 5"),
    Check("definitions.attributes", "services", "Every attribute is complete: datatype, order, values",
          "GeoReport v2 service definition attributes; digest §3.1, checklist 5"),
    Check("definitions.metadata", "services", "metadata is true exactly when a definition has attributes",
          "digest A10, checklist 4", "warn"),
    # Requests
    Check("requests.list", "requests", "GET requests answers <service_requests>/<request>, a JSON array",
          "GeoReport v2 GET Service Requests; digest §2.5, A1, A2"),
    Check("requests.fields", "requests", "Every record has its id, status open/closed, service and dates",
          "GeoReport v2 GET Service Requests fields; digest checklist 11"),
    Check("requests.default-window", "requests", "Without dates: the last 90 days, at most 1000 records",
          "GeoReport v2: 'defaults to most recent 90 days', 'first 1000 requests'; digest checklist 12"),
    Check("requests.dates", "requests", "start_date and end_date filter requested_datetime",
          "GeoReport v2 GET Service Requests start_date/end_date; digest checklist 13"),
    Check("requests.long-span", "requests", "A span over 90 days, or start_date alone, is answered",
          "issue 11 point 3 (the 1000 cap bounds the work); digest A6", "warn"),
    Check("requests.status", "requests", "status=open, closed and open,closed filter the records",
          "GeoReport v2 status filter; digest checklist 14"),
    Check("requests.service-code", "requests", "service_code filters, one code or a comma list",
          "GeoReport v2 service_code filter; digest checklist 14"),
    Check("requests.ids", "requests", "service_request_id=a,b returns those and overrides other filters",
          "GeoReport v2: 'This overrides all other arguments'; digest A16, checklist 14"),
    Check("requests.empty-params", "requests", "Empty parameters behave as absent ones",
          "GeoReport v2 'Optional' semantics; digest §1.6, checklist 15"),
    Check("request.one", "requests", "GET requests/{id} is a list of exactly that one record",
          "GeoReport v2 GET Service Request; digest checklist 17"),
    # Errors
    Check("errors.unknown-service", "errors", "Unknown service_code: 404 with the errors list",
          "GeoReport v2 GET Service Definition errors; digest §4.2"),
    Check("errors.unknown-request", "errors", "Unknown service_request_id: 404 with the errors list",
          "GeoReport v2: '404 for resources that don't exist'; digest checklist 17"),
    Check("errors.unknown-token", "errors", "Unknown token: 404 with the errors list",
          "GeoReport v2 GET token errors; digest checklist 10"),
    Check("errors.bad-argument", "errors", "Bad arguments: 400 with the errors list",
          "GeoReport v2: '400 for any other error'; digest §4.1"),
    Check("errors.missing-key", "errors", "POST without api_key: 403 with the errors list",
          "GeoReport v2: '403 - Missing or Invalid API Key'; digest A13, checklist 6"),
    Check("errors.unknown-format", "errors", "Unknown format suffix: 404 with the errors list",
          "digest §1.1 (the spec is silent), checklist 3", "warn"),
    # Formats
    Check("format.media-type-xml", "formats", "XML is served as exactly text/xml",
          "GeoReport v2 Content-Type; RFC 7303 (the declaration carries the encoding); issue 11 point 4"),
    Check("format.media-type-json", "formats", "JSON is served as exactly application/json",
          "GeoReport v2 Content-Type; RFC 8259 (no charset parameter); issue 11 point 4"),
    Check("format.xml-declaration", "formats", "Every XML response starts with the declaration, UTF-8",
          "GeoReport v2: 'the root element must be preceded with the XML declaration'; digest §1.2"),
    Check("format.utf8", "formats", "Every response is UTF-8", "GeoReport v2: 'UTF-8 is required everywhere'"),
    Check("format.xml-plain", "formats", "XML carries no namespace and no attribute",
          "GeoReport v2: 'schemaless and without a namespace declaration'; digest §1.2, A2", "warn"),
    Check("format.json-types", "formats", "JSON identifiers are strings, flags booleans, lat/long numbers",
          "digest A3, A4 (the community JSON Schemas)", "warn"),
    Check("format.agree", "formats", "XML and JSON carry the same records and the same texts",
          "GeoReport v2: JSON is 'a programmatic mapping of the XML format'; issue 11 point 6"),
    Check("schema.valid", "formats", "Every response validates against schemas/ (JSON Schema and XSD)",
          "schemas/README.md: the standard as machine-checkable artefacts", "warn"),
    # Datetimes
    Check("datetime.output", "datetimes", "Every datetime sent is W3C with a time zone",
          "GeoReport v2: 'Timezone information ... must be included'; digest §1.4"),
    Check("datetime.input-zones", "datetimes", "start_date accepts Z and ±hh:mm offsets",
          "GeoReport v2: 'Must use w3 format'; digest A8"),
    Check("datetime.input-space", "datetimes", "Datetimes with a space or fractional seconds are accepted",
          "issue 11 point 3 (Python's str(datetime)); liberal in what you accept", "warn"),
    # jurisdiction_id
    Check("jurisdiction.absent", "jurisdiction", "Without jurisdiction_id: answered, or 400 naming it",
          "GeoReport v2 jurisdiction_id; digest §1.5, checklist 18"),
    Check("jurisdiction.case", "jurisdiction", "jurisdiction_id is compared case-insensitively",
          "issue 11 point 5 (a domain name, RFC 4343)", "warn"),
    Check("jurisdiction.unknown", "jurisdiction", "An unknown jurisdiction_id: 404 (or ignored)",
          "GeoReport v2: '404 - jurisdiction_id provided was not found'; digest A22"),
    Check("jurisdiction.post-query", "jurisdiction", "POST reads jurisdiction_id from the query string too",
          "issue 11 point 5; liberal in what you accept", "warn"),
    # Strict clients
    Check("strict.address", "strict", "No record has an empty address",
          "issue 11 point 2 (typed clients reject address: null and lose the whole listing)"),
    Check("strict.required-values", "strict", "Ids, status, service and dates are never empty",
          "digest A5 (strictly typed clients); GeoReport v2 record fields"),
    # Extensions
    Check("ext.paging", "extensions", "Paging: page/page_size with totals", "digest §5.2, A21"),
    Check("ext.extensions", "extensions", "extensions=true adds extended_attributes, only when asked",
          "GeoReport v2 Extensions wiki; digest §5.4"),
    Check("ext.updated-after", "extensions", "updated_after filters updated_datetime", "digest §5.3, A7"),
    Check("ext.bbox", "extensions", "bbox=min_long,min_lat,max_long,max_lat filters by place", "digest §5.5"),
    Check("ext.radius", "extensions", "lat, long and radius (metres) filter by distance", "digest §5.5"),
    Check("ext.updates-feed", "extensions", "GET servicerequestupdates lists updates", "digest §5.11 (mySociety)"),
    Check("ext.locale", "extensions", "locale and Accept-Language translate the catalogue",
          "digest §5.10 (CitySDK locale); issue 11 point 8; RFC 9110 Content-Language, Vary"),
    # Writes (--write)
    Check("write.post-realtime", "writes", "POST to a realtime service returns a service_request_id",
          "GeoReport v2 POST Service Request, type realtime; digest A9, checklist 7"),
    Check("write.post-batch", "writes", "POST to a batch service returns a token", "GeoReport v2 type batch"),
    Check("write.post-blackbox", "writes", "POST to a blackbox service returns neither id nor token",
          "GeoReport v2 type blackbox; digest A9"),
    Check("write.readback", "writes", "The posted request reads back open, with its text intact in XML and JSON",
          "digest checklist 9; issue 11 points 2 and 6"),
    Check("write.token", "writes", "The token resolves to the service_request_id", "GeoReport v2 GET token"),
    Check("write.control-chars", "writes", "Characters XML cannot carry are refused with 400 naming the field",
          "issue 11 point 6 (XML 1.0 Char production)"),
    Check("write.post-errors", "writes", "POST errors: 403 bad key, 404 unknown service, 400 bad fields",
          "GeoReport v2 POST errors; digest checklist 6"),
    Check("write.cleanup", "writes", "What the checker created is closed again", "polite checking", "warn"),
    # mySociety's servicerequestupdates, as FixMyStreet uses it (--write)
    Check("updates.post", "updates", "POST servicerequestupdates answers an update_id", "digest §5.11"),
    Check("updates.resend", "updates", "A resent update_id gets the first answer again",
          "issue 11 point 1 (FixMyStreet retries until it reads an update_id)"),
    Check("updates.fms-fields", "updates", "FixMyStreet's extra fields are accepted",
          "issue 11 point 1 (media_url several times, names, email, service_code, email_alerts_requested)"),
    Check("updates.closed", "updates", "A comment on a closed request is accepted",
          "issue 11 point 1 (FixMyStreet sends the report's state, FIXED or CLOSED again)"),
    Check("updates.statuses", "updates", "DUPLICATE, INTERNAL_REFERRAL and FOR_TRIAGE are accepted",
          "issue 11 point 1; FixMyStreet perllib/Open311.pm map_state"),
    # Performance
    Check("perf.response-times", "performance", "Reads answer in time (p95 under --slow seconds)",
          "polite checking; a client's timeout", "warn"),
)  # fmt: skip

BY_ID = {check.id: check for check in CHECKS}
