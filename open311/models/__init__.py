"""Typed declarative models of the server's tables."""

from .api_key import ApiKey
from .base import Base
from .department import Department
from .jurisdiction import Area, AreaLayer, Jurisdiction
from .outbox import OutboxEvent
from .request_stats import RequestStats, StatsPending
from .request_update import RequestUpdate
from .routing import RoutingRule
from .service import AttributeValue, Service, ServiceAttribute
from .service_request import ServiceRequest, ServiceRequestArea, ServiceRequestContact

__all__ = [
    "ApiKey",
    "Area",
    "AreaLayer",
    "AttributeValue",
    "Base",
    "Department",
    "Jurisdiction",
    "OutboxEvent",
    "RequestStats",
    "RequestUpdate",
    "RoutingRule",
    "Service",
    "ServiceAttribute",
    "ServiceRequest",
    "ServiceRequestArea",
    "ServiceRequestContact",
    "StatsPending",
]
