"""The SDK's and the CLI kit's place in the layers, read from the imports of the source tree: the
client kit depends on the kernel only, the CLI kit on the kernel and the client kit, each
slice's client part on the kit and on schemas, and nothing but the package root uses the SDK."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mlcontinuum

SRC = Path(mlcontinuum.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every `mlcontinuum...` module the file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "mlcontinuum"}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _files(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


@pytest.mark.parametrize(
    ("package", "allowed"),
    [("remote", {"remote", "kernel"}), ("cli", {"cli", "kernel", "remote"})],
)
def test_the_kits_use_only_what_is_below_them(package: str, allowed: set[str]) -> None:
    wrong = {
        f"{path.relative_to(SRC)} -> {module}"
        for path in _files(package)
        for module in _imports(path)
        if _package(module) not in allowed
    }
    assert not wrong


def test_only_the_package_root_uses_the_composed_sdk() -> None:
    users = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.parent.name != "sdk" and path != SRC / "__init__.py"
        if any(_package(module) == "sdk" for module in _imports(path))
    }
    assert not users


def test_client_parts_talk_http_only() -> None:
    """A slice's client part uses the kit, the kernel's roles and shapes, the profile engine
    (profiles are built where the data is) and slices' schemas, enums and client parts: never a
    service, a query, a table or storage."""
    parts = [*sorted(SRC.glob("*/client.py")), SRC / "registry" / "tracking.py"]
    assert len(parts) >= 8
    wrong: set[str] = set()
    for path in parts:
        for module in _imports(path):
            last = module.rsplit(".", 1)[-1]
            fine = (
                _package(module) in {"remote", "profiles"}
                or module == "mlcontinuum.kernel.auth.permissions"
                or last.endswith("schemas")
                or last in {"enums", "client"}
                or module == "mlcontinuum.registry.tracking"
            )
            if not fine:
                wrong.add(f"{path.relative_to(SRC)} -> {module}")
    assert not wrong
