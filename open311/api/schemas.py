"""Output schemas of the GeoReport responses, in the standard's field order.

They serialise every response body (JSON and XML alike) and document it in openapi.yaml.
"""

from __future__ import annotations

from marshmallow import Schema, fields


class ErrorSchema(Schema):
    """One ``error`` of the ``errors`` list."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    description = fields.String(required=True, metadata={"description": "What went wrong, naming the parameter."})


class ServiceSchema(Schema):
    """One ``service`` of GET services."""

    service_code = fields.String(required=True)
    service_name = fields.String(required=True)
    description = fields.String(allow_none=True)
    metadata = fields.Boolean(
        required=True, metadata={"description": "true when the service has a definition with attributes."}
    )
    type = fields.String(required=True, metadata={"enum": ["realtime", "batch", "blackbox"]})
    keywords = fields.String(allow_none=True, metadata={"description": "Comma-separated keywords."})
    group = fields.String(allow_none=True)


class AttributeValueSchema(Schema):
    """One ``value`` of a list attribute: the key to post and its human name."""

    key = fields.String(required=True)
    name = fields.String(required=True)


class AttributeSchema(Schema):
    """One ``attribute`` of a service definition."""

    variable = fields.Boolean(required=True)
    code = fields.String(required=True)
    datatype = fields.String(
        required=True,
        metadata={"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
    )
    required = fields.Boolean(required=True)
    datatype_description = fields.String(allow_none=True)
    order = fields.Integer(required=True)
    description = fields.String(required=True)
    values = fields.List(fields.Nested(AttributeValueSchema), metadata={"description": "Only for list datatypes."})


class ServiceDefinitionSchema(Schema):
    """GET services/{service_code}: the attributes a request of this service carries."""

    service_code = fields.String(required=True)
    attributes = fields.List(fields.Nested(AttributeSchema), required=True)


class EndpointSchema(Schema):
    """One ``endpoint`` of the discovery document."""

    specification = fields.String(required=True)
    url = fields.String(required=True)
    changeset = fields.String(required=True)
    type = fields.String(required=True, metadata={"enum": ["production", "test"]})
    formats = fields.List(fields.String(), required=True)


class DiscoverySchema(Schema):
    """The Service Discovery document."""

    changeset = fields.String(required=True)
    contact = fields.String(required=True)
    key_service = fields.String(required=True)
    endpoints = fields.List(fields.Nested(EndpointSchema), required=True)
