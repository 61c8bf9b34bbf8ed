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


def _normalised(text: str) -> str:
    """Path parameters written any way (`{project}`, `{p}`, `{key:path}`) read as `{}`."""
    return re.sub(r"\{[^}]*\}", "{}", text)


def _spellings(path: str) -> list[str]:
    """How the guides write an API path: in full, without `/api/v1`, or `.../` and its tail
    from a literal segment on (e.g. `.../webhooks/{id}/test`)."""
    relative = path.removeprefix("/api/v1")
    parts = relative.strip("/").split("/")
    tails = [".../" + "/".join(parts[i:]) for i in range(1, len(parts)) if parts[i] != "{}"]
    return [path, f"`{relative}", f" {relative}", *tails]


def test_every_api_route_is_documented(tmp_path: Path) -> None:
    from mlcontinuum.app import all_routes, create_app
    from mlcontinuum.kernel.auth.guards import GuardedRoute

    app = create_app(Settings(data_dir=tmp_path), run_migrations=False)
    documented = _normalised(_all_docs())
    paths = {
        _normalised(path)
        for path, route in all_routes(app)
        if isinstance(route, GuardedRoute) and path.startswith("/api/v1/")
    }
    assert len(paths) > 40
    missing = sorted(p for p in paths if not any(s in documented for s in _spellings(p)))
    assert missing == []


def test_every_event_type_is_declared_and_documented() -> None:
    from mlcontinuum import slices

    declared = {event.name for event in slices.event_types()}
    documented = _all_docs()
    assert sorted(name for name in declared if f"`{name}`" not in documented) == []
    # Every type a service appends is declared by a slice (the audit trail, webhooks and the
    # scorecard read them by name).
    written: set[str] = set()
    for source in (ROOT / "src" / "mlcontinuum").rglob("*.py"):
        written.update(re.findall(r'type="([a-z_]+\.[a-z_.]+)"', source.read_text()))
    assert sorted(written - declared) == []


def test_every_gate_and_data_rule_is_documented() -> None:
    from mlcontinuum.data.rules.registry import rules
    from mlcontinuum.gates.registry import gate_names

    gates = (DOCS / "gates.md").read_text()
    assert sorted(name for name in gate_names() if f"`{name}`" not in gates) == []
    data = (DOCS / "data.md").read_text()
    assert sorted(r.key for r in rules() if f"`{r.key}`" not in data) == []
