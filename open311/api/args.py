"""Input schemas of the GeoReport methods (query string and form)."""

from __future__ import annotations

import math
import re

from flask import Request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import MultiDict

from ..logic.request_ids import MAX_BIGINT, as_request_id
from ..media import media_url_problem
from ..text_cache import TextKeyedCache


def form_and_query(req: Request) -> MultiDict:
    """The fields of a POST: its form, completed by its query string (clients put ``jurisdiction_id``,
    ``api_key`` and others there); a field the form carries is taken from the form only."""
    if not req.args:
        return req.form
    fields = MultiDict(req.form)
    for key in req.args:
        if key not in req.form:
            fields.setlist(key, req.args.getlist(key))
    return fields


#: Characters of query strings whose parsed arguments are kept (see :meth:`Open311Parser.parse`).
PARSED_QUERIES_CHARACTERS = 1_000_000


class Open311Parser(FlaskParser):
    """webargs parser answering 400, as the standard does, instead of 422; a POST's fields are read from its
    form and, liberally, from its query string."""

    DEFAULT_VALIDATION_STATUS = 400

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._parsed = TextKeyedCache(PARSED_QUERIES_CHARACTERS)

    def load_form(self, req: Request, schema: Schema):
        """Form values, completed by the query string's."""
        return self._makeproxy(form_and_query(req), schema)

    def parse(self, argmap, req=None, *, location=None, unknown="_default", validate=None, **kwargs):
        """The parsed arguments. A query string's are kept per schema (parsing is a pure function of the two,
        read nothing else: apps poll the same URLs all day) and handed out as copies; errors are never kept."""
        if location != "query" or validate is not None or not isinstance(argmap, Schema):
            return super().parse(argmap, req, location=location, unknown=unknown, validate=validate, **kwargs)
        req = req if req is not None else self.get_default_request()
        key = (argmap, unknown, req.query_string)
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = super().parse(argmap, req, location=location, unknown=unknown, **kwargs)
            self._parsed.put(key, len(req.query_string), parsed)
        return {name: list(value) if isinstance(value, list) else value for name, value in parsed.items()}


