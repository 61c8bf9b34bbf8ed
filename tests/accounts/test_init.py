"""`continuum init`: the first administrator, by prompt, by stdin, or with a generated password."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, select

from mlcontinuum.kernel.auth import credentials
from mlcontinuum.kernel.auth.models import User
from tests.clikit import Cli


def _user(engine: Engine, username: str) -> User | None:
    with engine.connect() as connection:
        row = connection.execute(select(User).where(User.username == username)).first()
    return None if row is None else User(**row._asdict())


def _password_works(engine: Engine, username: str, password: str) -> bool:
    user = _user(engine, username)
    return user is not None and credentials.verify_password(user.password_hash, password)


def test_init_prompts_in_a_terminal(
    cli: Cli, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mlcontinuum.cli.passwords.stdin_is_terminal", lambda: True)
    typed = "alice\nalice@example.com\nshort\nshort\nlong-enough-pw\nlong-enough-pw\n"
    result = cli("init", input=typed)
    assert result.exit_code == 0, result.output
    assert "at least 10 characters" in result.output
    assert "Created the administrator 'alice'" in result.output
    assert "Generated password" not in result.output
    user = _user(engine, "alice")
    assert user is not None
    assert user.is_admin
    assert _password_works(engine, "alice", "long-enough-pw")


def test_init_reads_the_password_from_stdin(cli: Cli, engine: Engine) -> None:
    result = cli(
        "init",
        "--username",
        "bob",
        "--email",
        "bob@example.com",
        "--password-stdin",
        input="from-stdin-secret\n",
    )
    assert result.exit_code == 0, result.output
    assert "from-stdin-secret" not in result.output
    assert _password_works(engine, "bob", "from-stdin-secret")


def test_init_generates_a_password_without_a_terminal(cli: Cli, engine: Engine) -> None:
    result = cli("init")
    assert result.exit_code == 0, result.output
    match = re.search(r"Generated password \(shown once; store it now\): (\S+)", result.output)
    assert match is not None, result.output
    password = match.group(1)
    assert len(password) >= 20
    assert _password_works(engine, "admin", password)


def test_init_if_needed_does_nothing_when_an_admin_exists(cli: Cli, engine: Engine) -> None:
    assert cli("init", "--username", "first").exit_code == 0
    again = cli("init", "--if-needed")
    assert again.exit_code == 0
    assert "nothing to do" in again.output
    refused = cli("init", "--username", "second")
    assert refused.exit_code == 1
    assert "an administrator exists already" in refused.output
    assert _user(engine, "second") is None


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--password-stdin"], "too-short\n", "it needs at least 10"),
        (["--username", "Bad Name!"], "", "username"),
        (["--email", "not-an-address"], "", "email"),
    ],
)
def test_init_refuses_bad_input_with_exit_2(
    cli: Cli, engine: Engine, args: list[str], stdin: str, message: str
) -> None:
    result = cli("init", *args, input=stdin)
    assert result.exit_code == 2, result.output
    assert "error:" in result.output
    assert message in result.output
    assert "Traceback" not in result.output
    with engine.connect() as connection:
        assert connection.execute(select(User.id)).first() is None
