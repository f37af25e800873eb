"""The schemas themselves: golden examples pass, examples of real servers' mistakes fail."""

from __future__ import annotations

import json

import pytest

from .standard import RESPONSES, SCHEMAS, json_errors, xml_errors

EXAMPLES = SCHEMAS / "examples"


def _response_of(path) -> str:
    stem = path.name.split("__")[0].split(".")[0]
    return next(r for r in sorted(RESPONSES, key=len, reverse=True) if stem.startswith(r))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_golden_json_examples_are_valid(path):
    assert json_errors(_response_of(path), json.loads(path.read_text())) == []


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.xml")), ids=lambda p: p.name)
def test_golden_xml_examples_are_valid(path):
    assert xml_errors(_response_of(path), path.read_bytes()) == []


@pytest.mark.parametrize("path", sorted((EXAMPLES / "invalid").glob("*.json")), ids=lambda p: p.name)
def test_invalid_json_examples_are_rejected(path):
    assert json_errors(_response_of(path), json.loads(path.read_text())) != []


@pytest.mark.parametrize("path", sorted((EXAMPLES / "invalid").glob("*.xml")), ids=lambda p: p.name)
def test_invalid_xml_examples_are_rejected(path):
    assert xml_errors(_response_of(path), path.read_bytes()) != []


def test_every_response_has_a_json_schema_an_xsd_and_examples():
    for response in RESPONSES:
        assert (SCHEMAS / "json" / f"{response}.schema.json").exists()
        assert (SCHEMAS / "xsd" / f"{response}.xsd").exists()
        assert (EXAMPLES / f"{response}.json").exists()
        assert (EXAMPLES / f"{response}.xml").exists()
