"""docs/profiles.md documents every drift method, data check, CLI command and option."""

from __future__ import annotations

from pathlib import Path

from mlcontinuum.profiles import drift_methods
from mlcontinuum.profiles.checks import data_checks

DOC = (Path(__file__).resolve().parents[2] / "docs" / "profiles.md").read_text()


def test_every_method_is_documented_with_its_threshold() -> None:
    for name, method in drift_methods.items():
        assert f"### {name}" in DOC, name
        assert f"| `{name}` |" in DOC, name
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{name}` |"))
        assert row.rstrip(" |").endswith(f"{method.default_threshold:g}"), row


def test_every_check_is_documented_with_its_threshold() -> None:
    for name, check in data_checks.items():
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{name}` |"))
        assert row.rstrip(" |").endswith(f"{check.default_threshold:g}"), row


def test_cli_is_documented() -> None:
    for text in (
        "continuum profile DATA -o REF.profile",
        "continuum drift REF.profile",
        "--format",
        "--quiet",
    ):
        assert text in DOC, text
