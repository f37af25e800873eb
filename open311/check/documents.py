"""Reading responses as the standard's documents: JSON as is, XML back through the Spark convention.

XML is parsed without network access, DTDs or entity expansion (a server's answer is untrusted input).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from .transport import Exchange

#: List containers of the standard and its extensions, and the name of their items (digest §1.3, §9).
CONTAINERS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "service_request_updates": "request_update",
    "service_requests_updates": "request_update",
    "notes": "note",
    "media_urls": "media_url",
}

#: W3C-DTF with a time and a zone: seconds and fractions optional (the W3C note allows both).
W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass
class Document:
    """A parsed response: ``payload`` in the JSON shape, the XML ``root`` element when it was XML."""

    payload: Any
    root: Any = None


class NotParsable(ValueError):
    """The body is not the JSON or XML it claims to be."""


def parse(exchange: Exchange) -> Document:
    """The document in ``exchange``, read by its URL's format (XML unless the URL says .json)."""
    if exchange.fmt == "json":
        try:
            return Document(json.loads(exchange.body.decode("utf-8")))
        except (UnicodeDecodeError, ValueError) as exc:
            raise NotParsable(f"not JSON: {exc}") from exc
    try:
        root = etree.fromstring(exchange.body, parser=_PARSER)  # the hardened parser above
    except etree.XMLSyntaxError as exc:
        raise NotParsable(f"not well-formed XML: {exc}") from exc
    return Document(xml_payload(root), root)


def local_name(element) -> str:
    """An element's name without any namespace."""
    return etree.QName(element).localname


def xml_payload(element) -> Any:
    """The JSON shape of an XML element (Spark convention: containers become lists, roots are dropped)."""
    children = [child for child in element if isinstance(child.tag, str)]
    name = local_name(element)
    if name in CONTAINERS or (len(children) > 1 and len({local_name(c) for c in children}) == 1):
        return [xml_payload(child) for child in children]
    if not children:
        return element.text if element.text else None
    payload: dict[str, Any] = {}
    for child in children:
        key, value = local_name(child), xml_payload(child)
        if key in payload:  # a repeated element outside a container (FixMyStreet's media_url)
            previous = payload[key]
            payload[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            payload[key] = value
    return payload


def objects(payload: Any):
    """Every object in a payload, nested ones included (notes inside records, values inside attributes)."""
    if isinstance(payload, dict):
        yield payload
        for value in payload.values():
            yield from objects(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from objects(item)


def is_empty(value: Any) -> bool:
    """Absent, null or the empty string (an empty XML element) all mean "no value"."""
    return value is None or value == ""


def same_value(json_value: Any, xml_text: Any) -> bool:
    """Whether a JSON scalar and an XML text carry the same value (texts compared exactly)."""
    if is_empty(json_value) or is_empty(xml_text):
        return is_empty(json_value) and is_empty(xml_text)
    if isinstance(json_value, bool):
        return xml_text == ("true" if json_value else "false")
    if isinstance(json_value, int | float):
        try:
            number = float(xml_text)
        except (TypeError, ValueError):
            return False
        return math.isclose(number, float(json_value), rel_tol=1e-9, abs_tol=1e-9)
    return json_value == xml_text


def differences(json_value: Any, xml_root, limit: int = 5) -> list[str]:
    """Where a JSON payload and the XML document of the same response differ (at most ``limit``).

    The JSON guides the walk (a JSON list is the element's children, whatever their name), so containers
    that only an extension knows compare as well as the standard's. Texts are compared exactly: a ``\\r`` (CR)
    that XML normalised away, or a character XML dropped, is a difference.
    """
    found: list[str] = []
    _diff(json_value, xml_root, "$", found, limit)
    return found


def _children(element) -> list:
    return [child for child in element if isinstance(child.tag, str)]


def _diff(json_value: Any, element, path: str, found: list[str], limit: int) -> None:
    if len(found) >= limit:
        return
    children = [] if element is None else _children(element)
    if isinstance(json_value, list):
        if len(json_value) != len(children):
            found.append(f"{path}: {len(json_value)} items in JSON, {len(children)} in XML")
            return
        for index, (item, child) in enumerate(zip(json_value, children, strict=True)):
            _diff(item, child, f"{path}[{index}]", found, limit)
    elif isinstance(json_value, dict):
        by_name: dict[str, list] = {}
        for child in children:
            by_name.setdefault(local_name(child), []).append(child)
        for key in [*json_value, *(name for name in by_name if name not in json_value)]:
            elements = by_name.get(key, [])
            value = json_value.get(key)
            if len(elements) > 1:
                if not isinstance(value, list) or len(value) != len(elements):
                    found.append(f"{path}.{key}: {len(elements)} elements in XML, JSON {_short(value)}")
                else:
                    for index, (item, child) in enumerate(zip(value, elements, strict=True)):
                        _diff(item, child, f"{path}.{key}[{index}]", found, limit)
            elif elements:
                _diff(value, elements[0], f"{path}.{key}", found, limit)
            elif not is_empty(value) and value not in ({}, []):
                found.append(f"{path}.{key}: JSON {_short(value)}, absent from XML")
    elif children:
        found.append(f"{path}: JSON {_short(json_value)}, XML has child elements")
    else:
        text = None if element is None else element.text
        if not same_value(json_value, text):
            found.append(f"{path}: JSON {_short(json_value)}, XML {_short(text)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def parse_datetime(text: Any) -> datetime | None:
    """A W3C datetime with a zone as an aware datetime, or None when ``text`` is not one."""
    if not isinstance(text, str) or not W3C_DATETIME.match(text):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def w3c(moment: datetime) -> str:
    """``moment`` as a W3C datetime with seconds, in UTC with ``Z``."""
    from datetime import UTC

    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_bool(value: Any) -> bool | None:
    """A flag from JSON (true) or XML ("true"); None when it is neither."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    return None


def as_float(value: Any) -> float | None:
    """A number from JSON or XML text; None when absent or not a finite number."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def excerpt(exchange: Exchange, needle: str | None = None, width: int = 400) -> str:
    """Up to ``width`` characters of the body, around ``needle`` when it occurs."""
    text = exchange.text() if exchange.status is not None else f"(no answer: {exchange.error})"
    start = 0
    if needle:
        at = text.find(needle)
        if at > width // 2:
            start = at - width // 4
    cut = text[start : start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")
