"""Reading and checking a city file (YAML or JSON), with errors that name the file and the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from ..errors import CityFileError
from ..models.service import DATATYPES, LIST_DATATYPES, SERVICE_TYPES

CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="must be 1 to 64 letters, digits, '_' or '-'")
#: A BCP 47 language tag: a language, optionally a script or region (fr, en, pt-BR, zh-Hant).
LANGUAGE = validate.Regexp(
    r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", error="must be a language tag such as fr, en or pt-BR"
)


def _time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"unknown time zone '{name}' (use an IANA name such as Europe/Paris)") from exc


class _Strict(Schema):
    class Meta:
        unknown = RAISE


ORIGIN = validate.Regexp(
    r"^(\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)$",
    error="must be * or an origin: scheme://host[:port], no path (e.g. https://app.paris.fr)",
)


class CorsSection(_Strict):
    """Extension: which web pages may call the API from a browser (CORS)."""

    read_origins = fields.List(
        fields.String(validate=ORIGIN),
        load_default=lambda: ["*"],
        metadata={"description": "Origins whose pages may read (GET); * (the default): any page."},
    )
    write_origins = fields.List(
        fields.String(validate=ORIGIN),
        load_default=list,
        metadata={"description": "Origins whose pages may submit and change requests (POST); none by default."},
    )


class RetentionSection(_Strict):
    """Extension (open data): how long personal data, photos and sandbox requests are kept."""

    contact_months = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1200))
    media_months = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1200))
    sandbox_days = fields.Integer(load_default=None, validate=validate.Range(min=1, max=36500))


class LicenceSection(_Strict):
    """Extension (open data): the licence of the published requests (a Frictionless ``licenses`` entry)."""

    name = fields.String(
        required=True, validate=validate.Regexp(r"^[A-Za-z0-9.+-]{1,64}$"),
        metadata={"description": "An Open Definition or SPDX licence id, e.g. ODbL-1.0 or CC-BY-4.0."},
    )  # fmt: skip
    path = fields.Url(required=True, schemes={"http", "https"}, metadata={"description": "The licence's text."})
    title = fields.String(load_default=None)


class JurisdictionSection(_Strict):
    """The ``jurisdiction`` section."""

    jurisdiction_id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9.-]{1,90}$"))
    name = fields.String(required=True)
    time_zone = fields.String(required=True, validate=_time_zone)
    contact = fields.String(required=True)
    key_service = fields.String(required=True)
    default_department = fields.String(load_default=None)
    accept_outside = fields.Boolean(
        load_default=False,
        metadata={"description": "Accept points outside every area, routed to the default departments."},
    )
    # Extension: the language of the catalogue's texts, the fallback of the translations.
    language = fields.String(load_default="en", validate=LANGUAGE)
    # Extension: a sandbox twin behind discovery's test endpoint (/open311/test/v2/).
    sandbox = fields.Boolean(
        load_default=True,
        metadata={"description": "Serve a test endpoint: a sandbox with the same catalogue, reaching no department."},
    )
    cors = fields.Nested(CorsSection, load_default=lambda: {"read_origins": ["*"], "write_origins": []})
    # Extension (open data): whether photos are public, for every service that does not say.
    publish_media = fields.Boolean(load_default=True, metadata={"description": "Publish the photos' URLs."})
    retention = fields.Nested(RetentionSection, load_default=dict)
    licence = fields.Nested(LicenceSection, load_default=None)


class LayerSection(_Strict):
    """One area layer: a GeoJSON file and the properties holding each area's code and name."""

    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True)
    file = fields.String(required=True)
    code_property = fields.String(required=True)
    name_property = fields.String(required=True)
    name_format = fields.String(load_default="{name}")


class DepartmentSection(_Strict):
    """One department."""

    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True)
    contact = fields.String(load_default=None)
    webhook_url = fields.Url(load_default=None, schemes={"http", "https"}, require_tld=False)
    webhook_secret = fields.String(load_default=None)
    webhook_secret_env = fields.String(
        load_default=None, metadata={"description": "Read the secret from this environment variable at load time."}
    )


def _translations(texts: type[Schema]) -> fields.Dict:
    """Extension: ``{LANGUAGE: {field: text}}``, the texts of an entry in other languages."""
    return fields.Dict(keys=fields.String(validate=LANGUAGE), values=fields.Nested(texts), load_default=dict)


class ValueTexts(_Strict):
    """A list value's name in another language."""

    name = fields.String(required=True)


class AttributeTexts(_Strict):
    """An attribute's texts in another language."""

    description = fields.String()
    datatype_description = fields.String()


class ServiceTexts(_Strict):
    """A service's texts in another language."""

    service_name = fields.String()
    description = fields.String()
    keywords = fields.String()
    group = fields.String()


class ValueSection(_Strict):
    """One option of a list attribute."""

    key = fields.String(required=True)
    name = fields.String(required=True)
    translations = _translations(ValueTexts)


