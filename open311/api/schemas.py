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


class AreaRefSchema(Schema):
    """Extension: one area holding a request."""

    layer = fields.String()
    code = fields.String()
    name = fields.String()


class ExtendedAttributesSchema(Schema):
    """Extension: returned with ``extensions=true`` only."""

    detailed_status = fields.String()
    department_code = fields.String(allow_none=True)
    areas = fields.List(fields.Nested(AreaRefSchema))
    channel = fields.String(allow_none=True)
    attributes = fields.Dict()
    parent_service_request_id = fields.String(
        allow_none=True, metadata={"description": "The original this request was merged into as a duplicate."}
    )


class NoteSchema(Schema):
    """Extension: one change of a request as the public sees it (Chicago's ``notes``), never who made it."""

    datetime = fields.String(required=True, metadata={"format": "date-time"})
    type = fields.String(required=True, metadata={"description": "opened, note, media, reassigned, closed, ..."})
    detailed_status = fields.String(allow_none=True)
    description = fields.String(allow_none=True)


class ServiceRequestSchema(Schema):
    """One ``request`` of GET requests and GET requests/{id}. Personal data is never returned."""

    service_request_id = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["open", "closed"]})
    status_notes = fields.String(allow_none=True)
    service_name = fields.String(required=True)
    service_code = fields.String(required=True)
    description = fields.String(allow_none=True)
    agency_responsible = fields.String(allow_none=True)
    service_notice = fields.String(allow_none=True)
    requested_datetime = fields.String(required=True, metadata={"format": "date-time"})
    updated_datetime = fields.String(required=True, metadata={"format": "date-time"})
    expected_datetime = fields.String(allow_none=True, metadata={"format": "date-time"})
    address = fields.String(allow_none=True)
    address_id = fields.String(allow_none=True)
    zipcode = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    long = fields.Float(allow_none=True)
    media_url = fields.String(allow_none=True)
    extended_attributes = fields.Nested(
        ExtendedAttributesSchema, metadata={"description": "Extension: with extensions=true only."}
    )
    notes = fields.List(
        fields.Nested(NoteSchema), metadata={"description": "Extension: the history, with extensions=true only."}
    )


class PostedRequestSchema(Schema):
    """The one ``request`` of the POST response: an id (realtime), a token (batch) or neither (blackbox)."""

    service_request_id = fields.String()
    token = fields.String()
    service_notice = fields.String(allow_none=True)
    account_id = fields.String(allow_none=True)


class TokenSchema(Schema):
    """GET tokens/{token}."""

    service_request_id = fields.String(allow_none=True)
    token = fields.String(required=True)


class StaffUpdateSchema(Schema):
    """Extension: one change of a request in the staff history (who did what)."""

    update_id = fields.String(required=True)
    service_request_id = fields.String(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["open", "closed"]})
    old_detailed_status = fields.String(allow_none=True)
    detailed_status = fields.String(allow_none=True)
    updated_datetime = fields.String(required=True, metadata={"format": "date-time"})
    description = fields.String(allow_none=True)
    media_url = fields.String(allow_none=True)
    department_code = fields.String(allow_none=True)
    previous_department_code = fields.String(allow_none=True)
    changed_by = fields.String(allow_none=True, metadata={"description": "The name of the key that made the change."})


class ServiceRequestUpdateSchema(Schema):
    """Extension (mySociety): one update of GET servicerequestupdates, with FixMyStreet's statuses."""

    update_id = fields.String(required=True)
    service_request_id = fields.String(required=True)
    status = fields.String(required=True)
    updated_datetime = fields.String(required=True, metadata={"format": "date-time"})
    description = fields.String(required=True)
    media_url = fields.String(required=True)
    external_status_code = fields.String(allow_none=True)


class PostedUpdateSchema(Schema):
    """Extension (mySociety): the answer to POST servicerequestupdates: our id of the update."""

    update_id = fields.String(required=True)
