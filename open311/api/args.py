"""Input schemas of the GeoReport methods (query string and form)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, pre_load
from webargs.flaskparser import FlaskParser


class Open311Parser(FlaskParser):
    """webargs parser answering 400, as the standard does, instead of 422."""

    DEFAULT_VALIDATION_STATUS = 400


class Open311Args(Schema):
    """Base of every input schema: unknown parameters are ignored, empty ones are absent (spec §1.6)."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def drop_empty(self, data, **_kwargs):
        """An empty parameter behaves exactly like a missing one."""
        return {key: value for key, value in data.items() if value not in ("", None)}


class JurisdictionArgs(Open311Args):
    """The only argument of the catalogue methods."""

    jurisdiction_id = fields.String(
        metadata={
            "description": "The city, e.g. paris.fr. Required only when the server hosts several "
            "jurisdictions (and no default jurisdiction is configured)."
        }
    )
