"""A model card as Markdown, the file a reviewer downloads or a release shows as evidence."""

from __future__ import annotations

from typing import Any

from mlcontinuum.gates.schemas import GateResultData
from mlcontinuum.trust.schemas import ModelCard


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
    lines += ["", "## Release policy exceptions", "", *_exceptions(card)]
    lines += [
        "",
        "## Known limitations",
        "",
        _or(v.limitations, _or(card.charter.risks, "None recorded.")),
        "",
    ]
    return "\n".join(lines)


def _exceptions(card: ModelCard) -> list[str]:
    if not card.policy_exceptions:
        return ["No release of this version overrode its release policy."]
    return [
        f"- **Policy exception for {e.environment}** (release request {e.release}): "
        f"{e.by} overrode the release policy on {e.at:%Y-%m-%d}: {e.reason}"
        + (f" Waived: {'; '.join(e.unmet)}." if e.unmet else "")
        for e in card.policy_exceptions
    ]


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
