"""The registry's reactions to events of the slices below it (declared in `slice.py`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.data import queries as data_queries
from mlcontinuum.kernel.errors import Conflict, FieldProblem
from mlcontinuum.kernel.events import Event
from mlcontinuum.registry.models import Run, RunDataSource

# How many of the runs that used a source the refusal names.
NAMED_RUNS = 10


def refuse_removing_used_source(session: Session, event: Event) -> None:
    """On `data_source.removed`: a source that runs used stays in the register, so lineage keeps
    pointing at it. Raising here rolls the removal back."""
    name = event.data["data_source"]
    assert event.project_id is not None  # sources belong to projects
    source_id = data_queries.source_ids(session, event.project_id, [name]).get(name)
    if source_id is None:
        return
    used_by = session.scalars(
        select(Run.number)
        .join(RunDataSource, RunDataSource.run_id == Run.id)
        .where(RunDataSource.data_source_id == source_id)
        .order_by(Run.number)
    ).all()
    if used_by:
        runs = ", ".join(str(n) for n in used_by[:NAMED_RUNS])
        runs += "…" if len(used_by) > NAMED_RUNS else ""
        raise Conflict(
            f"'{name}' is part of the lineage of run {runs}; a source that runs used "
            "stays in the register (record its retention instead)",
            [FieldProblem("data_source", "in_lineage", "runs were built from it")],
        )
