"""Assignment to areas (one per layer) and routing with the most specific rule."""

from __future__ import annotations

from sqlalchemy import select

from open311.logic.assignment import areas_at, assign
from open311.models import Jurisdiction, Service

EIFFEL_TOWER = (2.2945, 48.8584)
NOTRE_DAME = (2.3499, 48.8530)
SACRE_COEUR = (2.3431, 48.8867)
LONDON = (-0.1276, 51.5072)


def jurisdiction(session, jurisdiction_id):
    return session.scalar(select(Jurisdiction).where(Jurisdiction.jurisdiction_id == jurisdiction_id))


def service(session, jurisdiction_id, code):
    return session.scalar(
        select(Service)
        .join(Jurisdiction)
        .where(Jurisdiction.jurisdiction_id == jurisdiction_id, Service.service_code == code)
    )


def test_landmarks_fall_in_their_arrondissements(session):
    paris = jurisdiction(session, "paris.fr")
    assert [a.code for a in areas_at(session, paris, *EIFFEL_TOWER)] == ["7"]
    assert [a.code for a in areas_at(session, paris, *NOTRE_DAME)] == ["4"]
    assert [a.code for a in areas_at(session, paris, *SACRE_COEUR)] == ["18"]


def test_a_point_outside_every_area_has_none(session):
    assert areas_at(session, jurisdiction(session, "paris.fr"), *LONDON) == []


def test_place_dependent_rule_routes_a_sidewalk_to_its_road_section(session):
    sidewalk = service(session, "paris.fr", "5201")
    assert assign(session, sidewalk, *EIFFEL_TOWER).department.code == "DVD-STV-SO"
    assert assign(session, sidewalk, *NOTRE_DAME).department.code == "DVD-STV-CENTRE"
    assert assign(session, sidewalk, *SACRE_COEUR).department.code == "DVD-STV-NORD"


def test_service_default_without_a_rule(session):
    graffiti = service(session, "paris.fr", "3602")
    assert assign(session, graffiti, *EIFFEL_TOWER).department.code == "DPE-GRAF"


def test_jurisdiction_default_when_the_service_has_none(session):
    noise = service(session, "nyc.gov", "noise")
    assert assign(session, noise, -73.9855, 40.7580).department.code == "311"


def test_outside_every_area_falls_back_to_the_service_default(session):
    sidewalk = service(session, "paris.fr", "5201")
    result = assign(session, sidewalk, *LONDON)
    assert result.areas == ()
    assert result.department.code == "DVD"


def test_new_york_point_gets_borough_and_community_district(session):
    times_square = (-73.9855, 40.7580)
    areas = areas_at(session, jurisdiction(session, "nyc.gov"), *times_square)
    assert [(a.layer.code, a.code, a.name) for a in areas] == [
        ("borough", "1", "Manhattan"),
        ("community_district", "105", "Manhattan Community District 5"),
    ]


def test_the_most_specific_rule_wins(session):
    pothole = service(session, "nyc.gov", "pothole")
    st_george = (-74.0776, 40.6437)  # Staten Island community district 501
    tottenville = (-74.2380, 40.5120)  # Staten Island community district 503
    assert assign(session, pothole, *st_george).department.code == "DOT-SI-N"
    assert assign(session, pothole, *tottenville).department.code == "DOT-SI"
    assert assign(session, pothole, -73.9855, 40.7580).department.code == "DOT"


def test_a_point_on_a_shared_border_always_gets_the_code_that_sorts_first(session):
    """A vertex shared by two arrondissements is covered by both: the lower code (text order) wins."""
    from sqlalchemy import func

    from open311.models import Area, AreaLayer

    paris = jurisdiction(session, "paris.fr")
    shared = session.execute(
        select(
            func.ST_X(func.ST_PointN(func.ST_ExteriorRing(func.ST_GeometryN(Area.geom, 1)), 1)),
            func.ST_Y(func.ST_PointN(func.ST_ExteriorRing(func.ST_GeometryN(Area.geom, 1)), 1)),
        )
        .join(AreaLayer)
        .where(AreaLayer.jurisdiction_id == paris.id, Area.code == "7")
    ).one()
    covering = session.scalars(
        select(Area.code)
        .join(AreaLayer)
        .where(
            AreaLayer.jurisdiction_id == paris.id,
            func.ST_Covers(Area.geom, func.ST_SetSRID(func.ST_MakePoint(*shared), 4326)),
        )
    ).all()
    assert len(covering) >= 2, "the first vertex of the 7th lies on a border"
    answers = {tuple(a.code for a in areas_at(session, paris, *shared)) for _ in range(3)}
    assert answers == {(min(covering),)}
