"""open311 keys create --rate: a key's own rate limit."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from open311.cli import main, per_minute


@pytest.mark.parametrize(
    ("rate", "expected"), [("600", 600), ("600/minute", 600), ("10/second", 600), ("3000/hour", 50), ("1/hour", 1)]
)
def test_rates_are_kept_per_minute(rate, expected):
    assert per_minute(rate) == expected


@pytest.mark.parametrize("rate", ["0", "-5", "ten", "5/fortnight"])
def test_bad_rates_are_refused(rate):
    with pytest.raises(click.BadParameter):
        per_minute(rate)


def test_create_with_a_rate_and_list_it(engine):
    env = {"OPEN311_DATABASE_URL": engine.url.render_as_string(False)}
    runner = CliRunner()
    created = runner.invoke(main, ["keys", "create", "--name", "busy city app", "--rate", "20/second"], env=env)
    assert created.exit_code == 0, created.output
    assert "1200 requests a minute" in created.output
    listing = runner.invoke(main, ["keys", "list"], env=env).output
    assert "1200/min" in next(line for line in listing.splitlines() if "busy city app" in line)
    refused = runner.invoke(main, ["keys", "create", "--name", "x", "--rate", "often"], env=env)
    assert refused.exit_code == 2 and "--rate" in refused.output
