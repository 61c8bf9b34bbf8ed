"""Model quality against thresholds, by default the alert thresholds of the charter's KPIs.

Without `metrics`, every analytic KPI whose name maps to a known metric is checked. A metric
names its KPI explicitly with `kpi:` when the names differ ("Recall in the top 10%"), or gives
its own `threshold:`. A KPI's direction decides whether the value must be at least or at most
the threshold.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator

from mlcontinuum.charter.enums import Direction, KpiJudgement, KpiKind
from mlcontinuum.charter.schemas import KpiFields, judge_kpi
from mlcontinuum.gates.context import GateContext
from mlcontinuum.gates.enums import GateStatus
from mlcontinuum.gates.metrics import METRICS, NotApplicable, metric_key
from mlcontinuum.gates.registry import Gate, GateParams, Outcome, register
from mlcontinuum.kernel.strict import Strict


def known_metric(name: object) -> object:
    if not isinstance(name, str) or name not in METRICS:
        raise ValueError(f"unknown metric '{name}'; valid metrics: {', '.join(METRICS)}")
    return name


class MetricSpec(Strict):
    metric: Annotated[str, BeforeValidator(known_metric)]
    kpi: str | None = Field(default=None, description="Charter KPI whose alert threshold applies.")
    threshold: float | None = Field(
        default=None, allow_inf_nan=False, description="Explicit threshold; overrides the KPI's."
    )


def _spec(value: object) -> object:
    return {"metric": value} if isinstance(value, str) else value


class Params(GateParams):
    metrics: list[Annotated[MetricSpec, BeforeValidator(_spec)]] | None = Field(
        default=None, max_length=50, description="Default: every analytic KPI that is a metric."
    )
    k: float = Field(default=0.1, gt=0, le=1, description="Top share for recall_at_top_k.")

    @field_validator("metrics")
    @classmethod
    def _distinct(cls, value: list[MetricSpec] | None) -> list[MetricSpec] | None:
        names = [s.metric for s in value or []]
        if len(set(names)) != len(names):
            raise ValueError("a metric is listed twice")
        return value


def _threshold(spec: MetricSpec, kpis: dict[str, KpiFields]) -> tuple[float, Direction, str] | str:
    """(threshold, which way is better, where it came from), or why there is none."""
    metric = METRICS[spec.metric]
    kpi = kpis.get(metric_key(spec.kpi or spec.metric))
    if spec.threshold is not None:
        if kpi is not None:
            return spec.threshold, kpi.direction, "gates file"
        if metric.higher_is_better:
            return spec.threshold, Direction.HIGHER_IS_BETTER, "gates file"
        return spec.threshold, Direction.LOWER_IS_BETTER, "gates file"
    if kpi is not None:
        return kpi.alert_threshold, kpi.direction, f"KPI '{kpi.name}' alert threshold"
    if spec.kpi is not None:
        return f"the charter has no analytic KPI named '{spec.kpi}'"
    return f"no threshold: no analytic KPI maps to '{spec.metric}'; add `kpi:` or `threshold:`"


def check(params: Params, context: GateContext) -> Outcome:
    kpis = {metric_key(k.name): k for k in context.kpis or [] if k.kind is KpiKind.ANALYTIC}
    specs = params.metrics
    if specs is None:
        specs = [MetricSpec(metric=key) for key in kpis if key in METRICS]
        if not specs:
            reason = (
                "no charter at hand (offline without --charter)"
                if context.kpis is None
                else "no analytic KPI of the charter maps to a metric"
            )
            return Outcome(GateStatus.NOT_RUN, f"{reason}; name the metrics in the gates file")
    measured: dict[str, float | None] = {}
    thresholds: dict[str, float] = {}
    rows: list[dict[str, object]] = []
    failed: list[str] = []
    problems: list[str] = []
    for spec in specs:
        name = spec.metric
        try:
            value = METRICS[name].fn(context.evaluation, params.k)
        except NotApplicable as exc:
            problems.append(f"{name}: {exc}")
            continue
        measured[name] = None if math.isnan(value) else value
        found = _threshold(spec, kpis)
        if isinstance(found, str):
            problems.append(f"{name}: {found}")
            continue
        limit, direction, source = found
        thresholds[name] = limit
        higher = direction is Direction.HIGHER_IS_BETTER
        # A gate has one level to reach, so its threshold is its target too; NaN never passes.
        judged = judge_kpi(direction, value, target=limit, threshold=limit)
        ok = judged is not KpiJudgement.PAST_THRESHOLD
        if not ok:
            failed.append(f"{name} {value:.4g} {'<' if higher else '>'} {limit:g}")
        rows.append(
            {
                "metric": name,
                "value": measured[name],
                "threshold": limit,
                "direction": "at least" if higher else "at most",
                "source": source,
                "passed": ok,
            }
        )
    details: dict[str, object] = {"metrics": rows, "k": params.k}
    if problems:
        details["problems"] = problems
        return Outcome(GateStatus.ERROR, "; ".join(problems), measured, thresholds, details)
    if failed:
        return Outcome(GateStatus.FAILED, "; ".join(failed), measured, thresholds, details)
    return Outcome(
        GateStatus.PASSED,
        f"{len(rows)} metric(s) within their thresholds",
        measured,
        thresholds,
        details,
    )


register(
    Gate(
        name="metric_threshold",
        params=Params,
        fn=check,
        description="scikit-learn metrics against the charter's KPI alert thresholds",
    )
)
