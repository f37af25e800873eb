"""The Service Discovery document (spec §2.0)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from ..formats import format_datetime
from ..models import Jurisdiction
from .jurisdictions import discovery_jurisdictions, have_sandboxes

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
SUPPORTED_MEDIA_TYPES = ["text/xml", "application/json"]


def _each(jurisdictions: Sequence[Jurisdiction], attribute: str) -> str:
    """One text for several jurisdictions: the shared value, or each jurisdiction's after its id."""
    values = [getattr(j, attribute) for j in jurisdictions]
    if len(set(values)) == 1:
        return values[0]
    return "; ".join(f"{j.jurisdiction_id}: {value}" for j, value in zip(jurisdictions, values, strict=True))


def discovery_document(jurisdictions: Sequence[Jurisdiction], endpoints: Sequence[tuple[str, str]]) -> dict:
    """Discovery of one jurisdiction, or of the server when it hosts several and none is named.

    ``endpoints`` are (url, type) pairs: the production endpoint and, when the jurisdiction has a sandbox,
    the test one (Extension). The changeset is the W3C datetime of the last change to the catalogue, so that
    clients know when to refresh their cached service lists and definitions. For several jurisdictions the
    document keeps the standard's shape: ``contact`` names every jurisdiction_id the server answers to
    (clients send one with each call), with each one's contact, and ``key_service`` likewise.
    """
    changeset = format_datetime(max(j.changeset for j in jurisdictions))
    contact = _each(jurisdictions, "contact")
    if len(jurisdictions) > 1:
        names = ", ".join(f"{j.jurisdiction_id} ({j.name})" for j in jurisdictions)
        contact = f"This server hosts several jurisdictions; send jurisdiction_id with each call: {names}. {contact}"
    return {
        "changeset": changeset,
        "contact": contact,
        "key_service": _each(jurisdictions, "key_service"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": changeset,
                "type": endpoint_type,
                "formats": list(SUPPORTED_MEDIA_TYPES),
            }
            for url, endpoint_type in endpoints
        ],
    }


def discovery_for(
    session: Session, jurisdiction_id: str | None, default_id: str | None, production: tuple[str, str], test_url: str
) -> dict:
    """The discovery document a call asks for: the named (only, default) jurisdiction's, or the server's.

    ``production`` is the (url, type) of the main endpoint; the test endpoint at ``test_url`` (Extension:
    the sandbox twins) is listed when a described jurisdiction has a sandbox.
    """
    jurisdictions = discovery_jurisdictions(session, jurisdiction_id, default_id)
    endpoints = [production]
    if have_sandboxes(session, jurisdictions):
        endpoints.append((test_url, "test"))
    return discovery_document(jurisdictions, endpoints)
