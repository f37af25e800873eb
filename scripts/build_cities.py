"""Build the city files shipped in open311/cities/ from the raw data in ../shared/data.

Run from the project root: ``.venv/bin/python scripts/build_cities.py [--shared ../shared]``.
The outputs are committed; users never need ../shared.

- Paris: the 20 arrondissements (Ville de Paris, ODbL) and a catalogue of services built from the
  DansMaRue nomenclature (City of Paris), routed to the directorates its routing units stand for.
- New York: boroughs and community districts (NYC DCP), simplified to a few hundred kB, and a small
  catalogue exercising two-layer routing.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import shapely
import yaml
from paris_english import ENGLISH  # scripts/: the English texts of the Paris catalogue
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parent.parent
CITIES = ROOT / "open311" / "cities"

# --- Paris --------------------------------------------------------------------------------------

#: DansMaRue routing unit (fk_id_unit) -> department. The source has unit ids only; the names are
#: assumed from the categories each unit handles.
PARIS_UNITS = {
    "174": ("DVD", "Direction de la Voirie et des Déplacements"),
    "108": ("DPE", "Direction de la Propreté et de l'Eau"),
    "1527": ("DPE-ENC", "Direction de la Propreté et de l'Eau — enlèvement des encombrants"),
    "1499": ("DPE-GRAF", "Direction de la Propreté et de l'Eau — graffitis et affichage"),
    "1475": ("DVD-ECL", "Direction de la Voirie et des Déplacements — éclairage public et feux"),
    "1": ("DEVE", "Direction des Espaces Verts et de l'Environnement"),
    "1488": ("MOB-CONC", "Concessionnaire du mobilier urbain (sanisettes, abribus, mobilier publicitaire)"),
    "1517": ("DPSP", "Direction de la Police municipale et de la Prévention"),
    "1489": ("VELIB", "Vélib' Métropole (opérateur)"),
    "1515": ("DAE", "Direction de l'Attractivité et de l'Emploi (kiosques, bouquinistes)"),
    "1514": ("DAC", "Direction des Affaires Culturelles (œuvres d'art, monuments)"),
    "1505": ("EAU", "Eau de Paris"),
    "1506": ("DSP", "Direction de la Santé Publique"),
    "1512": ("DVD-STAT", "Direction de la Voirie et des Déplacements — stationnement"),
    "1516": ("DJS", "Direction de la Jeunesse et des Sports (aires de jeux et terrains)"),
}

#: The services of the demo catalogue (DansMaRue type ids); the code is the id, so it is stable.
PARIS_SERVICES = [
    1001,
    1002,
    1003,
    1006,
    1007,
    1008,
    1010,
    11011,
    11012,
    2001,
    2002,
    3100,
    3200,
    3403,
    3404,
    3405,
    3406,
    3407,
    3801,
    3601,
    3602,
    3603,
    3605,
    3702,
    4101,
    4102,
    4202,
    4203,
    4301,
    4302,
    5101,
    5103,
    5201,
    5204,
    5205,
    5301,
    6010,
    6020,
    6040,
    7101,
    7201,
    7202,
    7203,
    7209,
    9600,
    10100,
    10300,
    7402,
    11070,
]

#: Service types other than realtime (assumed): bulky waste goes to a separate collection system
#: that confirms later (batch); underground water noise is passed on to Eau de Paris (blackbox).
PARIS_TYPES = {"1002": "batch", "11070": "blackbox"}

#: Roads maintenance sections of the DVD (sections territoriales de voirie), by arrondissement.
#: The sector boundaries are assumed and simplified to whole arrondissements.
PARIS_ROAD_SECTIONS = {
    "DVD-STV-CENTRE": ("Centre", [1, 2, 3, 4]),
    "DVD-STV-SUD": ("Sud", [5, 6, 13, 14]),
    "DVD-STV-SO": ("Sud-Ouest", [7, 15, 16]),
    "DVD-STV-NO": ("Nord-Ouest", [8, 17]),
    "DVD-STV-NORD": ("Nord", [9, 10, 18]),
    "DVD-STV-EST": ("Est", [11, 12, 19, 20]),
}
PARIS_ROAD_SERVICES = ["5101", "5103", "5201", "5204", "5205"]

SIZE_VALUES = [
    {"key": "petit", "name": "Petit (moins de 30 cm)"},
    {"key": "moyen", "name": "Moyen (30 cm à 1 m)"},
    {"key": "grand", "name": "Grand (plus d'1 m)"},
]

PARIS_ATTRIBUTES = {
    "5201": [
        {
            "code": "TAILLE",
            "datatype": "singlevaluelist",
            "required": True,
            "order": 1,
            "description": "Quelle est la taille du défaut ?",
            "values": SIZE_VALUES,
        },
        {
            "code": "DANGER",
            "datatype": "singlevaluelist",
            "required": False,
            "order": 2,
            "description": "Le défaut présente-t-il un danger immédiat pour les piétons ?",
            "values": [{"key": "oui", "name": "Oui"}, {"key": "non", "name": "Non"}],
        },
    ],
    "5101": [
        {
            "code": "TAILLE",
            "datatype": "singlevaluelist",
            "required": True,
            "order": 1,
            "description": "Quelle est la taille du trou ou de l'affaissement ?",
            "values": SIZE_VALUES,
        },
        {
            "code": "VOIE",
            "datatype": "singlevaluelist",
            "required": False,
            "order": 2,
            "description": "Sur quelle partie de la chaussée ?",
            "values": [
                {"key": "voie", "name": "Voie de circulation"},
                {"key": "bus", "name": "Couloir de bus"},
                {"key": "velo", "name": "Piste cyclable"},
                {"key": "stationnement", "name": "Stationnement"},
            ],
        },
    ],
    "1002": [
        {
            "code": "RDV",
            "datatype": "string",
            "variable": False,
            "required": False,
            "order": 1,
            "description": "Pour vos propres encombrants, prenez rendez-vous gratuitement sur paris.fr "
            "(« Encombrants ») au lieu de faire un signalement.",
        },
        {
            "code": "OBJETS",
            "datatype": "multivaluelist",
            "required": True,
            "order": 2,
            "description": "Quels objets sont abandonnés ?",
            "values": [
                {"key": "matelas", "name": "Matelas, sommier"},
                {"key": "canape", "name": "Canapé, fauteuil"},
                {"key": "armoire", "name": "Armoire, étagère"},
                {"key": "table", "name": "Table, chaises"},
                {"key": "autre", "name": "Autre meuble"},
            ],
        },
        {
            "code": "VOLUME",
            "datatype": "number",
            "required": False,
            "order": 3,
            "description": "Volume approximatif",
            "datatype_description": "En mètres cubes, par exemple 1.5",
        },
    ],
    "6010": [
        {
            "code": "NUMERO",
            "datatype": "string",
            "required": False,
            "order": 1,
            "description": "Numéro du lampadaire",
            "datatype_description": "Inscrit sur une plaque au pied du mât, par exemple 07-1234",
        },
        {
            "code": "DEPUIS",
            "datatype": "datetime",
            "required": False,
            "order": 2,
            "description": "Depuis quand l'éclairage est-il éteint ?",
            "datatype_description": "Date et heure, par exemple 2024-11-02T21:00:00+01:00",
        },
        {
            "code": "NOMBRE",
            "datatype": "number",
            "required": False,
            "order": 3,
            "description": "Combien de lampadaires sont éteints ?",
        },
    ],
    "3602": [
        {
            "code": "SURFACE",
            "datatype": "singlevaluelist",
            "required": True,
            "order": 1,
            "description": "Sur quel support ?",
            "values": [
                {"key": "facade", "name": "Façade d'immeuble"},
                {"key": "mur", "name": "Mur"},
                {"key": "vitrine", "name": "Vitrine, rideau de commerce"},
            ],
        },
        {
            "code": "HAUTEUR",
            "datatype": "number",
            "required": False,
            "order": 2,
            "description": "À quelle hauteur se trouve le graffiti ?",
            "datatype_description": "En mètres",
        },
        {
            "code": "PRECISIONS",
            "datatype": "text",
            "required": False,
            "order": 3,
            "description": "Précisions utiles à l'équipe d'intervention (accès, digicode, contenu injurieux...)",
        },
    ],
}

#: Demo webhooks: a receiver on this machine (scripts/webhook_receiver.py), with a demo secret.
DEMO_WEBHOOK_URL = "http://127.0.0.1:8311/open311-events"
DEMO_WEBHOOK_SECRET = "paris-demo-secret"  # noqa: S105 (a demo value, printed in the README)

#: Resolution targets (hours) by group, giving expected_datetime; assumed, not in the sources.
PARIS_RESOLUTION_HOURS = {
    "Voirie et déplacements": 168,
    "Propreté": 48,
    "Objets abandonnés": 72,
    "Graffitis, tags, affiches et autocollants": 240,
    "Éclairage / Électricité": 72,
}

PARIS_NOTES = """\
Demo city: Paris. Arrondissements: Ville de Paris open data, ODbL 1.0. Catalogue: a selection of
the DansMaRue nomenclature (City of Paris); service_code is the DansMaRue type id. Assumed, not in
the sources: the department names behind each routing unit id (fk_id_unit), the service types
other than realtime, the road sections (DVD-STV-*) and their arrondissements, the attributes, and the
resolution targets (resolution_hours). Every department posts its events to a local demo
receiver (scripts/webhook_receiver.py, secret paris-demo-secret). The catalogue is in French with
English translations written for the demo (scripts/paris_english.py).
Built by scripts/build_cities.py."""


def _paris_name(parts: list[str], level: int, separator: str = " : ") -> str:
    """Leaf label, prefixed by its parent for level-2 types (the open-data export's convention)."""
    return f"{parts[-2]}{separator}{parts[-1]}" if level >= 2 else parts[-1]


def _english(text: str) -> str:
    if text not in ENGLISH:
        raise SystemExit(f"No English text for {text!r} in scripts/paris_english.py")
    return ENGLISH[text]


def _service_texts(parts: list[str], level: int, separator: str) -> dict:
    """The name, description, keywords and group of a nomenclature path (French or English)."""
    return {
        "service_name": _paris_name(parts, level, separator),
        "description": " > ".join(parts),
        "keywords": ", ".join(dict.fromkeys(part.strip() for part in parts[:-1])),
        "group": parts[0],
    }


def _attribute_in_english(attribute: dict) -> dict:
    """An attribute of the catalogue with its English texts (city file ``translations``)."""
    english = {key: _english(attribute[key]) for key in ("description", "datatype_description") if key in attribute}
    translated = {**attribute, "translations": {"en": english}}
    if "values" in attribute:
        translated["values"] = [
            {**value, "translations": {"en": {"name": _english(value["name"])}}} for value in attribute["values"]
        ]
    return translated


def build_paris(shared: Path) -> None:
    """Write open311/cities/paris/{city.yaml,arrondissements.geojson}."""
    out = CITIES / "paris"
    out.mkdir(parents=True, exist_ok=True)
    source = json.loads((shared / "data/boundaries/paris_arrondissements.geojson").read_text())
    features = []
    for feature in sorted(source["features"], key=lambda f: f["properties"]["c_ar"]):
        number = feature["properties"]["c_ar"]
        suffix = "er" if number == 1 else "e"
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": str(number),
                    "insee": str(feature["properties"]["c_arinsee"]),
                    "name": f"Paris {number}{suffix} arrondissement ({feature['properties']['l_aroff']})",
                },
                "geometry": feature["geometry"],
            }
        )
    (out / "arrondissements.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))
    )
    with (shared / "data/dansmarue/nomenclature.csv").open(encoding="utf-8") as handle:
        rows = {r["id_type_signalement"]: r for r in csv.DictReader(handle) if r["table"] == "app"}
    services, used_units = [], set()
    for type_id in map(str, PARIS_SERVICES):
        row = rows[type_id]
        if row["actif"] != "1" or row["fk_id_unit"] not in PARIS_UNITS:
            raise SystemExit(f"DansMaRue type {type_id} is retired or has no known routing unit")
        used_units.add(row["fk_id_unit"])
        parts, level = row["path"].split(" > "), int(row["level"])
        french = _service_texts(parts, level, " : ")
        service = {
            "service_code": type_id,
            "service_name": french["service_name"],
            "description": french["description"],
            "type": PARIS_TYPES.get(type_id, "realtime"),
            "keywords": french["keywords"],
            "group": french["group"],
            "department": PARIS_UNITS[row["fk_id_unit"]][0],
        }
        if french["group"] in PARIS_RESOLUTION_HOURS:
            service["resolution_hours"] = PARIS_RESOLUTION_HOURS[french["group"]]
        service["translations"] = {"en": _service_texts([_english(part) for part in parts], level, ": ")}
        if type_id in PARIS_ATTRIBUTES:
            service["attributes"] = [_attribute_in_english(attribute) for attribute in PARIS_ATTRIBUTES[type_id]]
        services.append(service)
    departments = [{"code": code, "name": name} for unit, (code, name) in PARIS_UNITS.items() if unit in used_units]
    departments += [
        {"code": code, "name": f"Direction de la Voirie et des Déplacements — section territoriale de voirie {label}"}
        for code, (label, _arrs) in PARIS_ROAD_SECTIONS.items()
    ]
    departments.append(
        {"code": "3975", "name": "Mairie de Paris — centre d'appels 3975", "contact": "3975 (appel non surtaxé)"}
    )
    for department in departments:  # demo: every department posts its events to scripts/webhook_receiver.py
        department.update(webhook_url=DEMO_WEBHOOK_URL, webhook_secret=DEMO_WEBHOOK_SECRET)
    routing = [
        {"service": service, "layer": "arrondissement", "area": str(arr), "department": code}
        for service in PARIS_ROAD_SERVICES
        for code, (_label, arrs) in PARIS_ROAD_SECTIONS.items()
        for arr in arrs
    ]
    city = {
        "notes": PARIS_NOTES,
        "jurisdiction": {
            "jurisdiction_id": "paris.fr",
            "name": "Ville de Paris",
            "time_zone": "Europe/Paris",
            "contact": "Demo server of the open311 project. For help: the project's README.",
            "key_service": "API keys are issued by the operator of this server (open311 keys create --name APP).",
            "default_department": "3975",
            "language": "fr",
            # Paris publishes its open data, DansMaRue's reports among them, under the ODbL.
            "licence": {
                "name": "ODbL-1.0",
                "path": "https://opendatacommons.org/licenses/odbl/1-0/",
                "title": "Open Data Commons Open Database License 1.0",
            },
        },
        "layers": [
            {
                "code": "arrondissement",
                "name": "Arrondissement",
                "file": "arrondissements.geojson",
                "code_property": "code",
                "name_property": "name",
            }
        ],
        "departments": departments,
        "services": services,
        "routing": routing,
    }
    _write_yaml(out / "city.yaml", city)


