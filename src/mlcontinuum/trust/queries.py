"""Reads of the trust slice: a version's model card, generated from the record (the version, its
lineage, the charter's acceptance criteria and KPIs, the compliance of the data it was built from,
fairness and feature importance from its latest gate run)."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from mlcontinuum.charter import service as charter_service
from mlcontinuum.charter.enums import KpiKind
from mlcontinuum.data import service as data_service
from mlcontinuum.gates import queries as gates
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.registry import queries as registry
from mlcontinuum.trust.markdown import render_markdown
from mlcontinuum.trust.schemas import KpiCheck, ModelCard


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
    )


def model_card_markdown(session: Session, access: ProjectAccess, name: str, number: int) -> str:
    """The model card as Markdown (a release request shows it as evidence)."""
    return render_markdown(model_card(session, access, name, number))
