"""Reads of the trust slice: a version's model card, generated from the record (the version, its
lineage, the charter's acceptance criteria and KPIs, the compliance of the data it was built from,
fairness and feature importance from its latest gate run, and the releases of it that broke
their policy)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from mlcontinuum.charter import service as charter_service
from mlcontinuum.charter.enums import KpiKind
from mlcontinuum.data import service as data_service
from mlcontinuum.gates import queries as gates
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.events import Event
from mlcontinuum.registry import queries as registry
from mlcontinuum.trust.markdown import render_markdown
from mlcontinuum.trust.schemas import KpiCheck, ModelCard, PolicyExceptionNote

# The releases slice records an owner's override of its release policy as this event. Trust sits
# below releases, so the card reads the override from the audit trail, where it is kept anyway.
POLICY_OVERRIDDEN = "release.policy_overridden"


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def model_card(session: Session, access: ProjectAccess, name: str, number: int) -> ModelCard:
    project_id = access.project.id
    version = registry.get_version(session, project_id, name, number)
    metrics = {_key(k): v for k, v in version.evaluation_metrics.items()}
    kpis = [
        KpiCheck(kpi, metrics.get(_key(kpi.name)) if kpi.kind is KpiKind.ANALYTIC else None)
        for kpi in charter_service.list_kpis(session, project_id)
    ]
    used = set(version.data_sources)
    sources = [s for s in data_service.list_sources(session, project_id) if s.name in used]
    return ModelCard(
        project_name=access.project.name,
        customer=access.project.customer,
        version=version,
        charter=charter_service.get_charter(session, access),
        kpis=kpis,
        runs=[registry.get_run(session, project_id, n) for n in version.runs],
        sources=sources,
        gate_run=gates.latest_run(session, project_id, name, number),
        policy_exceptions=policy_exceptions(session, project_id, name, number),
    )


def policy_exceptions(
    session: Session, project_id: int, name: str, number: int
) -> list[PolicyExceptionNote]:
    """The releases of the version that an owner let through although they broke their policy,
    oldest first. One query: a project has few overrides, so they are matched here."""
    found = session.scalars(
        select(Event)
        .where(Event.project_id == project_id, Event.type == POLICY_OVERRIDDEN)
        .order_by(Event.id)
    )
    return [
        PolicyExceptionNote(
            release=event.data["release"],
            environment=event.data["environment"],
            by=event.actor,
            at=event.at,
            reason=event.data["reason"],
            unmet=list(event.data["unmet"]),
        )
        for event in found
        if event.data["model"] == name and event.data["version"] == number
    ]


def model_card_markdown(session: Session, access: ProjectAccess, name: str, number: int) -> str:
    """The model card as Markdown (a release request shows it as evidence)."""
    return render_markdown(model_card(session, access, name, number))
