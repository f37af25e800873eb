"""The Service Discovery document (spec §2.0)."""

from __future__ import annotations

from ..formats import format_datetime
from ..models import Jurisdiction

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
SUPPORTED_MEDIA_TYPES = ["text/xml", "application/json"]


def discovery_document(jurisdiction: Jurisdiction, endpoint_url: str, endpoint_type: str) -> dict:
    """Discovery for one jurisdiction: its contact and key service, and this server's endpoint.

    The changeset is the W3C datetime of the last change to the jurisdiction's catalogue, so that
    clients know when to refresh their cached service lists and definitions.
    """
    changeset = format_datetime(jurisdiction.changeset)
    return {
        "changeset": changeset,
        "contact": jurisdiction.contact,
        "key_service": jurisdiction.key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": changeset,
                "type": endpoint_type,
                "formats": list(SUPPORTED_MEDIA_TYPES),
            }
        ],
    }
