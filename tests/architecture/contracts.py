"""Import contracts driven by the slice list, for `lint-imports` (see `[tool.importlinter]` in
pyproject.toml and docs/architecture.md).

A contract of type `slices` applies one rule to the import graph of `mlcontinuum`, reading the
slices from `mlcontinuum.slices.SLICE_PACKAGES`, so a new slice is checked the moment it joins
the list and no contract has to be edited for it:

- `layers`: composition (app, console, slices, sdk, demo) above the slices, slices above the
  kits (api, web, cli, remote) and the profile engine, all of them above the kernel; the profile
  engine imports nothing of the product.
- `front_doors`: another slice, a kit or the composition may import a slice's `service`,
  `queries`, `schemas`, `enums`, `permissions` and `client` only (`mlcontinuum.slices` reads
  each `slice` declaration); never its tables or any other module.
- `slice_order`: a slice imports only slices listed before it.
- `adapters_inside`: inside a slice, nothing below the adapters (api, pages, cli, views,
  client, slice) imports them.
- `sdk_http_only`: the SDK and the slices' `client` modules import the client kit, the profile
  engine and API shapes (`schemas`, `enums`) only: never services, queries, tables or storage.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck

ROOT = "mlcontinuum"
COMPOSITION = frozenset({"app", "console", "slices", "sdk", "demo"})
KITS = frozenset({"api", "web", "cli", "remote"})
KERNEL = "kernel"
ENGINE = "profiles"
PUBLIC = frozenset({"service", "queries", "schemas", "enums", "permissions", "client"})
ADAPTERS = frozenset({"api", "pages", "cli", "views", "client", "slice"})
API_SHAPES = frozenset({"schemas", "enums"})


@dataclass(frozen=True)
class Place:
    """Where a module sits: its top-level package under `mlcontinuum` and the module below it."""

    module: str
    package: str  # "" for the root package itself
    part: str  # first module below the package, "" for the package itself

    @classmethod
    def of(cls, module: str) -> Place:
        names = module.split(".")[1:]
        return cls(module, names[0] if names else "", names[1] if len(names) > 1 else "")


@dataclass(frozen=True)
class Breach:
    importer: str
    imported: str
    line: int | None
    why: str


def slice_packages() -> tuple[str, ...]:
    packages: tuple[str, ...] = importlib.import_module(f"{ROOT}.slices").SLICE_PACKAGES
    return packages


def imports(graph: grimp.ImportGraph) -> Iterator[tuple[Place, Place]]:
    for importer in sorted(graph.modules):
        if not importer.startswith(ROOT):
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            # The root package holds only `__version__` and the SDK's lazy exports.
            if imported.startswith(ROOT + "."):
                yield Place.of(importer), Place.of(imported)


def rank(package: str, slices: tuple[str, ...]) -> int:
    """Higher ranks may import lower ones (equal ranks: only within one package)."""
    if package in COMPOSITION or package == "":
        return 4
    if package in slices:
        return 3
    if package in KITS:
        return 2
    if package == ENGINE:
        return 1
    return 0  # kernel, and anything unknown, which the layers rule then flags


def layers(src: Place, dst: Place, slices: tuple[str, ...]) -> str | None:
    if src.package == dst.package:
        return None
    if src.package not in COMPOSITION | KITS | {KERNEL, ENGINE, ""} | set(slices):
        return f"'{src.package}' is neither a slice in mlcontinuum.slices nor a known layer"
    if src.package == ENGINE:
        return "the profile engine imports nothing of the product"
    if dst.package == ENGINE and src.package == KERNEL:
        return "the kernel does not import the profile engine"
    above, below = rank(src.package, slices), rank(dst.package, slices)
    # Slices, kits and the composition may build on their own kind (slice_order and the
    # cycle contract say how); everything else imports only what lies below it.
    if below > above or (below == above and above in (0, 1)):
        return f"{src.package} may not import {dst.package} (a layer above or beside it)"
    return None


def front_doors(src: Place, dst: Place, slices: tuple[str, ...]) -> str | None:
    if dst.package not in slices or src.package == dst.package:
        return None
    if src.module == f"{ROOT}.slices" and dst.part == "slice":
        return None
    if dst.part in PUBLIC:
        return None
    what = "its tables" if dst.part == "models" else f"its internal module '{dst.part}'"
    return f"uses {dst.package} through {what}: use its service, queries or schemas"


def slice_order(src: Place, dst: Place, slices: tuple[str, ...]) -> str | None:
    both = src.package in slices and dst.package in slices and src.package != dst.package
    if both and slices.index(dst.package) > slices.index(src.package):
        return f"{src.package} comes before {dst.package} in the slice list"
    return None


def adapters_inside(src: Place, dst: Place, slices: tuple[str, ...]) -> str | None:
    inside = src.package in slices and src.package == dst.package
    if inside and dst.part in ADAPTERS and src.part not in ADAPTERS:
        return f"{src.part} sits below the adapters; it may not import {dst.part}"
    return None


def sdk_http_only(src: Place, dst: Place, slices: tuple[str, ...]) -> str | None:
    speaks_http = src.package == "sdk" or (src.package in slices and src.part == "client")
    if not speaks_http or dst.package in {"remote", "sdk", ENGINE}:
        return None  # the SDK profiles batches where the data is, with the engine
    if dst.package in slices and (dst.part in API_SHAPES or dst.part == "client"):
        return None
    if dst.package == KERNEL and dst.part in {"errors", "strict", "lifecycle"}:
        return None
    return f"the SDK talks HTTP only: it may not import {dst.module}"


RULES = {
    "layers": layers,
    "front_doors": front_doors,
    "slice_order": slice_order,
    "adapters_inside": adapters_inside,
    "sdk_http_only": sdk_http_only,
}


class SlicesContract(Contract):
    type_name = "slices"

    rule = fields.StringField()

    def validate(self) -> None:
        from importlinter.domain.contract import InvalidContractOptions

        if self.rule not in RULES:  # type: ignore[comparison-overlap]
            raise InvalidContractOptions({"rule": f"choose one of {', '.join(RULES)}"})

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        breaches = find_breaches(graph, str(self.rule), slice_packages())
        return ContractCheck(kept=not breaches, metadata={"breaches": breaches})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for breach in check.metadata["breaches"]:
            where = f" (l.{breach.line})" if breach.line else ""
            output.print_error(f"{breach.importer} -> {breach.imported}{where}: {breach.why}")


def find_breaches(graph: grimp.ImportGraph, rule: str, slices: tuple[str, ...]) -> list[Breach]:
    judge = RULES[rule]
    found = []
    for src, dst in imports(graph):
        why = judge(src, dst, slices)
        if why is not None:
            details = graph.get_import_details(importer=src.module, imported=dst.module)
            line = details[0]["line_number"] if details else None
            found.append(Breach(src.module, dst.module, line, why))
    return found
