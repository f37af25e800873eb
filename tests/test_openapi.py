"""openapi.yaml is generated from the code and must not be stale."""

from __future__ import annotations

from pathlib import Path

import yaml

from open311.openapi_doc import openapi_yaml

COMMITTED = Path(__file__).resolve().parent.parent / "openapi.yaml"


def test_openapi_yaml_is_up_to_date():
    assert COMMITTED.read_text() == openapi_yaml(), "openapi.yaml is stale: run `make openapi` and commit it"


def test_every_georeport_path_is_documented_with_its_format_parameter():
    document = yaml.safe_load(COMMITTED.read_text())
    paths = document["paths"]
    for path in (
        "/open311/v2/discovery.{fmt}",
        "/open311/v2/services.{fmt}",
        "/open311/v2/services/{service_code}.{fmt}",
    ):
        assert path in paths
        parameters = {p["name"]: p for p in paths[path]["parameters"]}
        assert parameters["fmt"]["schema"]["enum"] == ["json", "xml"]
