"""Rules for gate runs on the server: record (with its event), list, and the inputs the client
needs to run the gates (the version's data sources with their compliance, its reference
profile). The server never loads a model: results are computed by `continuum check`."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from mlcontinuum.data import service as data_service
from mlcontinuum.data.schemas import DataSourcePublic
from mlcontinuum.gates.models import GateResult, GateRun
from mlcontinuum.gates.registry import TYPE_KEY_PREFIX, gate_names
from mlcontinuum.gates.schemas import GateResultData, GateRunCreate, GateRunPublic, run_status
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.errors import FieldProblem, NotFound, ValidationFailed
from mlcontinuum.registry import versions
from mlcontinuum.registry.models import ModelVersion, StoredProfile


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
    version = versions.version_row(session, access.project.id, name, number)
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
    return _public(session, run, version)


def _public(session: Session, run: GateRun, version: ModelVersion) -> GateRunPublic:
    rows = session.scalars(
        select(GateResult).where(GateResult.run_id == run.id).order_by(GateResult.position)
    )
    return GateRunPublic(
        id=run.id,
        model_name=version.model_name,
        version=version.version,
        status=run.status,
        commit=run.commit,
        created_by=run.created_by,
        created_at=run.created_at,
        results=[
            GateResultData(
                gate=r.gate,
                type_key=r.type_key,
                status=r.status,
                required=r.required,
                message=r.message,
                measured=r.measured,
                thresholds=r.thresholds,
                details=r.details,
                duration_seconds=r.duration_seconds,
            )
            for r in rows
        ],
    )


def _runs(version: ModelVersion) -> Select[GateRun]:
    return (
        select(GateRun)
        .where(GateRun.version_id == version.id)
        .order_by(GateRun.created_at.desc(), GateRun.id.desc())
    )


def list_runs(session: Session, project_id: int, name: str, number: int) -> list[GateRunPublic]:
    """The version's gate runs, newest first."""
    version = versions.version_row(session, project_id, name, number)
    return [_public(session, run, version) for run in session.scalars(_runs(version))]


def latest_run(session: Session, project_id: int, name: str, number: int) -> GateRunPublic | None:
    version = versions.version_row(session, project_id, name, number)
    run = session.scalar(_runs(version).limit(1))
    return None if run is None else _public(session, run, version)


def version_compliance(
    session: Session, project_id: int, name: str, number: int
) -> list[DataSourcePublic]:
    """The data sources behind the version (through its runs), with today's violations."""
    used = set(versions.get_version(session, project_id, name, number).data_sources)
    return [s for s in data_service.list_sources(session, project_id) if s.name in used]


def reference_profile(session: Session, project_id: int, name: str, number: int) -> bytes:
    version = versions.version_row(session, project_id, name, number)
    if version.reference_profile_id is None:
        raise NotFound(f"version {number} of '{name}' has no reference profile")
    return session.get_one(StoredProfile, version.reference_profile_id).data
