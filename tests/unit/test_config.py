"""Settings from code defaults and OPEN311_* variables, checked at start-up."""

from __future__ import annotations

import pytest

from open311.config import SETTINGS, ConfigError, load_settings


def test_defaults():
    settings = load_settings({})
    assert settings["PORT"] == 5000 and settings["HOST"] == "127.0.0.1"
    assert settings["DATABASE_URL"] is None
    assert settings["VAR_DIR"].endswith("/var")


def test_environment_overrides_and_plain_database_url():
    settings = load_settings({"OPEN311_PORT": "8080", "DATABASE_URL": "postgresql://x/y", "OPEN311_SQL_ECHO": "yes"})
    assert settings["PORT"] == 8080 and settings["DATABASE_URL"] == "postgresql://x/y" and settings["SQL_ECHO"] is True
    assert load_settings({"OPEN311_DATABASE_URL": "a", "DATABASE_URL": "b"})["DATABASE_URL"] == "a"


def test_empty_variable_means_default():
    assert load_settings({"OPEN311_PORT": ""})["PORT"] == 5000


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OPEN311_PORT", "http"),
        ("OPEN311_WORKERS", "0"),
        ("OPEN311_SQL_ECHO", "maybe"),
        ("OPEN311_ENDPOINT_TYPE", "staging"),
    ],
)
def test_bad_values_fail_fast_naming_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_every_setting_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for setting in SETTINGS:
        assert f"`{setting.env}`" in readme
