"""Extension: the arguments of statistics, hotspots and tiles: the filters of GET requests (without the
90-day limit), service groups, and each method's own."""

from __future__ import annotations

import re
from datetime import date

from marshmallow import ValidationError, fields

from ...errors import BadRequest
from ...logic.datetimes import parse_w3c
from ..args import CommaList, RequestsArgs

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DayOrDateTime(fields.Field):
    """A day (``2024-01-31``, in the jurisdiction's time zone) or a W3C datetime with its zone (its day
    there). Liberal: a space for the ``T`` and a space where an unencoded ``+`` of the zone became one."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip()
        if DAY.match(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise ValidationError(f"'{text}' is not a date") from None
        text = re.sub(r"^(\d{4}-\d{2}-\d{2}) (\d)", r"\1T\2", text)
        text = re.sub(r" (\d{2}:\d{2})$", r"+\1", text)
        try:
            return parse_w3c(text, attr)
        except BadRequest as exc:
            raise ValidationError(f"must be a day (YYYY-MM-DD) or {exc.description.removeprefix(f'{attr} ')}") from exc


class InsightFilterArgs(RequestsArgs):
    """The filters of GET requests, as statistics, hotspots and tiles take them (all Extension): the
    same fields without ids and paging, and service groups (each method takes its dates by day)."""

    class Meta(RequestsArgs.Meta):
        exclude = ("service_request_id", "page", "page_size", "snapshot", "extensions")

    group = CommaList(metadata={"description": "Extension: comma list of service groups (names, as in services)."})
