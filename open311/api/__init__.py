"""HTTP only: the GeoReport blueprint, its error handling and the API documentation."""

from __future__ import annotations

import http

from flask import Flask
from flask_smorest import Api

from ..formats import FORMATS
from .blueprint import error_response_doc
from .errors import API_PREFIX, http_error_response, register_error_handlers
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
        """Spec errors for the API, flask-smorest's JSON errors elsewhere (docs)."""
        from flask import request

        if request.path.startswith(API_PREFIX):
            return http_error_response(error)
        return super().handle_http_exception(error)


def init_api(app: Flask) -> Open311Api:
    """Register the blueprint, the ``fmt`` converter, the error handlers and /docs."""
    from . import areas, catalog, insight, requests, workflow  # noqa: F401  (register their views)
    from .blueprint import geo_report
    from .cache import init_cache
    from .media import media

    init_cache(app)
    app.url_map.converters["fmt"] = FormatConverter
    api = Open311Api(app)
    api.register_converter(FormatConverter, lambda _converter: {"type": "string", "enum": list(FORMATS)})
    api.register_blueprint(geo_report)
    app.register_blueprint(media)
    register_error_handlers(app)
    return api
