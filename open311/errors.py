"""Domain exceptions that carry their HTTP status and a description safe to show a client.

Nothing here knows about Flask: the API layer renders these as the standard's ``errors`` list.
"""

from __future__ import annotations


class Open311Error(Exception):
    """A failure the client caused or must be told about, with its HTTP status."""

    status = 400

    def __init__(self, description: str, *more: str):
        super().__init__(description)
        self.description = description
        #: One line per problem; each becomes an ``error`` of the response.
        self.descriptions = [description, *more]


class BadRequest(Open311Error):
    """400: the request cannot be fulfilled as sent."""

    status = 400


class Forbidden(Open311Error):
    """403: missing or invalid api_key."""

    status = 403


class NotFound(Open311Error):
    """404: the named resource (jurisdiction, service, request, token) does not exist."""

    status = 404


class TooManyRequests(Open311Error):
    """429: a rate limit is spent; ``headers`` (Retry-After) say when to come back."""

    status = 429

    def __init__(self, description: str, *more: str, headers: dict[str, str] | None = None):
        super().__init__(description, *more)
        self.headers = headers or {}


class ServiceUnavailable(Open311Error):
    """503: the request cannot be served now; sending it again later will work."""

    status = 503


class CityFileError(Exception):
    """A city file cannot be loaded; the message names the file, the place and the problem."""
