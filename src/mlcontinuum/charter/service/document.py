"""The charter as a YAML file kept in the ML repository: export the project's charter as a
`CharterDocument`, and import one (its YAML form is `CharterDocument.to_yaml` / `from_yaml`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.charter import versions
from mlcontinuum.charter.models import Charter, Kpi, Stakeholder
from mlcontinuum.charter.schemas import (
    CharterDocument,
    KpiFields,
    ProjectFields,
    ProjectUpdate,
    StakeholderFields,
)
from mlcontinuum.charter.service import link_account
from mlcontinuum.charter.service.projects import update_project
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth.access import ProjectAccess


def export_document(session: Session, access: ProjectAccess) -> CharterDocument:
    snapshot = versions.current_snapshot(session, access.project)
    project = access.project
    return CharterDocument(
        project=ProjectFields(
            name=project.name,
            customer=project.customer,
            description=project.description,
            stage=project.stage,
            crisp_dm_phase=project.crisp_dm_phase,
        ),
        charter=snapshot.charter,
        kpis=snapshot.kpis,
        stakeholders=snapshot.stakeholders,
    )


def import_document(session: Session, access: ProjectAccess, document: CharterDocument) -> bool:
    """Make the project's charter equal to `document`; one new version if anything changed."""
    project_id = access.project.id
    update_project(session, access, ProjectUpdate(**document.project.model_dump()))
    charter = session.get_one(Charter, project_id)
    for key, value in document.charter.model_dump().items():
        setattr(charter, key, value)
    summary = {
        "kpis": _sync_kpis(session, project_id, document.kpis),
        "stakeholders": _sync_stakeholders(session, access, document.stakeholders),
    }
    version = versions.record(
        session, access.project, actor=access.actor, change="imported from a charter file"
    )
    if version is not None:
        events.append(
            session,
            type="charter.imported",
            actor=access.actor,
            project_id=project_id,
            payload={"version": version.version, **summary},
        )
    return version is not None


def _sync_kpis(session: Session, project_id: int, wanted: list[KpiFields]) -> dict[str, list[str]]:
    existing = {k.name: k for k in session.scalars(select(Kpi).where(Kpi.project_id == project_id))}
    by_name = {k.name: k for k in wanted}
    for name in existing.keys() - by_name.keys():
        session.delete(existing[name])
    session.flush()
    for name, spec in by_name.items():
        row = existing.get(name)
        if row is None:
            session.add(Kpi(project_id=project_id, **spec.model_dump()))
        else:
            for key, value in spec.model_dump().items():
                setattr(row, key, value)
    return {
        "added": sorted(by_name.keys() - existing.keys()),
        "removed": sorted(existing.keys() - by_name.keys()),
    }


def _sync_stakeholders(
    session: Session, access: ProjectAccess, wanted: list[StakeholderFields]
) -> dict[str, list[str]]:
    project_id = access.project.id
    rows = session.scalars(select(Stakeholder).where(Stakeholder.project_id == project_id))
    existing = {(s.name, s.organisation): s for s in rows}
    by_key = {(s.name, s.organisation): s for s in wanted}
    for key in existing.keys() - by_key.keys():
        session.delete(existing[key])
    session.flush()
    positions = {(s.name, s.organisation): index for index, s in enumerate(wanted)}
    for key, spec in by_key.items():
        field = f"stakeholders.{positions[key]}.username"
        user = link_account(session, access, spec.username, field)
        row = existing.get(key)
        if row is None:
            row = Stakeholder(project_id=project_id, name=spec.name, organisation=spec.organisation)
            session.add(row)
        row.role, row.contact = spec.role, spec.contact
        row.user_id = user.id if user else None
    return {
        "added": sorted(f"{n} ({o})" for n, o in by_key.keys() - existing.keys()),
        "removed": sorted(f"{n} ({o})" for n, o in existing.keys() - by_key.keys()),
    }
