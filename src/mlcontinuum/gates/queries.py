"""Reads of the gates slice: a version's gate runs, and what `continuum check` reads to run the
gates online (the version's data sources with today's compliance)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from mlcontinuum.data import service as data_service
from mlcontinuum.data.schemas import DataSourcePublic
from mlcontinuum.gates import registry as gate_registry
from mlcontinuum.gates.models import GateResult, GateRun
from mlcontinuum.gates.schemas import GateResultData, GateRunPublic
from mlcontinuum.registry import queries as registry
from mlcontinuum.registry.schemas import VersionRef


def run_public(session: Session, run: GateRun, version: VersionRef) -> GateRunPublic:
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


def _runs(version: VersionRef) -> Select[GateRun]:
    return (
        select(GateRun)
        .where(GateRun.version_id == version.id)
        .order_by(GateRun.created_at.desc(), GateRun.id.desc())
    )


def list_runs(session: Session, project_id: int, name: str, number: int) -> list[GateRunPublic]:
    """The version's gate runs, newest first."""
    version = registry.find_version(session, project_id, name, number)
    return [run_public(session, run, version) for run in session.scalars(_runs(version))]


def latest_run(session: Session, project_id: int, name: str, number: int) -> GateRunPublic | None:
    version = registry.find_version(session, project_id, name, number)
    run = session.scalar(_runs(version).limit(1))
    return None if run is None else run_public(session, run, version)


def version_compliance(
    session: Session, project_id: int, name: str, number: int
) -> list[DataSourcePublic]:
    """The data sources behind the version (through its runs), with today's violations."""
    used = set(registry.get_version(session, project_id, name, number).data_sources)
    return [s for s in data_service.list_sources(session, project_id) if s.name in used]


# --- for releases ---


def gate_names() -> frozenset[str]:
    """The names of the gates `continuum check` knows: what a release policy may require."""
    return gate_registry.gate_names()
