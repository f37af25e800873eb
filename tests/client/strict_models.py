"""Strictly typed models of GeoReport v2 responses (pydantic, strict mode), written from the standard as a
strictly typed client would write them: no coercion, no unknown keys, a value wherever the standard
describes one without "May not be returned" or an empty example.

Nullable fields, and why: ``description``, ``agency_responsible``, ``service_notice`` and ``status_notes``
are empty in the standard's own examples; ``expected_datetime`` "May not be returned"; ``address_id``,
``zipcode`` and ``media_url`` are what the submitter may not have sent; ``lat``/``long`` are absent for a
request the standard lets a client submit by ``address_string`` or ``address_id`` alone. ``address`` is a
"human readable address or description of location": always one.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl, StringConstraints, TypeAdapter

Text = Annotated[str, StringConstraints(min_length=1)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class Strict(BaseModel):
    """No coercion (``"1"`` is not a number, ``1`` is not a string) and no key the standard does not name."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Service(Strict):
    service_code: Text
    service_name: Text
    description: str | None
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str | None
    group: str | None


class AttributeValue(Strict):
    key: Text
    name: Text


class Attribute(Strict):
    variable: bool
    code: Text
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str | None
    order: Annotated[int, Field(gt=0)]
    description: Text
    values: list[AttributeValue] | None = None


class ServiceDefinition(Strict):
    service_code: Text
    attributes: list[Attribute]


class Endpoint(Strict):
    specification: Text
    url: HttpUrl
    changeset: AwareDatetime
    type: Literal["production", "test"]
    formats: Annotated[list[Literal["text/xml", "application/json"]], Field(min_length=1)]


class Discovery(Strict):
    changeset: AwareDatetime
    contact: Text
    key_service: Text
    endpoints: Annotated[list[Endpoint], Field(min_length=1)]


class ServiceRequest(Strict):
    service_request_id: Text
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: Text
    service_code: Text
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: AwareDatetime
    updated_datetime: AwareDatetime
    expected_datetime: AwareDatetime | None
    address: Text
    address_id: str | None
    zipcode: str | None
    lat: Latitude | None
    long: Longitude | None
    media_url: HttpUrl | None


class ExtendedServiceRequest(ServiceRequest):
    """With ``extensions=true`` the server adds keys (Extension); the standard's fields stay as strict."""

    model_config = ConfigDict(strict=True, extra="allow")


class PostedRequest(Strict):
    service_request_id: Text | None = None
    token: Text | None = None
    service_notice: str | None
    account_id: str | None


class TokenAnswer(Strict):
    service_request_id: Text | None
    token: Text


class Error(Strict):
    code: int
    description: Text


SERVICES = TypeAdapter(list[Service])
SERVICE_REQUESTS = TypeAdapter(list[ServiceRequest])
EXTENDED_SERVICE_REQUESTS = TypeAdapter(list[ExtendedServiceRequest])
POSTED = TypeAdapter(Annotated[list[PostedRequest], Field(min_length=1, max_length=1)])
TOKENS = TypeAdapter(Annotated[list[TokenAnswer], Field(min_length=1, max_length=1)])
ERRORS = TypeAdapter(Annotated[list[Error], Field(min_length=1)])


def parse(adapter_or_model, body: bytes):
    """Parse a JSON body as a strict client does (raises pydantic.ValidationError)."""
    if isinstance(adapter_or_model, TypeAdapter):
        return adapter_or_model.validate_json(body, strict=True)
    return adapter_or_model.model_validate_json(body, strict=True)
