"""Checking posted attribute values against a service definition (spec §3)."""

from __future__ import annotations

import math

from ..errors import BadRequest
from ..models import Service
from .datetimes import parse_w3c


def check_attributes(service: Service, posted: dict[str, list[str]]) -> tuple[dict, list[str]]:
    """The values to store, by attribute code, and the problems found (one line each).

    ``posted`` maps an attribute code to the values sent for it: ``attribute[CODE][]`` and a repeated
    ``attribute[CODE]`` both give several. Empty values count as absent. Codes the definition does
    not know are ignored (clients such as FixMyStreet send extra ones); ``variable=false``
    attributes take no input.
    """
    values: dict = {}
    problems: list[str] = []
    for attribute in service.attributes:
        if not attribute.variable:
            continue
        sent = [value for value in posted.get(attribute.code, []) if value.strip() != ""]
        if not sent:
            if attribute.required:
                problems.append(f"attribute[{attribute.code}]: {attribute.code} required")
            continue
        try:
            values[attribute.code] = _convert(attribute, sent)
        except BadRequest as exc:
            problems.append(f"attribute[{attribute.code}]: {exc.description}")
    return values, problems


def _convert(attribute, sent: list[str]):
    datatype = attribute.datatype
    keys = [value.key for value in attribute.values]
    if datatype == "multivaluelist":
        unknown = [value for value in sent if value not in keys]
        if unknown:
            raise BadRequest(f"'{unknown[0]}' is not one of {', '.join(keys)}")
        return list(dict.fromkeys(sent))
    if len(sent) > 1:
        raise BadRequest("takes one value only")
    value = sent[0]
    if datatype == "singlevaluelist":
        if value not in keys:
            raise BadRequest(f"'{value}' is not one of {', '.join(keys)}")
        return value
    if datatype == "number":
        try:
            number = float(value)
        except ValueError:
            raise BadRequest(f"'{value}' is not a number") from None
        if not math.isfinite(number):
            raise BadRequest(f"'{value}' is not a finite number")
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    if datatype == "datetime":
        return parse_w3c(value, f"attribute[{attribute.code}]").isoformat()
    if datatype == "string" and ("\n" in value or "\r" in value):
        raise BadRequest("a string attribute takes no line breaks (text attributes do)")
    if len(value) > 4000:
        raise BadRequest("is longer than 4,000 characters")
    return value
