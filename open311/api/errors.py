"""Every failure under the API prefix becomes the standard's ``errors`` list, JSON or XML."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..db import database_unavailable, discard_session
from ..errors import Open311Error
from ..formats import FORMATS, format_from_path
from .rendering import respond

log = logging.getLogger(__name__)

API_PREFIX = "/open311/"

#: Seconds a client is told to wait (Retry-After) while the database is unavailable.
RETRY_AFTER_SECONDS = 5
UNAVAILABLE = "The database is not available at the moment; try again in a few seconds."
CRASHED = "The server failed to process the request; the error has been logged."


def request_format() -> str:
    """The format the current URL asks for (XML, the required one, when it names no known one)."""
    fmt = (request.view_args or {}).get("fmt")
    return fmt if fmt in FORMATS else format_from_path(request.path)


def error_response(status: int, descriptions: Iterable[str], headers: dict | None = None) -> Response:
    """The ``errors`` document with one ``error`` per description."""
    payload = [{"code": status, "description": text} for text in descriptions]
    return respond(request_format(), "errors", payload, status=status, headers=headers)


def _validation_messages(messages: dict, prefix: str = "") -> list[str]:
    """Flatten webargs/marshmallow messages into "field: problem" lines."""
    lines: list[str] = []
    for key, value in messages.items():
        name = key if key not in {"query", "form", "json", "files", "view_args", "_schema"} else ""
        label = f"{prefix}{name}" if name else prefix.rstrip(".")
        if isinstance(value, dict):
            lines.extend(_validation_messages(value, f"{label}." if label else ""))
        else:
            for text in value if isinstance(value, list) else [value]:
                lines.append(f"{label}: {text}" if label else str(text))
    return lines


def _unknown_path_description() -> str:
    last = request.path.rstrip("/").rsplit("/", 1)[-1]
    if "." in last:
        suffix = last.rsplit(".", 1)[1]
        if suffix.lower() not in FORMATS:
            return f"Format '{suffix}' is not supported: use .xml or .json."
    elif request.path.startswith(API_PREFIX):
        return f"{request.path} needs a format suffix: .xml or .json."
    return f"No resource at {request.path}."


def http_error_response(error: HTTPException) -> Response:
    """Render a werkzeug HTTP error (routing, method, validation, crash) as ``errors``."""
    status = error.code or 500
    headers: dict = {}
    data = getattr(error, "data", None) or {}
    if status == 404 and not request.view_args:
        descriptions = [_unknown_path_description()]
    elif status == 405:
        descriptions = [f"Method {request.method} is not allowed on {request.path}."]
        headers["Allow"] = ", ".join(sorted(error.valid_methods or []))
    elif "messages" in data:
        descriptions = _validation_messages(data["messages"]) or ["The request is invalid."]
    elif status >= 500:
        descriptions = [CRASHED]
    else:
        descriptions = [error.description or error.name]
    return error_response(status, descriptions, headers)


def register_error_handlers(app: Flask) -> None:
    """Domain errors and crashes render as ``errors``; HTTP errors are handled by the Api."""

    @app.errorhandler(Open311Error)
    def _domain_error(error: Open311Error) -> Response:
        return error_response(error.status, error.descriptions, getattr(error, "headers", None))

    @app.errorhandler(SQLAlchemyError)
    def _database_error(error: SQLAlchemyError) -> Response:
        if not database_unavailable(error):
            return _crash(error)
        if request.method in ("GET", "HEAD") and not g.get("open311_retried"):
            # A read whose connection was lost (the database restarted) is tried once more on a
            # fresh connection; nothing was written, so it is safe.
            g.open311_retried = True
            discard_session()
            log.warning("Database connection lost on %s %s (%s); trying once more", request.method, request.path, error)
            try:
                return current_app.make_response(current_app.dispatch_request())
            except SQLAlchemyError as again:
                if not database_unavailable(again):
                    return _crash(again)
                error = again
            except Exception as other:  # rendered as the first attempt's would have been
                return current_app.handle_user_exception(other)
        log.warning("Database unavailable on %s %s: %s", request.method, request.path, error)
        return error_response(503, [UNAVAILABLE], {"Retry-After": str(RETRY_AFTER_SECONDS)})

    @app.errorhandler(IntegrityError)
    def _conflict(error: IntegrityError) -> Response:
        # A safety net: paths where the standard makes a repeat idempotent answer the original themselves.
        diag = getattr(error.orig, "diag", None)
        log.warning("Refused %s %s: %s", request.method, request.path, getattr(diag, "constraint_name", error.orig))
        if getattr(error.orig, "sqlstate", None) == "23505":
            return error_response(400, ["This duplicates data stored at the same time; nothing was changed."])
        return error_response(400, ["This conflicts with the stored data; nothing was changed."])

    @app.errorhandler(DataError)
    def _out_of_range(error: DataError) -> Response:
        # A safety net: every parameter is checked (and named) before it reaches the database.
        log.warning("Refused %s %s: %s", request.method, request.path, error.orig)
        return error_response(400, ["A value is out of the range the server can store; nothing was changed."])

    @app.errorhandler(Exception)
    def _crash(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return http_error_response(error)
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return http_error_response(InternalServerError())