class AttributeSection(_Strict):
    """One attribute of a service definition."""

    code = fields.String(required=True, validate=CODE)
    datatype = fields.String(required=True, validate=validate.OneOf(DATATYPES))
    description = fields.String(required=True)
    variable = fields.Boolean(load_default=True)
    required = fields.Boolean(load_default=False)
    datatype_description = fields.String(load_default=None)
    order = fields.Integer(required=True, validate=validate.Range(min=1))
    values = fields.List(fields.Nested(ValueSection), load_default=list)
    translations = _translations(AttributeTexts)

    @validates_schema
    def check_values(self, data, **_kwargs):
        """List datatypes need values with distinct keys; other datatypes take none."""
        keys = [value["key"] for value in data.get("values", [])]
        if data.get("datatype") in LIST_DATATYPES:
            if not keys:
                raise ValidationError("a list attribute needs at least one value", "values")
            if len(set(keys)) != len(keys):
                raise ValidationError("value keys must be distinct", "values")
        elif keys:
            raise ValidationError(f"only {' and '.join(LIST_DATATYPES)} take values", "values")


class ServiceSection(_Strict):
    """One service of the catalogue."""

    service_code = fields.String(required=True, validate=CODE)
    service_name = fields.String(required=True)
    description = fields.String(load_default=None)
    type = fields.String(load_default="realtime", validate=validate.OneOf(SERVICE_TYPES))
    keywords = fields.String(load_default=None)
    group = fields.String(load_default=None)
    department = fields.String(load_default=None)
    service_notice = fields.String(load_default=None)
    resolution_hours = fields.Integer(load_default=None, validate=validate.Range(min=1))
    duplicate_radius_m = fields.Integer(load_default=50, validate=validate.Range(min=0, max=5000))
    duplicate_window_days = fields.Integer(load_default=30, validate=validate.Range(min=0, max=3650))
    # Extension (open data, docs/open-data.md): kept out of public listings and exports; published on a
    # grid of this many metres; photos published or not (default: the jurisdiction's publish_media).
    publish = fields.Boolean(load_default=True)
    blur = fields.Integer(load_default=None, validate=validate.Range(min=10, max=10_000))
    publish_media = fields.Boolean(load_default=None)
    attributes = fields.List(fields.Nested(AttributeSection), load_default=list)
    translations = _translations(ServiceTexts)

    @validates_schema
    def check_attributes(self, data, **_kwargs):
        """Attribute codes and orders are unique within a service."""
        for key in ("code", "order"):
            seen = [attribute[key] for attribute in data.get("attributes", [])]
            if len(set(seen)) != len(seen):
                raise ValidationError(f"attribute {key}s must be unique within a service", "attributes")


class RoutingSection(_Strict):
    """One routing rule: service x area (of a layer) -> department."""

    service = fields.String(required=True)
    layer = fields.String(required=True)
    area = fields.String(required=True)
    department = fields.String(required=True)


class CityFileSchema(_Strict):
    """A whole city file."""

    jurisdiction = fields.Nested(JurisdictionSection, required=True)
    layers = fields.List(fields.Nested(LayerSection), load_default=list)
    departments = fields.List(fields.Nested(DepartmentSection), load_default=list)
    services = fields.List(fields.Nested(ServiceSection), load_default=list)
    routing = fields.List(fields.Nested(RoutingSection), load_default=list)
    notes = fields.Raw(load_default=None, metadata={"description": "Free text: sources, assumptions."})


class CityFile:
    """A parsed city file that can say on which line a part of it stands."""

    def __init__(self, path: Path):
        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
            self._root = yaml.compose(text, Loader=yaml.SafeLoader)
            raw = yaml.safe_load(text)
        except (OSError, UnicodeDecodeError) as exc:
            raise CityFileError(f"{path}: cannot read: {exc}") from exc
        except yaml.YAMLError as exc:
            raise CityFileError(f"{path}: not valid YAML or JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise CityFileError(f"{path}: line 1: a city file is a mapping with a 'jurisdiction' section")
        try:
            self.data: dict[str, Any] = CityFileSchema().load(raw)
        except ValidationError as exc:
            path_, message = _first_error(exc.messages)
            raise self.error(path_, message) from exc

    def line(self, path: tuple) -> int:
        """The 1-based line of the node at ``path`` (keys and list indexes), or of its nearest parent."""
        node = self._root
        for step in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                child = next((value for key, value in node.value if key.value == step), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                child = node.value[step]
            if child is None:
                break
            node = child
        return node.start_mark.line + 1 if node is not None else 1

    def error(self, path: tuple, message: str) -> CityFileError:
        """An error naming the file, the line and the place in the file."""
        where = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path).lstrip(".")
        return CityFileError(f"{self.path}: line {self.line(path)}: {where or 'file'}: {message}")

    def resolve(self, relative: str) -> Path:
        """A file named in the city file, relative to the city file's directory."""
        return (self.path.parent / relative).resolve()


def _first_error(messages: Any, path: tuple = ()) -> tuple[tuple, str]:
    """The path and text of the first marshmallow error message."""
    if isinstance(messages, dict):
        key = sorted(messages, key=lambda k: (isinstance(k, str), str(k) if isinstance(k, str) else k))[0]
        step = () if key == "_schema" else (key,)
        return _first_error(messages[key], path + step)
    if isinstance(messages, list) and messages and not isinstance(messages[0], str):
        return _first_error(messages[0], path)
    text = messages[0] if isinstance(messages, list) else str(messages)
    return path, text
