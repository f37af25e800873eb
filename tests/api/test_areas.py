"""Extension: GET areas.{json,xml,geojson} and the point lookup ("is this point served, and by whom")."""

from __future__ import annotations

import pytest
from lxml import etree
from shapely import union_all
from shapely.geometry import Point, shape

PARIS = "paris.fr"
NYC = "nyc.gov"
EIFFEL_TOWER = {"lat": 48.8584, "long": 2.2945}
ST_GEORGE = {"lat": 40.6437, "long": -74.0736}  # Staten Island, community district 501
TIMES_SQUARE = {"lat": 40.7580, "long": -73.9855}
LONDON = {"lat": 51.5072, "long": -0.1276}


def get(client, jurisdiction, fmt="json", **params):
    return client.get(f"/open311/v2/areas.{fmt}", query_string={"jurisdiction_id": jurisdiction, **params})


def test_paris_lists_its_twenty_arrondissements_with_their_surfaces(client):
    areas = get(client, PARIS).get_json()
    assert [a["code"] for a in areas] == sorted(str(n) for n in range(1, 21))
    assert {a["layer"] for a in areas} == {"arrondissement"}
    assert areas[0] == {
        "layer": "arrondissement",
        "layer_name": "Arrondissement",
        "code": "1",
        "name": "Paris 1er arrondissement (Louvre)",
        "km2": pytest.approx(1.82, abs=0.01),
    }
    # Paris without the Bois de Boulogne and de Vincennes: 105.4 km².
    assert sum(a["km2"] for a in areas) == pytest.approx(105.4, abs=0.5)


def test_layers_come_least_specific_first_and_filter_by_layer(client):
    areas = get(client, NYC).get_json()
    layers = [a["layer"] for a in areas]
    assert layers == sorted(layers, key=["borough", "community_district"].index)
    assert layers.count("borough") == 5
    boroughs = get(client, NYC, layer="borough").get_json()
    assert [a["name"] for a in boroughs] == ["Manhattan", "Bronx", "Brooklyn", "Queens", "Staten Island"]


def test_xml_lists_the_same_areas(client):
    document = etree.fromstring(get(client, PARIS, "xml").data)
    assert document.tag == "areas"
    assert [area.findtext("code") for area in document] == [a["code"] for a in get(client, PARIS).get_json()]


def test_a_point_gives_the_area_of_each_layer_holding_it(client):
    assert [a["code"] for a in get(client, PARIS, **EIFFEL_TOWER).get_json()] == ["7"]
    found = get(client, NYC, **ST_GEORGE).get_json()
    assert [(a["layer"], a["code"]) for a in found] == [("borough", "5"), ("community_district", "501")]
    assert "agency_responsible" not in found[0]


