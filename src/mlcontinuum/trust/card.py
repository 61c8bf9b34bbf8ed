"""Model cards, generated from the record: the version, its lineage, the charter's acceptance
criteria and KPIs, and the compliance of the data it was built from. Nothing is typed twice."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from mlcontinuum.auth.access import ProjectAccess
from mlcontinuum.charter import service as charter_service
from mlcontinuum.charter.enums import Direction, KpiKind
from mlcontinuum.charter.schemas import CharterPublic, KpiPublic
from mlcontinuum.data import service as data_service
from mlcontinuum.data.schemas import DataSourcePublic
from mlcontinuum.registry import runs, versions
from mlcontinuum.registry.model_schemas import VersionPublic
from mlcontinuum.registry.schemas import RunPublic


@dataclass(frozen=True)
class KpiCheck:
    kpi: KpiPublic
    value: float | None  # the version's evaluation metric for an analytic KPI, if recorded

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "not evaluated"
        higher = self.kpi.direction is Direction.HIGHER_IS_BETTER
        if (self.value >= self.kpi.target) if higher else (self.value <= self.kpi.target):
            return "meets target"
        alert = (
            (self.value < self.kpi.alert_threshold)
            if higher
            else (self.value > self.kpi.alert_threshold)
        )
        return "below alert threshold" if alert else "between threshold and target"


@dataclass(frozen=True)
class ModelCard:
    project_name: str
    customer: str
    version: VersionPublic
    charter: CharterPublic
    kpis: list[KpiCheck]
    runs: list[RunPublic]
    sources: list[DataSourcePublic]


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def build(session: Session, access: ProjectAccess, name: str, number: int) -> ModelCard:
    version = versions.get_version(session, access.project.id, name, number)
    metrics = {_key(k): v for k, v in version.evaluation_metrics.items()}
    kpis = [
        KpiCheck(kpi, metrics.get(_key(kpi.name)) if kpi.kind is KpiKind.ANALYTIC else None)
        for kpi in charter_service.list_kpis(session, access.project.id)
    ]
    used = set(version.data_sources)
    sources = [s for s in data_service.list_sources(session, access.project.id) if s.name in used]
    return ModelCard(
        project_name=access.project.name,
        customer=access.project.customer,
        version=version,
        charter=charter_service.get_charter(session, access),
        kpis=kpis,
        runs=[runs.get_run(session, access.project.id, n) for n in version.runs],
        sources=sources,
    )


def _or(text: str, fallback: str) -> str:
    return text.strip() or fallback


def render_markdown(card: ModelCard) -> str:
    v = card.version
    lines = [
        f"# Model card: {v.model_name} version {v.version}",
        "",
        f"Project: {card.project_name}" + (f" for {card.customer}" if card.customer else ""),
        f"Status: {v.status.label}. Registered by {v.created_by} on {v.created_at:%Y-%m-%d}.",
        "",
        "## Intended use",
        "",
        _or(v.intended_use, _or(card.charter.minimal_viable_product, "Not stated.")),
        "",
        "## Acceptance criteria",
        "",
        _or(card.charter.success_criteria, "The charter states no success criteria."),
        "",
        "| KPI | kind | target | alert threshold | this version | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for check in card.kpis:
        k = check.kpi
        value = "" if check.value is None else f"{check.value:.4g}"
        lines.append(
            f"| {k.name} | {k.kind.value} | {k.target:g} {k.unit} | {k.alert_threshold:g} | "
            f"{value} | {check.verdict} |"
        )
    lines += ["", "## Evaluation metrics", ""]
    if v.evaluation_metrics:
        lines += ["| metric | value |", "|---|---|"]
        lines += [f"| {key} | {value:.6g} |" for key, value in sorted(v.evaluation_metrics.items())]
    else:
        lines.append("No evaluation metrics were recorded with this version.")
    lines += [
        "",
        "## Fairness",
        "",
        "No fairness results are on record for this version yet; the fairness gate of "
        "`continuum check` records them per sensitive feature.",
        "",
        "## Feature importance",
        "",
        "No feature importance is on record for this version yet; the explainability gate of "
        "`continuum check` records it.",
        "",
        "## Data sources and their compliance",
        "",
    ]
    if card.sources:
        for source in card.sources:
            state = "compliant" if source.compliant else "NOT compliant"
            lines.append(f"- **{source.name}** ({source.kind.label.lower()}): {state}")
            lines += [f"  - {x.severity.value}: {x.message}" for x in source.violations]
    else:
        lines.append("No data sources are linked through this version's runs.")
    lines += ["", "## Lineage", ""]
    for run in card.runs:
        hypothesis = f": {run.hypothesis}" if run.hypothesis else ""
        lines.append(f"- Run {run.number} ({run.status.value}){hypothesis}")
    if v.parent_version:
        lines.append(f"- Retrains version {v.parent_version}")
    if not card.runs and not v.parent_version:
        lines.append("No runs or parent version recorded.")
    lines += ["", "## Artifact", ""]
    if v.artifact:
        a = v.artifact
        lines.append(f"`{a.filename}` ({a.format}, {a.size} bytes), SHA-256 `{a.sha256}`.")
        lines.append(f"Safety scan: **{a.scan_verdict.value.replace('_', ' ')}**.")
        lines += [f"- {finding}" for finding in a.scan_findings]
    else:
        lines.append("No artifact uploaded.")
    lines += [
        "",
        "## Known limitations",
        "",
        _or(v.limitations, _or(card.charter.risks, "None recorded.")),
        "",
    ]
    return "\n".join(lines)
