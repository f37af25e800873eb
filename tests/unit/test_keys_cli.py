"""open311 keys create / list / revoke."""

from __future__ import annotations

from click.testing import CliRunner

from open311.cli import main


def test_create_list_revoke(engine):
    env = {"OPEN311_DATABASE_URL": engine.url.render_as_string(False)}
    runner = CliRunner()
    created = runner.invoke(
        main, ["keys", "create", "--name", "Dans ma rue app", "--jurisdiction", "paris.fr"], env=env
    )
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("o311_") and len(key) > 30
    listing = runner.invoke(main, ["keys", "list"], env=env)
    line = next(line for line in listing.output.splitlines() if "Dans ma rue app" in line)
    assert key not in listing.output and key[:12] in line and "paris.fr" in line and "active" in line
    key_id = line.split("\t")[0]
    revoked = runner.invoke(main, ["keys", "revoke", key_id], env=env)
    assert revoked.exit_code == 0 and "Revoked" in revoked.output
    assert "revoked" in runner.invoke(main, ["keys", "list"], env=env).output
    assert runner.invoke(main, ["keys", "revoke", "999999"], env=env).exit_code == 1
    unknown = runner.invoke(main, ["keys", "create", "--name", "x", "--jurisdiction", "nowhere.example"], env=env)
    assert unknown.exit_code == 1 and "not found" in unknown.output
