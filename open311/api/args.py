"""Input schemas of the GeoReport methods (query string and form)."""

from __future__ import annotations

import math

from flask import Request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import MultiDict


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


class Open311Parser(FlaskParser):
    """webargs parser answering 400, as the standard does, instead of 422; a POST's fields are read from its
    form and, liberally, from its query string."""

    DEFAULT_VALIDATION_STATUS = 400

    def load_form(self, req: Request, schema: Schema):
        """Form values, completed by the query string's."""
        return self._makeproxy(form_and_query(req), schema)


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
        parts = str(value).split(",")
        try:
            numbers = tuple(float(part) for part in parts)
        except ValueError:
            numbers = ()
        if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
            raise ValidationError("must be four numbers: min_long,min_lat,max_long,max_lat")
        return numbers


LAT = validate.Range(min=-90, max=90)
LONG = validate.Range(min=-180, max=180)


class RequestArgs(JurisdictionArgs):
    """GET requests/{service_request_id}."""

    # Extension: extended_attributes (areas, department, detailed status) as Chicago's clients read them.
    extensions = fields.Boolean(load_default=False, metadata={"description": "Extension: add extended_attributes."})


class RequestsArgs(RequestArgs):
    """GET requests: the standard's filters, then the extensions (each marked in its description)."""

    service_request_id = CommaList(metadata={"description": "Comma list of ids; overrides every other filter."})
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
    lat = fields.Float(validate=LAT, metadata={"description": "Extension: centre of a radius search."})
    long = fields.Float(validate=LONG, metadata={"description": "Extension: centre of a radius search."})
    radius = fields.Float(metadata={"description": "Extension: radius in metres (with lat and long)."})
    agency_responsible = CommaList(metadata={"description": "Extension: comma list of department codes."})
    area = CommaList(metadata={"description": "Extension: comma list of area codes (any layer)."})
    detailed_status = CommaList(metadata={"description": "Extension: comma list of detailed statuses."})
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=0), metadata={"description": "Extension: page number from 1."}
    )
    page_size = fields.Integer(
        load_default=1000,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "Extension: results per page (1 to 1000, default 1000)."},
    )
    snapshot = fields.Integer(
        validate=validate.Range(min=0),
        metadata={"description": "Extension: pin paging to the listing of page 1 (see the X-Snapshot header)."},
    )


class SubmissionArgs(JurisdictionArgs):
    """POST requests, form-encoded (or multipart with a ``media`` file). ``attribute[CODE]`` fields are read too."""

    api_key = fields.String(metadata={"description": "Required: the application's key."})
    service_code = fields.String()
    lat = fields.Float(validate=LAT)
    long = fields.Float(validate=LONG)
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
    media_url = fields.Url(schemes={"http", "https"})
    # Extension: extended_attributes.duplicate_candidates in the response.
    extensions = fields.Boolean(load_default=False, metadata={"description": "Extension: list likely duplicates."})


class TokenArgs(JurisdictionArgs):
    """GET tokens/{token}."""
