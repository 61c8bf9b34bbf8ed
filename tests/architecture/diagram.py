"""The architecture diagram and slice table of docs/architecture.md, drawn from the slice
declarations and the import graph, so they cannot go stale: `tests/architecture/test_docs.py`
fails when the page differs from what this prints. Rewrite the page with

    .venv/bin/python -m tests.architecture.diagram --write
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

from mlcontinuum.kernel.slice import Slice
from mlcontinuum.slices import all_slices

PAGE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
START, END = "<!-- generated:start -->", "<!-- generated:end -->"


def slice_dependencies(slices: tuple[Slice, ...]) -> list[tuple[str, str]]:
    """(importer, imported) pairs of slices, from the real imports."""
    graph = grimp.build_graph("mlcontinuum", cache_dir=None)
    names = [s.name for s in slices]
    found = set()
    for importer in graph.modules:
        source = importer.split(".")[1] if importer.count(".") else ""
        if source not in names:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            target = imported.split(".")[1] if imported.count(".") else ""
            if target in names and target != source:
                found.add((source, target))
    return sorted(found, key=lambda pair: (names.index(pair[0]), names.index(pair[1])))


def without_implied(edges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The transitive reduction: an edge a longer path already implies is left out, so the
    picture shows the structure rather than every import."""
    out: dict[str, set[str]] = {}
    for source, target in edges:
        out.setdefault(source, set()).add(target)

    def reachable(start: str, skip: tuple[str, str]) -> set[str]:
        seen: set[str] = set()
        todo = [t for t in out.get(start, ()) if (start, t) != skip]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(out.get(node, ()))
        return seen

    return [edge for edge in edges if edge[1] not in reachable(edge[0], edge)]


def reactions(slices: tuple[Slice, ...]) -> list[tuple[str, str, str]]:
    """(reacting slice, event type, slice that declares the event)."""
    owner = {event.name: s.name for s in slices for event in s.events}
    return [
        (s.name, reaction.event, owner.get(reaction.event, "?"))
        for s in slices
        for reaction in s.reactions
    ]


def mermaid(slices: tuple[Slice, ...]) -> str:
    lines = ["```mermaid", "flowchart BT"]
    lines.append('  kernel[["kernel: settings · errors · events · storage · auth"]]')
    lines.append('  engine[["profiles: the profile engine"]]')
    for s in slices:
        parts = [p for p, on in (("API", s.api), ("pages", s.pages), ("CLI", s.cli)) if on]
        label = s.name + (f"<br/><small>{' · '.join(parts)}</small>" if parts else "")
        lines.append(f'  {s.name}["{label}"]')
    for source, target in without_implied(slice_dependencies(slices)):
        lines.append(f"  {source} --> {target}")
    for source, event, owner in reactions(slices):
        lines.append(f'  {owner} -. "{event}" .-> {source}')
    lines.append("```")
    return "\n".join(lines)


def table(slices: tuple[Slice, ...]) -> str:
    rows = [
        "| slice | what it holds | tables | API | pages | CLI | jobs | permissions | events |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in slices:
        permissions = ", ".join(f"`{p.name}`" for p in s.permissions) or "—"
        jobs = ", ".join(job.name for job in s.jobs) or "—"
        docs = " ".join(f"[{page}]({page})" for page in s.docs)
        rows.append(
            f"| `{s.name}` | {s.summary} {docs} | {'✓' if s.tables else '—'} | "
            f"{len(s.api) or '—'} | {len(s.pages) or '—'} | {len(s.cli) or '—'} | {jobs} | "
            f"{permissions} | {len(s.events) or '—'} |"
        )
    return "\n".join(rows)


def generated() -> str:
    slices = all_slices()
    return "\n\n".join([START, mermaid(slices), table(slices), END])


def page_with_generated(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return head + generated() + tail


if __name__ == "__main__":
    if "--write" in sys.argv:
        PAGE.write_text(page_with_generated(PAGE.read_text()))
    else:
        print(generated())
