"""HTTP side of discovery, the service list and service definitions."""

from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView

from ..db import get_session
from ..formats import MEDIA_TYPES, render
from ..logic.catalog import list_services, service_definition
from ..logic.discovery import discovery_document
from ..logic.jurisdictions import resolve_jurisdiction
from .args import JurisdictionArgs
from .blueprint import FORMAT_PARAMETER, also_xml, geo_report
from .cache import catalog_cache
from .public_url import public_url
from .schemas import DiscoverySchema, ServiceDefinitionSchema, ServiceSchema


def current_jurisdiction(args: dict):
    """The jurisdiction the call names (or the only / default one), cached per worker for a short time."""
    named, default = args.get("jurisdiction_id"), current_app.config.get("DEFAULT_JURISDICTION")
    return catalog_cache().get_or_make(
        ("jurisdiction", named, default), lambda: resolve_jurisdiction(get_session(), named, default)
    )


def cached_document(fmt: str, root: str, key: tuple, make) -> Response:
    """A catalogue document rendered once per worker and cache period."""
    body = catalog_cache().get_or_make((*key, fmt), lambda: render(fmt, root, make()))
    return Response(body, content_type=MEDIA_TYPES[fmt])


@geo_report.route("/discovery.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class Discovery(MethodView):
    """Service Discovery."""

    @geo_report.arguments(JurisdictionArgs(), location="query")
    @also_xml(200)
    @geo_report.response(200, DiscoverySchema)
    def get(self, args, fmt):
        """Discovery: contact, key service, endpoints and formats."""
        jurisdiction = current_jurisdiction(args)
        base_url = public_url(geo_report.url_prefix)  # never from the request's Host
        return cached_document(
            fmt, "discovery", ("discovery", jurisdiction.id, base_url),
            lambda: discovery_document(jurisdiction, base_url, current_app.config["ENDPOINT_TYPE"]),
        )  # fmt: skip


@geo_report.route("/services.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class Services(MethodView):
    """GET Service List."""

    @geo_report.arguments(JurisdictionArgs(), location="query")
    @also_xml(200)
    @geo_report.response(200, ServiceSchema(many=True))
    def get(self, args, fmt):
        """The service request types of the jurisdiction and their service codes."""
        jurisdiction = current_jurisdiction(args)
        return cached_document(
            fmt, "services", ("services", jurisdiction.id), lambda: list_services(get_session(), jurisdiction)
        )


@geo_report.route("/services/<service_code>.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class ServiceDefinition(MethodView):
    """GET Service Definition."""

    @geo_report.arguments(JurisdictionArgs(), location="query")
    @also_xml(200)
    @geo_report.response(200, ServiceDefinitionSchema)
    def get(self, args, service_code, fmt):
        """The attributes of one service (an empty list when it has none)."""
        jurisdiction = current_jurisdiction(args)
        return cached_document(
            fmt, "service_definition", ("definition", jurisdiction.id, service_code),
            lambda: service_definition(get_session(), jurisdiction, service_code),
        )  # fmt: skip