# --- New York -----------------------------------------------------------------------------------

NYC_BOROUGHS = {"1": "Manhattan", "2": "Bronx", "3": "Brooklyn", "4": "Queens", "5": "Staten Island"}
SIMPLIFY_DEGREES = 0.0001  # about 10 m


def _simplified(geometry: dict) -> dict:
    geom = shapely.set_precision(shape(geometry).simplify(SIMPLIFY_DEGREES, preserve_topology=True), 1e-6)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return mapping(geom)


def build_new_york(shared: Path) -> None:
    """Write open311/cities/new-york/{city.yaml,boroughs.geojson,community_districts.geojson}."""
    out = CITIES / "new-york"
    out.mkdir(parents=True, exist_ok=True)
    boroughs = json.loads((shared / "data/boundaries/nyc_boroughs.geojson").read_text())
    features = [
        {
            "type": "Feature",
            "properties": {"code": str(f["properties"]["BoroCode"]), "name": f["properties"]["BoroName"]},
            "geometry": _simplified(f["geometry"]),
        }
        for f in sorted(boroughs["features"], key=lambda f: f["properties"]["BoroCode"])
    ]
    (out / "boroughs.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    districts = json.loads((shared / "data/boundaries/nyc_community_districts.geojson").read_text())
    features = []
    for f in sorted(districts["features"], key=lambda f: f["properties"]["BoroCD"]):
        code = str(f["properties"]["BoroCD"])
        number = int(code[1:])
        kind = "Community District" if number <= 18 else "Joint Interest Area"
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": f"{NYC_BOROUGHS[code[0]]} {kind} {number}"},
                "geometry": _simplified(f["geometry"]),
            }
        )
    (out / "community_districts.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    city = {
        "notes": "Second city of the test suite: two layers of areas. Boundaries: NYC Department of City "
        "Planning (BYTES of the BIG APPLE), simplified to about 10 m by scripts/build_cities.py. "
        "Departments, services and routing are illustrative, not the city's.",
        "jurisdiction": {
            "jurisdiction_id": "nyc.gov",
            "name": "City of New York",
            "time_zone": "America/New_York",
            "contact": "Demo jurisdiction of the open311 project.",
            "key_service": "API keys are issued by the operator of this server.",
            "default_department": "311",
        },
        "layers": [
            {
                "code": "borough",
                "name": "Borough",
                "file": "boroughs.geojson",
                "code_property": "code",
                "name_property": "name",
            },
            {
                "code": "community_district",
                "name": "Community district",
                "file": "community_districts.geojson",
                "code_property": "code",
                "name_property": "name",
            },
        ],
        "departments": [
            {"code": "311", "name": "NYC 311 Customer Service Center"},
            {"code": "DOT", "name": "Department of Transportation"},
            {"code": "DOT-SI", "name": "Department of Transportation — Staten Island Borough Commissioner"},
            {"code": "DOT-SI-N", "name": "Department of Transportation — Staten Island North Shore yard"},
            {"code": "DSNY", "name": "Department of Sanitation"},
            {"code": "DPR", "name": "Department of Parks and Recreation"},
        ],
        "services": [
            {
                "service_code": "pothole",
                "service_name": "Pothole",
                "group": "Street",
                "department": "DOT",
                "description": "A hole in the roadway.",
                "keywords": "street, road, hole",
            },
            {
                "service_code": "streetlight",
                "service_name": "Street Light Out",
                "group": "Street",
                "department": "DOT",
                "type": "batch",
            },
            {
                "service_code": "dirty-sidewalk",
                "service_name": "Dirty Sidewalk",
                "group": "Sanitation",
                "department": "DSNY",
            },
            {
                "service_code": "tree-damage",
                "service_name": "Damaged Tree",
                "group": "Parks",
                "department": "DPR",
                "attributes": [
                    {
                        "code": "SIZE",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "order": 1,
                        "description": "What is damaged?",
                        "values": [{"key": "branch", "name": "A branch"}, {"key": "trunk", "name": "The trunk"}],
                    }
                ],
            },
            {"service_code": "noise", "service_name": "Noise", "group": "Quality of life"},
        ],
        "routing": [
            {"service": "pothole", "layer": "borough", "area": "5", "department": "DOT-SI"},
            {"service": "pothole", "layer": "community_district", "area": "501", "department": "DOT-SI-N"},
        ],
    }
    _write_yaml(out / "city.yaml", city)


def _write_yaml(path: Path, document: dict) -> None:
    header = "# Generated by scripts/build_cities.py from ../shared/data; edit the script, not this file.\n"
    path.write_text(header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=110))


def main() -> None:
    """Build both cities."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    build_paris(args.shared)
    build_new_york(args.shared)


if __name__ == "__main__":
    main()
