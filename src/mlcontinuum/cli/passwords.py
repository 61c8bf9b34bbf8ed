"""Where a new account's password comes from: a prompt, stdin, or a generated secret.

A password is never a command-line option (it would sit in shell history and the process list),
and there is no default password: without a terminal and without `--password-stdin`, a strong
one is generated and shown once.
"""

from __future__ import annotations

import secrets
import sys

import typer

from mlcontinuum.cli.output import err, fail
from mlcontinuum.kernel.auth.credentials import MIN_PASSWORD_LENGTH

PROMPT_ATTEMPTS = 3
# 18 random bytes: 24 URL-safe characters (144 bits), safe to paste into any shell or form.
GENERATED_BYTES = 18


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def read_password_stdin() -> str:
    """The first line of stdin, without its line ending (so `echo pw | continuum ...` works)."""
    password = sys.stdin.readline().rstrip("\r\n")
    _check_length(password)
    return password


def prompt_password() -> str:  # noqa: RET503 - fail() never returns
    for _ in range(PROMPT_ATTEMPTS):
        password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        if len(password) >= MIN_PASSWORD_LENGTH:
            return password
        err().print(f"[red]The password needs at least {MIN_PASSWORD_LENGTH} characters.[/red]")
    fail(f"no password of at least {MIN_PASSWORD_LENGTH} characters was given")


def generate_password() -> str:
    return secrets.token_urlsafe(GENERATED_BYTES)


def _check_length(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        fail(
            f"the password read from stdin has {len(password)} characters; "
            f"it needs at least {MIN_PASSWORD_LENGTH}"
        )


def new_password(*, from_stdin: bool) -> tuple[str, bool]:
    """A password for a new account, and whether it was generated (and must be shown once)."""
    if from_stdin:
        return read_password_stdin(), False
    if stdin_is_terminal():
        return prompt_password(), False
    return generate_password(), True
