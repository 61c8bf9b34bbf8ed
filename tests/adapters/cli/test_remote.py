"""`continuum project` and `continuum charter` against a real server over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clikit import Cli
from tests.conftest import Account

HOSTILE_YAML = '!!python/object/apply:os.system ["echo pwned"]\n'


@pytest.fixture
def remote(cli: Cli, live_server: str, owner: Account) -> Cli:
    return Cli(cli.app, {**cli.env, "CONTINUUM_URL": live_server, "CONTINUUM_TOKEN": owner.token})


def test_project_create_list_show(remote: Cli) -> None:
    created = remote(
        "project",
        "create",
        "fraud",
        "--name",
        "Fraud scoring",
        "--customer",
        "Acme Bank",
        "--stage",
        "build",
        "--phase",
        "modeling",
    )
    assert created.exit_code == 0, created.output
    assert "Created project 'fraud'" in created.output

    listed = remote("project", "list")
    assert listed.exit_code == 0, listed.output
    assert "fraud" in listed.output
    assert "Acme Bank" in listed.output
    assert "owner" in listed.output

    shown = remote("project", "show", "fraud")
    assert shown.exit_code == 0, shown.output
    for expected in ("Fraud scoring", "Build", "Modeling", "version 1", "KPIs", "Stakeholders"):
        assert expected in shown.output


def test_charter_export_import_export_gives_identical_bytes(
    remote: Cli, project: str, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    assert remote("charter", "export", project, str(first)).exit_code == 0
    edited = first.read_text().replace(
        "problem_statement: ''",
        "problem_statement: |-\n    Too many customers leave.\n    Calls are limited.",
    )
    assert edited != first.read_text()
    first.write_text(edited)

    imported = remote("charter", "import", project, str(first))
    assert imported.exit_code == 0, imported.output
    assert "charter version 2" in imported.output

    exported = remote("charter", "export", project, str(second))
    assert exported.exit_code == 0
    assert second.read_bytes() == first.read_bytes()

    again = remote("charter", "import", project, str(second))
    assert again.exit_code == 0
    assert "unchanged (version 2)" in again.output

    to_stdout = remote("charter", "export", project, "-")
    assert to_stdout.stdout.encode() == first.read_bytes()


def test_hostile_yaml_is_refused_with_exit_2(remote: Cli, project: str, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(HOSTILE_YAML)
    result = remote("charter", "import", project, str(hostile))
    assert result.exit_code == 2, result.output
    first_line = result.output.splitlines()[0]
    assert first_line.startswith("error: the server refused (422 validation_failed)")
    assert "plain YAML only" in first_line
    assert "pwned" not in result.stdout
    assert "Traceback" not in result.output


def test_server_errors_carry_the_field_problems(remote: Cli, project: str) -> None:
    duplicate = remote("project", "create", project, "--name", "Again")
    assert duplicate.exit_code == 2
    assert f"a project with slug '{project}' exists" in duplicate.output
    assert "slug: choose another slug (unique)" in duplicate.output

    bad = remote("project", "create", "Not A Slug", "--name", "x")
    assert bad.exit_code == 2
    assert "slug" in bad.output
    assert "pattern" in bad.output

    missing = remote("project", "show", "nope")
    assert missing.exit_code == 2
    assert "no project 'nope' that you can see" in missing.output


def test_bad_token_missing_token_and_unreachable_server(
    remote: Cli, cli: Cli, project: str
) -> None:
    wrong = remote("project", "list", env={"CONTINUUM_TOKEN": "cnt_nope_nope"})
    assert wrong.exit_code == 1
    assert "401" in wrong.output
    assert "unknown, expired or revoked" in wrong.output

    missing = cli("project", "list")
    assert missing.exit_code == 2
    assert "no API token" in missing.output

    down = cli("project", "list", "--url", "http://127.0.0.1:9", "--token", "cnt_x_y")
    assert down.exit_code == 1
    assert "cannot reach the Continuum server at http://127.0.0.1:9" in down.output
    assert "Traceback" not in down.output


def test_missing_charter_file_is_an_input_error(remote: Cli, project: str, tmp_path: Path) -> None:
    result = remote("charter", "import", project, str(tmp_path / "absent.yaml"))
    assert result.exit_code == 2
    assert "No such file or directory" in result.output
