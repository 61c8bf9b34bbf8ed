"""The architecture is what docs/architecture.md says: the slice declarations hold together,
the import contracts catch what they promise to, and the page's picture is current."""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

from mlcontinuum import slices
from mlcontinuum.kernel.slice import load
from tests.architecture import contracts, diagram

ROOT = Path(__file__).resolve().parents[2]


def test_every_declaration_names_modules_that_exist() -> None:
    declared = slices.all_slices()
    assert [s.name for s in declared] == list(slices.SLICE_PACKAGES)
    for s in declared:
        for module in (*s.api, *s.pages):
            assert load(f"{module}:routes") is not None, module
        for module in s.cli:
            assert callable(load(f"{module}:register")), module
        for job in s.jobs:
            assert callable(load(job.run)), job
        for reaction in s.reactions:
            assert callable(load(reaction.run)), reaction
        if s.tables:
            load(s.tables)
        if s.pages:
            assert s.templates is not None, f"{s.name} has pages but no templates/ folder"


def test_every_slice_has_its_docs_and_tests() -> None:
    """Each declared guide exists (the architecture page's generated table links them all)."""
    for s in slices.all_slices():
        for page in s.docs:
            assert (ROOT / "docs" / page).exists(), f"{s.name}: docs/{page} is missing"
        if s.api or s.pages or s.tables:
            assert (ROOT / "tests" / s.name).is_dir(), f"{s.name} has no tests/{s.name}/"


def test_reactions_answer_events_that_a_slice_declares() -> None:
    declared = {event.name for event in slices.event_types()}
    for s in slices.all_slices():
        for reaction in s.reactions:
            assert reaction.event in declared, f"{s.name} reacts to undeclared {reaction.event}"


def test_permissions_and_navigation_are_declared_once() -> None:
    names = [p.name for p in slices.permissions()]
    assert len(names) == len(set(names))
    paths = [item.path for s in slices.all_slices() for item in s.nav]
    assert len(paths) == len(set(paths))


def test_the_architecture_page_shows_the_current_slices() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    assert diagram.generated() in page, (
        "docs/architecture.md is out of date: run "
        "`.venv/bin/python -m tests.architecture.diagram --write`"
    )


def _graph(*edges: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in edges:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="")
    return graph


SLICES = ("charter", "registry", "monitoring")


@pytest.mark.parametrize(
    ("rule", "edge", "why"),
    [
        ("front_doors", ("mlcontinuum.monitoring.service", "mlcontinuum.charter.models"), "tables"),
        ("front_doors", ("mlcontinuum.registry.views", "mlcontinuum.charter.versions"), "internal"),
        ("slice_order", ("mlcontinuum.charter.service", "mlcontinuum.registry.queries"), "before"),
        ("layers", ("mlcontinuum.kernel.events", "mlcontinuum.charter.service"), "may not"),
        ("layers", ("mlcontinuum.web.forms", "mlcontinuum.registry.schemas"), "may not"),
        ("layers", ("mlcontinuum.profiles.model", "mlcontinuum.kernel.errors"), "engine"),
        ("adapters_inside", ("mlcontinuum.charter.service", "mlcontinuum.charter.pages"), "below"),
        ("sdk_http_only", ("mlcontinuum.charter.client", "mlcontinuum.charter.service"), "HTTP"),
    ],
)
def test_a_contract_names_the_import_that_breaks_it(
    rule: str, edge: tuple[str, str], why: str
) -> None:
    (breach,) = contracts.find_breaches(_graph(edge), rule, SLICES)
    assert (breach.importer, breach.imported) == edge
    assert why in breach.why


@pytest.mark.parametrize(
    "edge",
    [
        ("mlcontinuum.monitoring.service", "mlcontinuum.charter.queries"),
        ("mlcontinuum.registry.pages", "mlcontinuum.registry.views"),
        ("mlcontinuum.charter.client", "mlcontinuum.remote.base"),
        ("mlcontinuum.slices", "mlcontinuum.charter.slice"),
        ("mlcontinuum.web.templating", "mlcontinuum.kernel.auth.permissions"),
    ],
)
def test_allowed_imports_break_no_contract(edge: tuple[str, str]) -> None:
    graph = _graph(edge)
    for rule in contracts.RULES:
        assert contracts.find_breaches(graph, rule, SLICES) == [], rule
