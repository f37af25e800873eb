"""HTTP side of discovery, the service list and service definitions."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from ..db import get_session
from ..logic.catalog import list_services, service_definition
from ..logic.discovery import discovery_document
from ..logic.jurisdictions import resolve_jurisdiction
from .args import JurisdictionArgs
from .blueprint import FORMAT_PARAMETER, also_xml, geo_report
from .rendering import respond
from .schemas import DiscoverySchema, ServiceDefinitionSchema, ServiceSchema


def current_jurisdiction(args: dict):
    """The jurisdiction the call names (or the only / default one)."""
    return resolve_jurisdiction(
        get_session(), args.get("jurisdiction_id"), current_app.config.get("DEFAULT_JURISDICTION")
    )


@geo_report.route("/discovery.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class Discovery(MethodView):
    """Service Discovery."""

    @geo_report.arguments(JurisdictionArgs, location="query")
    @also_xml(200)
    @geo_report.response(200, DiscoverySchema)
    def get(self, args, fmt):
        """Discovery: contact, key service, endpoints and formats."""
        jurisdiction = current_jurisdiction(args)
        base_url = current_app.config.get("BASE_URL") or request.url_root.rstrip("/") + geo_report.url_prefix
        document = discovery_document(jurisdiction, base_url, current_app.config["ENDPOINT_TYPE"])
        return respond(fmt, "discovery", document)


@geo_report.route("/services.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class Services(MethodView):
    """GET Service List."""

    @geo_report.arguments(JurisdictionArgs, location="query")
    @also_xml(200)
    @geo_report.response(200, ServiceSchema(many=True))
    def get(self, args, fmt):
        """The service request types of the jurisdiction and their service codes."""
        return respond(fmt, "services", list_services(get_session(), current_jurisdiction(args)))


@geo_report.route("/services/<service_code>.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class ServiceDefinition(MethodView):
    """GET Service Definition."""

    @geo_report.arguments(JurisdictionArgs, location="query")
    @also_xml(200)
    @geo_report.response(200, ServiceDefinitionSchema)
    def get(self, args, service_code, fmt):
        """The attributes of one service (an empty list when it has none)."""
        definition = service_definition(get_session(), current_jurisdiction(args), service_code)
        return respond(fmt, "service_definition", definition)
