"""Model cards, generated from the record: the version, its lineage, the charter's acceptance
criteria and KPIs, and the compliance of the data it was built from. Nothing is typed twice."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from mlcontinuum.charter import service as charter_service
from mlcontinuum.charter.enums import KpiJudgement, KpiKind
from mlcontinuum.charter.schemas import CharterPublic, KpiPublic
from mlcontinuum.data import service as data_service
from mlcontinuum.data.schemas import DataSourcePublic
from mlcontinuum.gates import service as gates_service
from mlcontinuum.gates.schemas import GateResultData, GateRunPublic
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.registry import runs, versions
from mlcontinuum.registry.model_schemas import VersionPublic
from mlcontinuum.registry.schemas import RunPublic

# The card's words for each judgement (the pages colour their badges by them).
VERDICTS = {
    KpiJudgement.MEETS_TARGET: "meets target",
    KpiJudgement.BETWEEN_THRESHOLD_AND_TARGET: "between threshold and target",
    KpiJudgement.PAST_THRESHOLD: "below alert threshold",
}


@dataclass(frozen=True)
class KpiCheck:
    kpi: KpiPublic
    value: float | None  # the version's evaluation metric for an analytic KPI, if recorded

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "not evaluated"
        return VERDICTS[self.kpi.judge(self.value)]


@dataclass(frozen=True)
class ModelCard:
    project_name: str
    customer: str
    version: VersionPublic
    charter: CharterPublic
    kpis: list[KpiCheck]
    runs: list[RunPublic]
    sources: list[DataSourcePublic]
    gate_run: GateRunPublic | None = None  # the latest, which holds fairness and importance

    def gate(self, name: str) -> GateResultData | None:
        if self.gate_run is None:
            return None
        return next((r for r in self.gate_run.results if r.gate == name), None)


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
        gate_run=gates_service.latest_run(session, access.project.id, name, number),
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
        *_fairness(card),
        "",
        "## Feature importance",
        "",
        *_importance(card),
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


def _gate_source(card: ModelCard, result: GateResultData) -> str:
    run = card.gate_run
    assert run is not None
    commit = f", commit `{run.commit[:12]}`" if run.commit else ""
    return (
        f"From the gate run of {run.created_at:%Y-%m-%d} by {run.created_by}{commit}: "
        f"**{result.status.label}**. {result.message}"
    )


def _cell(value: Any) -> str:
    return "" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def _fairness(card: ModelCard) -> list[str]:
    result = card.gate("fairness")
    features: list[dict[str, Any]] = result.details.get("features", []) if result else []
    if result is None or not features:
        return [
            "No fairness results are on record for this version yet; the fairness gate of "
            "`continuum check` records them per sensitive feature."
        ]
    lines = [_gate_source(card, result)]
    for feature in features:
        lines += [
            "",
            f"### {feature['feature']}",
            "",
            f"Demographic parity difference {_cell(feature['demographic_parity_difference'])}, "
            f"equalized odds difference {_cell(feature['equalized_odds_difference'])}.",
            "",
            "| group | rows | selection rate | accuracy | true positive rate | "
            "false positive rate |",
            "|---|---|---|---|---|---|",
        ]
        for group in feature.get("groups", []):
            count = group.get("count")
            rows = "" if count is None else f"{count:.0f}"
            lines.append(
                f"| {group['group']} | {rows} | {_cell(group.get('selection_rate'))} | "
                f"{_cell(group.get('accuracy'))} | {_cell(group.get('true_positive_rate'))} | "
                f"{_cell(group.get('false_positive_rate'))} |"
            )
    return lines


def _importance(card: ModelCard, top: int = 10) -> list[str]:
    result = card.gate("explainability")
    ranking: list[dict[str, Any]] = result.details.get("importances", []) if result else []
    if result is None or not ranking:
        return [
            "No feature importance is on record for this version yet; the explainability gate "
            "of `continuum check` records it."
        ]
    lines = [
        _gate_source(card, result).split(": **")[0]
        + f": permutation importance on {result.details.get('rows', '?')} evaluation rows "
        "(drop in score when the feature is shuffled).",
        "",
        "| feature | importance | std |",
        "|---|---|---|",
    ]
    lines += [
        f"| {r['feature']} | {_cell(r['importance'])} | {_cell(r['std'])} |" for r in ranking[:top]
    ]
    return lines
