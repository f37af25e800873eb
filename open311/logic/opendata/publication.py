"""Extension: what the public sees of each service's requests (the city file's ``publish``, ``blur`` and
``publish_media``; docs/open-data.md).

- ``publish: false``: the service's requests are left out of public listings, GET requests/{id} (a
  404, as if absent), the updates feed and the exports; statistics may still count them.
- ``blur: METRES``: their published point is the centre of the grid cell of that size holding the
  location, kept inside the same area (SQL ``published_point``, migration odata2), their address is
  not published, and spatial filters match the published point, never the real one.
- ``publish_media: false`` (per service, or for the whole jurisdiction): their photos' URLs are not
  published.

The expressions below are the one definition of the published point, address and media; statistics,
maps and exports use them too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from ...models import Jurisdiction, Service, ServiceRequest
from .privacy import PUBLIC_ADDRESS

METRES_PER_DEGREE = 111_320.0


def published_point(blur_m: ColumnElement | int | None = Service.blur_m) -> ColumnElement:
    """The point public outputs show of a request: its location, or the centre of its grid cell for a
    service published blurred. ``blur_m`` defaults to the joined Service's setting."""
    return func.published_point(ServiceRequest.id, ServiceRequest.location, blur_m)


#: With the request's Service joined: the published point, coordinates, address and media.
PUBLISHED_POINT = published_point()
PUBLISHED_LAT = func.ST_Y(PUBLISHED_POINT)
PUBLISHED_LONG = func.ST_X(PUBLISHED_POINT)
#: Never null (strict clients need an address): the submitter's (privacy transform applied), else the one
#: described from the request's areas at write time. A blurred request's own address would give its
#: place away: only the description from its areas is published.
PUBLISHED_ADDRESS = case(
    (Service.blur_m.is_(None), func.coalesce(PUBLIC_ADDRESS, ServiceRequest.location_description)),
    else_=ServiceRequest.location_description,
)
PUBLISHED_ADDRESS_ID = case((Service.blur_m.is_(None), ServiceRequest.address_id))
PUBLISHED_MEDIA_URL = case((Service.publish_media, ServiceRequest.media_url))


@dataclass(frozen=True)
class Publication:
    """A jurisdiction's publication settings by service id, for queries that do not join Service (the
    listing's index-only part): the services kept out, and the blur of the blurred ones."""

    hidden_service_ids: tuple[int, ...] = ()
    blur_by_service: tuple[tuple[int, int], ...] = ()

    @property
    def max_blur_m(self) -> int:
        """The largest blur of the jurisdiction's services (0: none is blurred)."""
        return max((blur for _service, blur in self.blur_by_service), default=0)

    def conditions(self) -> list[ColumnElement]:
        """What a request must satisfy to be public (nothing at all when every service is published)."""
        if not self.hidden_service_ids:
            return []
        return [ServiceRequest.service_id.not_in(self.hidden_service_ids)]

    def point(self) -> ColumnElement:
        """The published point of a request without a join to its Service (its location when no
        service of the jurisdiction is blurred)."""
        if not self.blur_by_service:
            return ServiceRequest.location
        blur = case(dict(self.blur_by_service), value=ServiceRequest.service_id)
        return published_point(blur)

    def margin_degrees(self, latitude: float) -> float:
        """How far (in degrees of longitude at ``latitude``, the larger unit) a published point can be
        from the real one: the diagonal of the largest cell."""
        if not self.blur_by_service:
            return 0.0
        metres = self.max_blur_m * math.sqrt(2)
        return metres / (METRES_PER_DEGREE * max(math.cos(math.radians(min(abs(latitude), 89.0))), 0.01))


def publication(session: Session, jurisdiction: Jurisdiction) -> Publication:
    """The jurisdiction's publication settings (one small query; the API keeps them per worker)."""
    rows = session.execute(
        select(Service.id, Service.publish, Service.blur_m)
        .where(Service.jurisdiction_id == jurisdiction.id)
        .where(~Service.publish | Service.blur_m.is_not(None))
        .order_by(Service.id)
    ).all()
    return Publication(
        hidden_service_ids=tuple(service_id for service_id, publish, _blur in rows if not publish),
        blur_by_service=tuple((service_id, blur) for service_id, publish, blur in rows if publish and blur),
    )
