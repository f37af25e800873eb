"""HTTP only: the GeoReport blueprint, its error handling and the API documentation."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from ..formats import FORMATS
from .errors import API_PREFIX, http_error_response, register_error_handlers
from .rendering import FormatConverter


class Open311Api(Api):
    """flask-smorest's Api whose HTTP errors under /open311/ are the standard's ``errors`` list."""

    def handle_http_exception(self, error):
        """Spec errors for the API, flask-smorest's JSON errors elsewhere (docs)."""
        from flask import request

        if request.path.startswith(API_PREFIX):
            return http_error_response(error)
        return super().handle_http_exception(error)


def init_api(app: Flask) -> Open311Api:
    """Register the blueprint, the ``fmt`` converter, the error handlers and /docs."""
    from . import catalog  # noqa: F401  (registers the catalogue views)
    from .blueprint import geo_report

    app.url_map.converters["fmt"] = FormatConverter
    api = Open311Api(app)
    api.register_converter(FormatConverter, lambda _converter: {"type": "string", "enum": list(FORMATS)})
    api.register_blueprint(geo_report)
    register_error_handlers(app)
    return api