class Open311Args(Schema):
    """Base of every input schema: unknown parameters are ignored, empty ones are absent (spec §1.6)."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def drop_empty(self, data, **_kwargs):
        """An empty parameter behaves exactly like a missing one."""
        return {key: value for key, value in data.items() if value not in ("", None, [""], [])}


class JurisdictionArgs(Open311Args):
    """The only argument of the catalogue methods."""

    jurisdiction_id = fields.String(
        metadata={
            "description": "The city, a domain such as paris.fr (compared without regard to case). Required "
            "only when the server hosts several jurisdictions and no default is configured (discovery answers "
            "without it). A POST also reads it, and its other fields, from the query string."
        }
    )


class CatalogueArgs(JurisdictionArgs):
    """GET services and GET services/{service_code}."""

    # Extension: CitySDK's locale (Helsinki, Klarschiff); Accept-Language is read too.
    locale = fields.String(
        validate=validate.Length(max=35),
        metadata={
            "description": "Extension: the language of the texts (e.g. en, fr, en_GB); else Accept-Language; "
            "else the jurisdiction's language. The answer's Content-Language names it."
        },
    )


class CommaList(fields.List):
    """A list given as ``a,b`` or as repeated keys (``status=open&status=closed``), trimmed, empties dropped."""

    def __init__(self, **kwargs):
        super().__init__(fields.String(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        values = value if isinstance(value, list) else [value]
        items = [item.strip() for text in values for item in str(text).split(",")]
        return super()._deserialize([item for item in items if item], attr, data, **kwargs)


#: A number as clients write it: ASCII digits only (``float`` and ``int`` also read ``٣``, ``1_000`` and spaces).
_ASCII_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_ASCII_INTEGER = re.compile(r"[+-]?[0-9]+")


class WholeNumber(fields.Integer):
    """An integer in ASCII digits, within ``minimum``..``maximum`` (never past PostgreSQL's bigint)."""

    def __init__(self, *, minimum: int = 0, maximum: int = MAX_BIGINT, **kwargs):
        super().__init__(validate=validate.Range(min=minimum, max=maximum), **kwargs)
        self.maximum = maximum

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip()
        if _ASCII_INTEGER.fullmatch(text) is None or len(text.lstrip("+-")) > 19:
            raise ValidationError(f"must be a whole number written in digits 0-9, at most {self.maximum}")
        return super()._deserialize(text, attr, data, **kwargs)


class Number(fields.Float):
    """A finite decimal number in ASCII digits (``1.5``, ``-2e3``); never ``nan``, ``inf`` or other scripts."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip()
        if _ASCII_NUMBER.fullmatch(text) is None:
            raise ValidationError("Not a valid number: write it in digits 0-9, e.g. 48.85 or -2e3")
        number = super()._deserialize(text, attr, data, **kwargs)
        if not math.isfinite(number):
            raise ValidationError("must be a finite number")
        return number


class RequestIdList(CommaList):
    """Comma list (or repeated keys) of service_request_ids; each must be one of our ids (ASCII digits, bigint)."""

    def _deserialize(self, value, attr, data, **kwargs):
        ids = super()._deserialize(value, attr, data, **kwargs)
        wrong = [item for item in ids if as_request_id(item) is None]
        if wrong:
            shown = wrong[0] if len(wrong[0]) <= 40 else wrong[0][:40] + "..."
            raise ValidationError(f"'{shown}' is not a service request id (digits 0-9, at most {MAX_BIGINT})")
        return ids


class MediaUrl(fields.Url):
    """Extension: a photo's URL, strictly an http or https URL (:func:`open311.media.media_url_problem`)."""

    def __init__(self, **kwargs):
        super().__init__(schemes={"http", "https"}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        problem = media_url_problem(str(value))
        if problem:
            raise ValidationError(problem)
        return super()._deserialize(value, attr, data, **kwargs)


class W3CDateTime(fields.Field):
    """A W3C datetime that must carry a time zone (spec §1.4), read liberally: a space for the ``T``,
    fractions of a second, ``±hh:mm``, ``±hhmm`` or ``±hh`` (:func:`open311.logic.datetimes.parse_w3c`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        from ..errors import BadRequest
        from ..logic.datetimes import parse_w3c

        try:
            return parse_w3c(str(value), attr)
        except BadRequest as exc:
            raise ValidationError(exc.description.removeprefix(f"{attr} ")) from exc


class BBox(fields.Field):
    """Extension: ``min_long,min_lat,max_long,max_lat`` (lon/lat order, as 6Aika and Mark-a-Spot)."""

    def _deserialize(self, value, attr, data, **kwargs):
        parts = [part.strip() for part in str(value).split(",")]
        numbers = tuple(float(part) for part in parts if _ASCII_NUMBER.fullmatch(part))
        if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
            raise ValidationError("must be four numbers: min_long,min_lat,max_long,max_lat")
        return numbers


#: Paging stops here: the offset of the last page stays far within bigint.
MAX_PAGE = 1_000_000_000
LAT = validate.Range(min=-90, max=90)
LONG = validate.Range(min=-180, max=180)


class RequestArgs(JurisdictionArgs):
    """GET requests/{service_request_id}."""

    # Extension: extended_attributes (areas, department, detailed status) as Chicago's clients read them.
    extensions = fields.Boolean(load_default=False, metadata={"description": "Extension: add extended_attributes."})


class RequestsArgs(RequestArgs):
    """GET requests: the standard's filters, then the extensions (each marked in its description)."""

    service_request_id = RequestIdList(metadata={"description": "Comma list of ids; overrides every other filter."})
    service_code = CommaList(metadata={"description": "Comma list of service codes."})
    status = CommaList(
        validate=validate.ContainsOnly(["open", "closed"]), metadata={"description": "open, closed or both."}
    )
    start_date = W3CDateTime(
        metadata={
            "description": "Earliest requested_datetime (inclusive), a W3C datetime with a time zone "
            "(2024-01-31T23:59:59+01:00; 2024-01-31 23:59:59.5+01 is read too). Alone: 90 days from it."
        }
    )
    end_date = W3CDateTime(
        metadata={
            "description": "Latest requested_datetime (inclusive). Any span with start_date (the 1,000 cap "
            "and paging bound the answer); alone: 90 days to it; no dates: the last 90 days."
        }
    )
    # Extension: everything below.
    updated_after = W3CDateTime(metadata={"description": "Extension: updated_datetime strictly after."})
    updated_before = W3CDateTime(metadata={"description": "Extension: updated_datetime strictly before."})
    bbox = BBox(metadata={"description": "Extension: min_long,min_lat,max_long,max_lat (WGS84)."})
    lat = Number(validate=LAT, metadata={"description": "Extension: centre of a radius search."})
    long = Number(validate=LONG, metadata={"description": "Extension: centre of a radius search."})
    radius = Number(metadata={"description": "Extension: radius in metres (with lat and long), at most 50000."})
    agency_responsible = CommaList(metadata={"description": "Extension: comma list of department codes."})
    area = CommaList(metadata={"description": "Extension: comma list of area codes (any layer)."})
    detailed_status = CommaList(metadata={"description": "Extension: comma list of detailed statuses."})
    page = WholeNumber(
        maximum=MAX_PAGE, load_default=1, metadata={"description": "Extension: page number from 1 (0 is 1)."}
    )
    page_size = WholeNumber(
        minimum=1,
        maximum=1000,
        load_default=1000,
        metadata={"description": "Extension: results per page (1 to 1000, default 1000)."},
    )
    snapshot = WholeNumber(
        metadata={"description": "Extension: pin paging to the listing of page 1 (see the X-Snapshot header)."},
    )


class SubmissionArgs(JurisdictionArgs):
    """POST requests, form-encoded (or multipart with a ``media`` file). ``attribute[CODE]`` fields are read too."""

    api_key = fields.String(
        metadata={"description": "Required: the application's key (or the X-API-Key or Authorization: Bearer header)."}
    )
    service_code = fields.String()
    lat = Number(validate=LAT)
    long = Number(validate=LONG)
    address_string = fields.String(validate=validate.Length(max=1000))
    address_id = fields.String(validate=validate.Length(max=200))
    zipcode = fields.String(validate=validate.Length(max=20))
    email = fields.Email(validate=validate.Length(max=320))
    device_id = fields.String(validate=validate.Length(max=200))
    account_id = fields.String(validate=validate.Length(max=200))
    first_name = fields.String(validate=validate.Length(max=200))
    last_name = fields.String(validate=validate.Length(max=200))
    phone = fields.String(validate=validate.Length(max=50))
    description = fields.String(validate=validate.Length(max=4000))
    media_url = MediaUrl()
    # Extension: extended_attributes.duplicate_candidates in the response.
    extensions = fields.Boolean(load_default=False, metadata={"description": "Extension: list likely duplicates."})


class TokenArgs(JurisdictionArgs):
    """GET tokens/{token}."""
