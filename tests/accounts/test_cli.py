"""`continuum db`, `continuum user create` and `continuum token create` on the local database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.clikit import Cli
from tests.conftest import Account


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database of the backend under test with no tables at all."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin_url = os.environ.get(
        "CONTINUUM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"continuum_empty_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_db_upgrade_migrates_an_empty_database(cli: Cli, empty_database_url: str) -> None:
    env = {"CONTINUUM_DATABASE_URL": empty_database_url}
    before = cli("db", "current", env=env)
    assert before.exit_code == 0
    assert "none (empty database)" in before.output
    assert "continuum db upgrade" in before.output
    upgraded = cli("db", "upgrade", env=env)
    assert upgraded.exit_code == 0, upgraded.output
    assert "(head)" in upgraded.output
    assert cli("db", "current", env=env).output.strip().endswith("(head)")
    # Applying again is harmless.
    assert cli("db", "upgrade", env=env).exit_code == 0


def test_local_commands_refuse_a_database_that_is_behind(cli: Cli, empty_database_url: str) -> None:
    result = cli(
        "user",
        "create",
        "--username",
        "x1",
        "--email",
        "x1@example.com",
        env={"CONTINUUM_DATABASE_URL": empty_database_url},
    )
    assert result.exit_code == 1
    assert "not up to date; run `continuum db upgrade`" in result.output


def test_an_unreachable_database_is_one_red_line(cli: Cli) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"
    result = cli("db", "upgrade", env={"CONTINUUM_DATABASE_URL": url})
    assert result.exit_code == 1
    assert result.output.startswith("error: database error:")
    assert "Traceback" not in result.output


def test_user_create_then_token_create_gives_a_working_token(cli: Cli, client: TestClient) -> None:
    created = cli(
        "user",
        "create",
        "--username",
        "ci-bot",
        "--email",
        "ci@example.com",
        "--full-name",
        "CI bot",
        "--password-stdin",
        input="a-good-long-password\n",
    )
    assert created.exit_code == 0, created.output
    assert "Created the user 'ci-bot'" in created.output

    result = cli("token", "create", "--user", "ci-bot", "--name", "ci")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("cnt_")
    assert "\n" not in token
    assert "expires" in result.stderr
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["username"] == "ci-bot"


def test_token_create_scoped_to_a_project_with_a_ceiling(
    cli: Cli, client: TestClient, owner: Account, project: str
) -> None:
    result = cli(
        "token",
        "create",
        "--user",
        owner.username,
        "--name",
        "read-only",
        "--project",
        project,
        "--role-ceiling",
        "viewer",
        "--expires-days",
        "7",
    )
    assert result.exit_code == 0, result.output
    headers = {"Authorization": f"Bearer {result.stdout.strip()}"}
    assert client.get(f"/api/v1/projects/{project}", headers=headers).status_code == 200
    denied = client.patch(
        f"/api/v1/projects/{project}/charter", json={"risks": "x"}, headers=headers
    )
    assert denied.status_code == 403


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody", "--name", "x"], "no user 'nobody'"),
        (["--user", "olivia", "--name", "x", "--project", "missing"], "no project 'missing'"),
        (["--user", "olivia", "--name", ""], "name"),
        (["--user", "olivia", "--name", "x", "--role-ceiling", "king"], "king"),
        (["--user", "olivia", "--name", "x", "--expires-days", "0"], "expires-days"),
    ],
)
def test_token_create_refuses_bad_input(
    cli: Cli, owner: Account, args: list[str], message: str
) -> None:
    result = cli("token", "create", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_user_create_refuses_a_taken_name(cli: Cli, owner: Account) -> None:
    result = cli(
        "user",
        "create",
        "--username",
        owner.username,
        "--email",
        "other@example.com",
        input="",
    )
    assert result.exit_code == 2
    assert f"user name '{owner.username}' is taken" in result.output
    assert "username: choose another user name (unique)" in result.output
