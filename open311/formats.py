"""The two wire formats of GeoReport v2: one payload rendered as JSON or as XML.

JSON follows the spec's "Spark convention": the XML root is dropped, a list stays a list.
XML wraps the payload in the root element and names each list item by the singular of
its container (``services`` -> ``service``, ``service_requests`` -> ``request``, ...).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from .text_cache import TextKeyedCache

FORMATS = ("json", "xml")

#: Exactly these, without parameters: validators and clients compare Content-Type as a string. JSON has
#: no charset parameter (RFC 8259: always UTF-8); XML declares its encoding itself (RFC 7303).
MEDIA_TYPES = {
    "json": "application/json",
    "xml": "text/xml",
}

#: Element name of one item inside each list container.
SINGULAR = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "service_request_updates": "request_update",
    "notes": "note",
    "media_urls": "media_url",
    "duplicate_candidates": "request",
    "areas": "area",
    "statistics": "cell",  # Extension: GET statistics
}

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# Characters XML 1.0 cannot carry at all, even escaped (the API refuses them at input, so that JSON and
# XML carry the same text; dropping them here only guards older data); and every character a text needs
# work for: a carriage return is written &#13;, or XML parsers would turn it into a line feed.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_illegal_character(text: str) -> str | None:
    """The first character of ``text`` that XML 1.0 cannot carry, if any."""
    found = _XML_ILLEGAL.search(text)
    return found[0] if found else None


def format_datetime(value: datetime) -> str:
    """W3C datetime with seconds and a time zone, as the standard requires."""
    text = value.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def render_json(payload: Any) -> bytes:
    """Encode a payload as UTF-8 JSON (orjson: a 1,000-record listing encodes in a tenth of json's time)."""
    return orjson.dumps(payload, default=_json_default, option=orjson.OPT_PASSTHROUGH_DATETIME)


def _xml_text(value: Any) -> str:
    """The escaped text of a scalar (most texts need no escaping: one regex search decides)."""
    if value.__class__ is str:
        text = value
    elif value is True:
        return "true"
    elif value is False:
        return "false"
    elif isinstance(value, datetime):
        return format_datetime(value)
    elif isinstance(value, float):
        return repr(value)
    else:
        text = str(value)
    if _XML_SPECIAL.search(text) is None:
        return text
    text = _XML_ILLEGAL.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;")


def _xml_element(name: str, value: Any, out: list[str]) -> None:
    if value is None:
        out.append(f"<{name}/>")
    elif isinstance(value, dict):
        out.append(f"<{name}>")
        search = _XML_SPECIAL.search
        for key, child in value.items():
            if child is None:
                out.append(f"<{key}/>")
            elif child.__class__ is str and search(child) is None:  # the common case, without a call
                out.append(f"<{key}>{child}</{key}>")
            elif child.__class__ in (str, int, float):
                out.append(f"<{key}>{_xml_text(child)}</{key}>")
            else:
                _xml_element(key, child, out)
        out.append(f"</{name}>")
    elif isinstance(value, (list, tuple)):
        item = SINGULAR.get(name, "item")
        out.append(f"<{name}>")
        for child in value:
            if child.__class__ is dict:
                _xml_item(item, child, out)
            else:
                _xml_element(item, child, out)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{_xml_text(value)}</{name}>")


#: Rendered list items by their content (see :func:`_xml_item`): 8 million characters of keys and
#: renderings, about 5,000 listing records (9 MB a process, measured with tracemalloc).
_RENDERED = TextKeyedCache(8_000_000)
#: A record rendered longer than this is not kept (a few descriptions of thousands of characters).
RENDERED_ITEM_MAX_CHARACTERS = 4_000
_NONE = type(None)


def _xml_item(name: str, value: dict, out: list[str]) -> None:
    """A list item that is a flat record of texts and numbers: rendered once per content and kept. Apps
    poll the same listings all day and most records in them have not changed; the key is the record
    itself (its keys and values), so a kept rendering never differs from a new one. Only texts, nulls and
    non-zero floats take part: values that compare equal but render differently (True and 1, 1 and 1.0,
    0.0 and -0.0) cannot share a key."""
    values = tuple(value.values())
    for scalar in values:
        kind = scalar.__class__
        if not (kind is str or kind is _NONE or (kind is float and scalar)):
            _xml_element(name, value, out)  # nested (extended attributes, notes) or ambiguous: each time
            return
    key = (name, tuple(value), values)
    rendered = _RENDERED.get(key)
    if rendered is None:
        parts: list[str] = []
        _xml_element(name, value, parts)
        rendered = "".join(parts)
        if len(rendered) <= RENDERED_ITEM_MAX_CHARACTERS:
            _RENDERED.put(key, 2 * len(rendered), rendered)  # its key's texts hold about as many characters
    out.append(rendered)


def render_xml(root: str, payload: Any) -> bytes:
    """Encode a payload as an XML document whose root element is ``root``."""
    out = [XML_DECLARATION]
    _xml_element(root, payload, out)
    return "".join(out).encode()


def render(fmt: str, root: str, payload: Any) -> bytes:
    """Encode ``payload`` in ``fmt`` ("json" or "xml"); ``root`` names the XML root element."""
    if fmt == "json":
        return render_json(payload)
    return render_xml(root, payload)


#: Extension: suffixes of formats without an error document of their own (GeoJSON, NDJSON, CSV exports, tiles),
#: whose errors are JSON.
JSON_ERROR_SUFFIXES = (".json", ".geojson", ".ndjson", ".csv", ".mvt")


def format_from_path(path: str) -> str:
    """The format a URL asks for: json for a ``.json`` suffix (and the JSON-based or CSV exports), xml for
    anything else (the required one)."""
    return "json" if path.lower().endswith(JSON_ERROR_SUFFIXES) else "xml"
