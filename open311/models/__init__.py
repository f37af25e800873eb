"""Typed declarative models of the server's tables."""

from .base import Base
from .department import Department
from .jurisdiction import Area, AreaLayer, Jurisdiction
from .routing import RoutingRule
from .service import AttributeValue, Service, ServiceAttribute

__all__ = [
    "Area",
    "AreaLayer",
    "AttributeValue",
    "Base",
    "Department",
    "Jurisdiction",
    "RoutingRule",
    "Service",
    "ServiceAttribute",
]
