"""HTTP side of discovery, the service list and service definitions."""

from __future__ import annotations

from flask import Response, current_app, request
from flask.views import MethodView

from ..db import get_session
from ..formats import MEDIA_TYPES, render
from ..logic.catalog import list_services, service_definition
from ..logic.discovery import discovery_for
from ..logic.jurisdictions import resolve_jurisdiction
from ..logic.languages import available_languages, choose_language
from .args import CatalogueArgs, JurisdictionArgs
from .blueprint import FORMAT_PARAMETER, SANDBOX_NAME, SANDBOX_PREFIX, also_xml, geo_report
from .cache import catalog_cache, frozen
from .public_url import public_url
from .schemas import DiscoverySchema, ServiceDefinitionSchema, ServiceSchema


def current_jurisdiction(args: dict):
    """The jurisdiction the call names (or the only / default one), cached per worker for a short time
    as a frozen copy (the same attribute names as the row, bound to no session); on the test endpoint
    (Extension), its sandbox twin."""
    named, default = args.get("jurisdiction_id"), current_app.config.get("DEFAULT_JURISDICTION")
    sandbox = request.blueprint == SANDBOX_NAME
    return catalog_cache().get_or_make(
        ("jurisdiction", named, default, sandbox),
        lambda: frozen(resolve_jurisdiction(get_session(), named, default, sandbox=sandbox)),
    )


def endpoint_urls() -> tuple[str, str]:
    """The public URLs of the production endpoint (from ``OPEN311_BASE_URL``, else the address the server
    listens on) and of the test endpoint beside it (Extension: ``/open311/test/v2``)."""
    return public_url(geo_report.url_prefix), public_url(SANDBOX_PREFIX)  # never from the request's Host


def cached_document(fmt: str, root: str, key: tuple, make, headers: dict | None = None) -> Response:
    """A catalogue document rendered once per worker and cache period."""
    body = catalog_cache().get_or_make((*key, fmt), lambda: render(fmt, root, make()))
    return Response(body, content_type=MEDIA_TYPES[fmt], headers=headers)


def catalogue_language(jurisdiction, locale: str | None) -> tuple[str, dict]:
    """Extension: the language of the catalogue's texts (``locale``, else Accept-Language, else the
    jurisdiction's) and the headers saying so."""
    available = catalog_cache().get_or_make(
        ("languages", jurisdiction.id), lambda: available_languages(get_session(), jurisdiction)
    )
    language = choose_language(available, jurisdiction.language, locale, request.accept_languages)
    return language, {"Content-Language": language, "Vary": "Accept-Language"}


#: Extension: the catalogue in the user's language.
LANGUAGE_HEADERS = {
    "Content-Language": {"description": "Extension: the language of the texts.", "schema": {"type": "string"}},
    "Vary": {"description": "Accept-Language: the texts depend on it.", "schema": {"type": "string"}},
}


@geo_report.route("/discovery.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class Discovery(MethodView):
    """Service Discovery."""

    @geo_report.arguments(JurisdictionArgs(), location="query")
    @also_xml(200)
    @geo_report.response(200, DiscoverySchema)
    def get(self, args, fmt):
        """Discovery: contact, key service, endpoints and formats (of the server when it hosts several
        jurisdictions and none is named)."""
        named, default = args.get("jurisdiction_id"), current_app.config.get("DEFAULT_JURISDICTION")
        production, test = endpoint_urls()
        endpoint = (production, current_app.config["ENDPOINT_TYPE"])
        return cached_document(
            fmt, "discovery", ("discovery", named and named.lower(), default, production, test),
            lambda: discovery_for(get_session(), named, default, endpoint, test),
        )  # fmt: skip


@geo_report.route("/services.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class Services(MethodView):
    """GET Service List."""

    @geo_report.arguments(CatalogueArgs(), location="query")
    @also_xml(200)
    @geo_report.response(200, ServiceSchema(many=True), headers=LANGUAGE_HEADERS)
    def get(self, args, fmt):
        """The service request types of the jurisdiction and their service codes."""
        jurisdiction = current_jurisdiction(args)
        language, headers = catalogue_language(jurisdiction, args.get("locale"))
        return cached_document(
            fmt, "services", ("services", jurisdiction.id, language),
            lambda: list_services(get_session(), jurisdiction, language), headers,
        )  # fmt: skip


@geo_report.route("/services/<service_code>.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class ServiceDefinition(MethodView):
    """GET Service Definition."""

    @geo_report.arguments(CatalogueArgs(), location="query")
    @also_xml(200)
    @geo_report.response(200, ServiceDefinitionSchema, headers=LANGUAGE_HEADERS)
    def get(self, args, service_code, fmt):
        """The attributes of one service (an empty list when it has none)."""
        jurisdiction = current_jurisdiction(args)
        language, headers = catalogue_language(jurisdiction, args.get("locale"))
        return cached_document(
            fmt, "service_definition", ("definition", jurisdiction.id, service_code, language),
            lambda: service_definition(get_session(), jurisdiction, service_code, language), headers,
        )  # fmt: skip
