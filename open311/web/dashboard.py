"""Extension: /dashboard, the city's map and figures for its managers, built on the public API.

The page itself carries no data: its script asks the API (areas, services, statistics, hotspots) like
any client would, so it shows exactly what the API shows the public. The view's state (filters,
period, map mode, language) lives in the URL. With ``OPEN311_DASHBOARD_REQUIRES_KEY`` the page asks
for a staff key (HTTP Basic, the key as password) before it is served.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ..db import get_session
from ..errors import Forbidden, NotFound, Open311Error
from ..logic.api_keys import authenticate
from ..logic.jurisdictions import hosted_jurisdictions, resolve_jurisdiction
from .messages import MESSAGES, negotiate

dashboard = Blueprint(
    "dashboard",
    __name__,
    url_prefix="/dashboard",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

REALM = 'Basic realm="open311 dashboard", charset="UTF-8"'


def _language() -> str:
    return negotiate(request.args.get("lang"), request.accept_languages)


def _page(template: str, status: int = 200, headers: dict | None = None, **context) -> Response:
    lang = context.pop("lang", None) or _language()
    body = render_template(template, lang=lang, t=MESSAGES[lang], **context)
    response = Response(body, status=status, content_type="text/html; charset=utf-8", headers=headers)
    response.headers["Content-Language"] = lang
    response.vary.add("Accept-Language")
    return response


def _require_staff_key(jurisdiction) -> Response | None:
    """401 unless the request carries a live staff key of the jurisdiction (when the setting asks for one)."""
    if not current_app.config["DASHBOARD_REQUIRES_KEY"]:
        return None
    credentials = request.authorization
    key = credentials.password if credentials is not None and credentials.type == "basic" else None
    try:
        api_key = authenticate(get_session(), key, jurisdiction)
        if api_key.role != "staff":
            raise Forbidden("not a staff key")
    except Forbidden:
        return _page("dashboard_message.html", 401, {"WWW-Authenticate": REALM}, message="key_required")
    return None


@dashboard.get("", strict_slashes=False)
def page() -> Response:
    """The dashboard of the jurisdiction named by ``jurisdiction_id`` (or the only / default one)."""
    session = get_session()
    named = request.args.get("jurisdiction_id") or None
    try:
        jurisdiction = resolve_jurisdiction(session, named, current_app.config.get("DEFAULT_JURISDICTION"))
    except NotFound:
        return _page("dashboard_message.html", 404, message="not_found")
    except Open311Error:  # several cities and none named: let the visitor choose
        cities = sorted(hosted_jurisdictions(session), key=lambda city: city.name.casefold())
        return _page("dashboard_choose.html", jurisdictions=cities)
    refused = _require_staff_key(jurisdiction)
    if refused is not None:
        return refused
    lang = _language()
    config = {
        "jurisdiction_id": jurisdiction.jurisdiction_id,
        "jurisdiction_name": jurisdiction.name,
        "time_zone": jurisdiction.time_zone,
        "api": url_for("georeport.Areas", fmt="json").rsplit("/", 1)[0],
        "tile_url": current_app.config["DASHBOARD_TILE_URL"],
        "tile_attribution": current_app.config["DASHBOARD_TILE_ATTRIBUTION"],
        "lang": lang,
        "messages": MESSAGES[lang],
    }
    return _page("dashboard.html", lang=lang, jurisdiction=jurisdiction, config=config)


@dashboard.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    """Errors of the page are pages (the API's errors stay the standard's lists)."""
    return _page("dashboard_message.html", error.code or 500, message_text=f"{error.code} {error.name}")
