"""Rules for gate runs on the server: record one, with its event. The server never loads a
model: results are computed by `continuum check` (see `check.py`), where the model was trained."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from mlcontinuum.gates.metrics import METRICS
from mlcontinuum.gates.models import GateResult, GateRun
from mlcontinuum.gates.queries import run_public
from mlcontinuum.gates.registry import TYPE_KEY_PREFIX, gate_names
from mlcontinuum.gates.runner import evaluate
from mlcontinuum.gates.schemas import GateResultData, GateRunCreate, GateRunPublic, run_status
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.errors import FieldProblem, ValidationFailed
from mlcontinuum.registry import queries as registry


def _validate(results: list[GateResultData]) -> None:
    gates = gate_names()
    problems = []
    seen: set[str] = set()
    for index, result in enumerate(results):
        if result.gate not in gates:
            problems.append(
                FieldProblem(
                    f"results.{index}.gate",
                    "unknown_gate",
                    f"unknown gate '{result.gate}'; valid gates: {', '.join(sorted(gates))}",
                )
            )
        elif result.type_key != TYPE_KEY_PREFIX + result.gate:
            problems.append(
                FieldProblem(
                    f"results.{index}.type_key",
                    "type_key",
                    f"the type key of gate '{result.gate}' is {TYPE_KEY_PREFIX + result.gate}",
                )
            )
        if result.gate in seen:
            problems.append(
                FieldProblem(f"results.{index}.gate", "unique", f"'{result.gate}' is listed twice")
            )
        seen.add(result.gate)
    if problems:
        raise ValidationFailed("; ".join(p.message for p in problems), problems)


def record_run(
    session: Session, access: ProjectAccess, name: str, number: int, data: GateRunCreate
) -> GateRunPublic:
    version = registry.find_version(session, access.project.id, name, number)
    _validate(data.results)
    status = run_status(data.results)
    run = GateRun(
        project_id=access.project.id,
        version_id=version.id,
        status=status,
        commit=data.commit,
        created_by=access.actor,
    )
    session.add(run)
    session.flush()
    session.add_all(
        GateResult(run_id=run.id, position=index, **result.model_dump(mode="json"))
        for index, result in enumerate(data.results)
    )
    events.append(
        session,
        type="gates.run",
        actor=access.actor,
        project_id=access.project.id,
        payload={
            "model": name,
            "version": number,
            "gate_run": run.id,
            "status": status.value,
            "commit": data.commit,
            "gates": {r.gate: r.status.value for r in data.results},
        },
    )
    session.flush()
    return run_public(session, run, version)


def measure(
    model: Any,
    data: pd.DataFrame,
    target: str,
    positive_label: Any,
    names: Sequence[str],
    *,
    k: float = 0.1,
) -> dict[str, float]:
    """The named metrics of the metric-threshold gate for a model in hand (not on the server:
    where the model was trained), computed the way the gates compute them."""
    evaluation = evaluate(model, data, target, positive_label)
    return {name: METRICS[name].fn(evaluation, k) for name in names}