@pytest.mark.parametrize(
    ("jurisdiction", "point", "service_code", "department"),
    [
        ("paris.fr", EIFFEL_TOWER, "5201", "DVD-STV-SO"),  # a routing rule of the arrondissement
        ("paris.fr", EIFFEL_TOWER, "3602", "DPE-GRAF"),  # the service's department
        ("nyc.gov", ST_GEORGE, "pothole", "DOT-SI-N"),  # the most specific layer's rule wins
        ("nyc.gov", TIMES_SQUARE, "pothole", "DOT"),
        ("nyc.gov", TIMES_SQUARE, "noise", "311"),  # the jurisdiction's default department
    ],
)
def test_with_a_service_the_lookup_names_the_department_a_report_would_reach(
    client, submit, jurisdiction, point, service_code, department
):
    found = client.get(
        "/open311/v2/areas.json",
        query_string={"jurisdiction_id": jurisdiction, "service_code": service_code, **point},
    ).get_json()
    assert {a["agency_responsible"] for a in found} == {department}
    # The same answer as a report actually sent from there.
    attributes = {"5201": {"attribute[TAILLE]": "grand"}, "3602": {"attribute[SURFACE]": "mur"}}.get(service_code, {})
    posted = submit(jurisdiction_id=jurisdiction, service_code=service_code, **point, **attributes)
    assert posted.status_code == 200, posted.get_json()
    request_id = posted.get_json()[0].get("service_request_id")
    if request_id:  # realtime services answer with the id
        record = client.get(
            f"/open311/v2/requests/{request_id}.json",
            query_string={"jurisdiction_id": jurisdiction, "extensions": "true"},
        ).get_json()[0]
        assert record["extended_attributes"]["department_code"] == department
        assert record["agency_responsible"] == found[0]["agency_name"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_outside_the_jurisdiction_the_list_is_empty(client, fmt):
    reply = get(client, PARIS, fmt, service_code="5201", **LONDON)
    assert reply.status_code == 200
    if fmt == "json":
        assert reply.get_json() == []
    else:
        assert len(etree.fromstring(reply.data)) == 0


def test_geojson_outside_is_an_empty_collection(client):
    reply = get(client, PARIS, "geojson", **LONDON)
    assert reply.status_code == 200
    assert reply.mimetype == "application/geo+json"
    assert reply.get_json(force=True) == {"type": "FeatureCollection", "features": []}


def test_geojson_lookup_gives_the_holding_areas_with_their_department(client):
    collection = get(client, NYC, "geojson", service_code="pothole", **ST_GEORGE).get_json(force=True)
    assert [f["id"] for f in collection["features"]] == ["borough:5", "community_district:501"]
    assert {f["properties"]["agency_responsible"] for f in collection["features"]} == {"DOT-SI-N"}


def test_geojson_polygons_are_simplified_without_gaps_between_neighbours(client):
    reply = get(client, PARIS, "geojson")
    collection = reply.get_json(force=True)
    listed = get(client, PARIS).get_json()
    assert [f["properties"] for f in collection["features"]] == listed
    shapes = [shape(f["geometry"]) for f in collection["features"]]
    assert all(s.is_valid and s.geom_type == "MultiPolygon" for s in shapes)
    # Neighbours still share their borders: the union is as large as the sum (no overlaps) and has no
    # hole between arrondissements (only Paris's outer ring).
    union = union_all(shapes)
    assert union.area == pytest.approx(sum(s.area for s in shapes), rel=1e-6)
    assert union.geom_type == "Polygon" and len(union.interiors) == 0
    # Every landmark is still inside its simplified arrondissement.
    seventh = next(s for f, s in zip(collection["features"], shapes, strict=True) if f["properties"]["code"] == "7")
    assert seventh.contains(Point(EIFFEL_TOWER["long"], EIFFEL_TOWER["lat"]))
    assert len(reply.data) < 100_000  # light enough for a map's first draw


@pytest.mark.parametrize(
    ("params", "status", "problem"),
    [
        ({"lat": "48.85"}, 400, "long: lat and long must both be sent"),
        ({"long": "2.29"}, 400, "lat: lat and long must both be sent"),
        ({"service_code": "5201"}, 400, "service_code: needs lat and long"),
        ({"lat": "91", "long": "2"}, 400, "lat:"),
        ({"lat": "north", "long": "2"}, 400, "lat:"),
        ({"layer": "quartier"}, 400, "layer: unknown layer 'quartier' (layers: arrondissement)"),
        ({"layer": "quartier", **EIFFEL_TOWER}, 400, "layer: unknown layer"),
        ({"service_code": "nope", **EIFFEL_TOWER}, 404, "service_code provided was not found: nope"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml", "geojson"])
def test_bad_parameters_get_the_errors_list(client, fmt, params, status, problem):
    reply = get(client, PARIS, fmt, **params)
    assert reply.status_code == status
    if fmt == "xml":
        assert reply.mimetype == "text/xml"
        descriptions = [e.findtext("description") for e in etree.fromstring(reply.data)]
    else:
        assert reply.mimetype == "application/json"
        descriptions = [e["description"] for e in reply.get_json()]
    assert any(d.startswith(problem) for d in descriptions), descriptions


def test_empty_parameters_are_absent_ones(client):
    assert get(client, PARIS, lat="", long="", service_code="", layer="").get_json() == get(client, PARIS).get_json()


def test_unknown_jurisdiction_is_404(client):
    reply = client.get("/open311/v2/areas.geojson?jurisdiction_id=elsewhere.example")
    assert reply.status_code == 404
    assert reply.mimetype == "application/json"
