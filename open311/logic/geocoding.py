"""The seam for a geocoder: turning an address into a point.

No geocoder is configured in this server, so :func:`geocode` finds nothing and requests sent with
an address alone are stored unlocated and routed to the service's default department. A city that
has one (its address repository, Nominatim, ...) replaces :data:`GEOCODER` at start-up.
"""

from __future__ import annotations

from typing import Protocol


class Geocoder(Protocol):
    """Finds the WGS84 (longitude, latitude) of an address, or None."""

    def __call__(self, address_string: str | None, address_id: str | None) -> tuple[float, float] | None:
        """The point of the address, or None when it cannot be found."""


def no_geocoder(address_string: str | None, address_id: str | None) -> tuple[float, float] | None:
    """The default: no geocoder is reachable, so no address is located."""
    return None


GEOCODER: Geocoder = no_geocoder


def geocode(address_string: str | None, address_id: str | None) -> tuple[float, float] | None:
    """The point of an address according to the configured geocoder."""
    return GEOCODER(address_string, address_id)
