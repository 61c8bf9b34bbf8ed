"""Docs that are tested: every setting and every CLI command is documented, and the README's
quick start is exactly the two commands that exist and that CI runs."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import typer.main

from mlcontinuum.console import build_cli
from mlcontinuum.kernel.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _all_docs() -> str:
    return "\n".join(p.read_text() for p in sorted(DOCS.glob("*.md")))


def _command_paths(command: Any, prefix: tuple[str, ...] = ()) -> list[str]:
    # Typer ships its own copy of click, so groups are recognised by their `commands`.
    subcommands = getattr(command, "commands", None)
    if subcommands:
        paths = []
        for name, sub in subcommands.items():
            paths.extend(_command_paths(sub, (*prefix, name)))
        return paths
    return [" ".join(("continuum", *prefix))]


def test_every_setting_is_documented() -> None:
    documented = (DOCS / "configuration.md").read_text()
    names = [f"CONTINUUM_{name.upper()}" for name in Settings.model_fields] + ["CONTINUUM_CONFIG"]
    missing = [name for name in names if f"`{name}`" not in documented]
    assert missing == []


def test_every_cli_command_is_documented() -> None:
    root = typer.main.get_command(build_cli())
    paths = _command_paths(root)
    assert "continuum charter export" in paths  # the walk reaches nested commands
    documented = _all_docs()
    missing = [path for path in paths if path not in documented]
    assert missing == []


def test_readme_quick_start_is_two_commands_that_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick_start, re.S)
    assert block is not None
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    commands = [c for c in commands if c]
    assert commands == ["scripts/start", "scripts/test"]
    for command in commands:
        assert os.access(ROOT / command, os.X_OK), command
    ci = (ROOT / ".ci" / "run").read_text()
    assert "exec scripts/test" in ci


def test_docs_link_to_files_that_exist() -> None:
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#]+?\.(?:md|png))\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
