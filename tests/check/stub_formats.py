"""The stub server's catalogue and its two wire formats (independent of the server's own code)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

ITEM = {
    "services": "service", "attributes": "attribute", "values": "value", "service_requests": "request",
    "errors": "error", "endpoints": "endpoint", "formats": "format", "service_request_updates": "request_update",
}  # fmt: skip
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

SERVICES = [
    {"service_code": "POT", "service_name": {"en": "Pothole", "fr": "Nid-de-poule"},
     "description": {"en": "A hole in the road", "fr": "Un trou dans la chaussée"}, "metadata": True,
     "type": "realtime", "keywords": "road, hole", "group": {"en": "Streets", "fr": "Rues"}},
    {"service_code": "TREE", "service_name": {"en": "Fallen tree", "fr": "Arbre tombé"},
     "description": {"en": "A tree on the ground", "fr": "Un arbre à terre"}, "metadata": False,
     "type": "batch", "keywords": "tree", "group": {"en": "Parks", "fr": "Parcs"}},
    {"service_code": "NOISE", "service_name": {"en": "Noise", "fr": "Bruit"},
     "description": {"en": "Too loud", "fr": "Trop fort"}, "metadata": False,
     "type": "blackbox", "keywords": "noise", "group": {"en": "Quality of life", "fr": "Cadre de vie"}},
]  # fmt: skip
POT_ATTRIBUTES = [
    {"variable": True, "code": "SIZE", "datatype": "singlevaluelist", "required": True, "datatype_description": None,
     "order": 1, "description": {"en": "How big is it?", "fr": "Quelle taille ?"},
     "values": [{"key": "small", "name": {"en": "Small", "fr": "Petit"}},
                {"key": "large", "name": {"en": "Large", "fr": "Grand"}}]},
    {"variable": True, "code": "DEPTH", "datatype": "number", "required": False, "datatype_description": "cm",
     "order": 2, "description": {"en": "How deep?", "fr": "Quelle profondeur ?"}},
    {"variable": True, "code": "KINDS", "datatype": "multivaluelist", "required": False, "datatype_description": None,
     "order": 3, "description": {"en": "What is around?", "fr": "Qu'y a-t-il autour ?"},
     "values": [{"key": "bus", "name": {"en": "Bus stop", "fr": "Arrêt de bus"}},
                {"key": "school", "name": {"en": "School", "fr": "École"}}]},
    {"variable": False, "code": "INFO", "datatype": "text", "required": False, "datatype_description": None,
     "order": 4, "description": {"en": "We fix potholes within a week.", "fr": "Réparé en une semaine."}},
]  # fmt: skip


def translate(value, language: str):
    """A catalogue value in ``language`` (English when it has no such translation)."""
    if isinstance(value, dict) and "en" in value:
        return value.get(language, value["en"])
    if isinstance(value, dict):
        return {key: translate(item, language) for key, item in value.items()}
    if isinstance(value, list):
        return [translate(item, language) for item in value]
    return value


def w3c(moment: datetime) -> str:
    """A W3C datetime in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_json(payload) -> bytes:
    """JSON as the standard maps it (the XML root dropped)."""
    return json.dumps(payload, ensure_ascii=False).encode()


def _text(value, raw_cr: bool) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    text = ILLEGAL_XML.sub("", str(value)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text if raw_cr else text.replace("\r", "&#13;")


def _element(name: str, value, out: list, raw_cr: bool) -> None:
    if value is None:
        out.append(f"<{name}/>")
    elif isinstance(value, dict):
        out.append(f"<{name}>")
        for key, child in value.items():
            _element(key, child, out, raw_cr)
        out.append(f"</{name}>")
    elif isinstance(value, list):
        out.append(f"<{name}>")
        for child in value:
            _element(ITEM.get(name, "item"), child, out, raw_cr)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{_text(value, raw_cr)}</{name}>")


def to_xml(root: str, payload, raw_cr: bool = False) -> bytes:
    """XML with the declaration; ``raw_cr`` leaves CR unescaped (parsers then read it as LF)."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n']
    _element(root, payload, out, raw_cr)
    return "".join(out).encode()
