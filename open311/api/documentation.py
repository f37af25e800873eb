"""What openapi.yaml says beyond what each view declares: the ``Error`` schema, the answers every
GeoReport operation may give (403, 404, 413, 429, 503 with their headers), the multipart forms with a
``media`` photo, and the paths outside the GeoReport blueprint (/media/…, /healthz, /readyz, /metrics)."""

from __future__ import annotations

from flask_smorest import Api

from .blueprint import error_response_doc, geo_report
from .schemas import ErrorSchema

TEXT = {"type": "string"}
RETRY_AFTER = {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": {
        "description": 'Extension: the quotas that apply, e.g. "key";q=6000;w=60 (IETF RateLimit header fields).',
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'Extension: what remains of each quota and when it resets, e.g. "key";r=5998;t=41.',
        "schema": {"type": "string"},
    },
}


def _error(description: str, headers: dict | None = None) -> dict:
    response = error_response_doc(description)
    if headers:
        response["headers"] = headers
    return response


#: Answers any GeoReport operation may give, beside its own.
COMMON_RESPONSES = {
    "404": _error("Unknown jurisdiction_id, service, request, token or path."),
    "429": _error(
        "Extension: a rate limit is spent (per key, per key's writes, or per client address).",
        {"Retry-After": RETRY_AFTER, **RATE_LIMIT_HEADERS},
    ),
    "503": _error("The database cannot be reached at the moment.", {"Retry-After": RETRY_AFTER}),
}
#: Answers of operations that take a key or a body.
WRITE_RESPONSES = {
    "403": _error(
        "api_key missing, invalid, revoked or out of its scope; or a page of an origin not allowed to write."
    ),
    "413": _error("The body is too large, or the form has too many fields (checked before it is read)."),
}
FORBIDDEN = {"403": WRITE_RESPONSES["403"]}
#: Forms that may also come as multipart with a ``media`` photo (Extension), by their schema.
MULTIPART = {"SubmissionArgs", "StaffChangeArgs"}
MEDIA_PART = {
    "type": "object",
    "properties": {
        "media": {"type": "string", "format": "binary", "description": "Extension: a photo (JPEG, PNG, GIF or WebP)."}
    },
}


def _complete_operation(doc: dict, doc_info: dict, *, method: str, **_kwargs) -> dict:
    """flask-smorest callback: the answers every GeoReport operation may give, and the multipart form."""
    responses = doc.setdefault("responses", {})
    for status, response in {**COMMON_RESPONSES, **(WRITE_RESPONSES if method == "post" else FORBIDDEN)}.items():
        responses.setdefault(status, response)
    content = doc.get("requestBody", {}).get("content", {})
    form = content.get("application/x-www-form-urlencoded")
    if form and type(form["schema"]).__name__ in MULTIPART:
        content["multipart/form-data"] = {"schema": {"allOf": [form["schema"], MEDIA_PART]}}
    return doc


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _add_other_paths(spec, rule) -> None:
    """/media/{filename}, /healthz, /readyz and /metrics (``rule``: the Flask rule of an endpoint)."""
    not_found = _error("No such photo.")
    spec.path(
        rule=rule("media.media_file"),
        operations={
            "get": {
                "summary": "Extension: a photo uploaded with a request (its media_url).",
                "tags": ["media"],
                "responses": {
                    "200": {
                        "description": "The photo.",
                        "content": {
                            kind: {"schema": {"type": "string", "format": "binary"}}
                            for kind in ("image/jpeg", "image/png", "image/gif", "image/webp")
                        },
                    },
                    "404": not_found,
                },
            }
        },
    )
    checks = {"type": "object", "additionalProperties": {"type": "object", "properties": {"ok": {"type": "boolean"}}}}
    readiness = {
        "type": "object",
        "properties": {"status": {"type": "string", "enum": ["ready", "unready"]}, "checks": checks},
    }
    spec.path(rule=rule("ops.healthz"), operations={"get": {
        "summary": "Extension: alive (asks nothing of the database). Never rate limited.", "tags": ["operations"],
        "responses": {"200": _json("Alive.", {"type": "object", "properties": {"status": {"type": "string"}}})},
    }})  # fmt: skip
    spec.path(rule=rule("ops.readyz"), operations={"get": {
        "summary": "Extension: ready (database reachable, migrations at head, outbox delivered). Never rate limited.",
        "tags": ["operations"],
        "responses": {
            "200": _json("Ready.", readiness),
            "503": {**_json("Not ready (see checks).", readiness), "headers": {"Retry-After": RETRY_AFTER}},
        },
    }})  # fmt: skip
    spec.path(rule=rule("ops.metrics"), operations={"get": {
        "summary": "Extension: Prometheus metrics of every worker. Not rate limited; OPEN311_METRICS_ALLOW closes it.",
        "tags": ["operations"],
        "responses": {
            "200": {"description": "Prometheus' text format.", "content": {"text/plain": {"schema": TEXT}}},
            "403": _error("Not open to this address (OPEN311_METRICS_ALLOW)."),
            "404": _error("Turned off (OPEN311_METRICS_ALLOW=off)."),
        },
    }})  # fmt: skip


def document(api: Api) -> None:
    """Register the callback before the GeoReport blueprint, and the rest after it."""
    api.spec.components.schema("Error", schema=ErrorSchema)
    if _complete_operation not in geo_report._prepare_doc_cbks:
        geo_report._prepare_doc_cbks.append(_complete_operation)


def document_after_registration(api: Api, app) -> None:
    """The paths outside the blueprint."""
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    _add_other_paths(api.spec, rules.__getitem__)
