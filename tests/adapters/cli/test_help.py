"""Every command answers `--help`, and every command, option and argument explains itself."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from mlcontinuum.console import build_cli


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    # Typer ships its own copy of click, so groups are recognised by their `commands`.
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(_commands(sub, (*path, name)))
    return found


ALL = _commands(typer.main.get_command(build_cli()))


def test_the_walk_reaches_every_group() -> None:
    paths = {" ".join(path) for path, _ in ALL}
    for expected in (
        "db upgrade",
        "db current",
        "init",
        "user create",
        "token create",
        "serve",
        "audit verify",
        "project create",
        "project list",
        "project show",
        "charter export",
        "charter import",
        "demo",
    ):
        assert expected in paths


@pytest.mark.parametrize(
    ("path", "command"), ALL, ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_help_text_everywhere(path: tuple[str, ...], command: Any) -> None:
    result = CliRunner().invoke(build_cli(), [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: continuum" in result.output
    assert (command.help or command.short_help or "").strip(), f"{path} has no help"
    for param in command.params:
        if param.name == "help":
            continue
        text = getattr(param, "help", None)
        assert (text or "").strip(), f"continuum {' '.join(path)}: {param.name} has no help"
