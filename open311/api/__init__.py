"""HTTP only: the GeoReport blueprint, its error handling and the API documentation."""

from __future__ import annotations

import http

from flask import Flask
from flask_smorest import Api

from ..formats import FORMATS
from .blueprint import error_response_doc
from .errors import http_error_response, register_error_handlers
from .keys import SECURITY_SCHEMES
from .rendering import FormatConverter
from .schemas import ErrorSchema


class Open311Api(Api):
    """flask-smorest's Api whose HTTP errors under /open311/ are the standard's ``errors`` list."""

    ERROR_SCHEMA = ErrorSchema(many=True)

    def _register_responses(self):
        """Document every error response as the ``errors`` list, in JSON and in XML."""
        for status in http.HTTPStatus:
            if 400 <= status < 600:
                self.spec.components.response(status.name, error_response_doc(status.phrase), lazy=True)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, error_response_doc("Error"), lazy=True)

    def handle_http_exception(self, error):
        """The standard's errors list everywhere (the API, its photos, the operators' endpoints, any
        unknown path): one error format for every client."""
        return http_error_response(error)


def init_api(app: Flask) -> Open311Api:
    """Register the blueprint, the ``fmt`` converter, the error handlers and /docs."""
    from . import areas, catalog, export, insight, requests, workflow  # noqa: F401  (register their views)
    from .blueprint import SANDBOX_NAME, SANDBOX_PREFIX, geo_report
    from .bounds import init_bounds
    from .browser import init_browser
    from .cache import init_cache
    from .compression import init_compression
    from .conditional import init_conditional
    from .documentation import document, document_after_registration
    from .media import media
    from .ops import init_ops
    from .rate_limiting import init_rate_limits

    init_ops(app)
    init_bounds(app)
    init_browser(app)
    init_rate_limits(app)
    init_cache(app)
    init_conditional(app)
    init_compression(app)
    app.url_map.converters["fmt"] = FormatConverter
    api = Open311Api(app)
    api.register_converter(FormatConverter, lambda _converter: {"type": "string", "enum": list(FORMATS)})
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    document(api)
    api.register_blueprint(geo_report)
    # Extension: the test endpoint, the same methods on the jurisdictions' sandbox twins (documented once).
    app.register_blueprint(geo_report, name=SANDBOX_NAME, url_prefix=SANDBOX_PREFIX)
    app.register_blueprint(media)
    register_error_handlers(app)
    document_after_registration(api, app)
    return api
