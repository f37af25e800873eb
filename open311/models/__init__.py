"""Typed declarative models of the server's tables."""

from .api_key import ApiKey
from .base import Base
from .department import Department
from .flood import RateLimitCounter, SubmissionFingerprint
from .jurisdiction import Area, AreaLayer, Jurisdiction
from .listing_version import ListingVersion
from .outbox import OutboxEvent
from .request_stats import RequestStats, StatsPending
from .request_update import RequestUpdate, RequestUpdateContact
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
    "ListingVersion",
    "OutboxEvent",
    "RateLimitCounter",
    "RequestStats",
    "RequestUpdate",
    "RequestUpdateContact",
    "RoutingRule",
    "Service",
    "ServiceAttribute",
    "ServiceRequest",
    "ServiceRequestArea",
    "ServiceRequestContact",
    "StatsPending",
    "SubmissionFingerprint",
]
