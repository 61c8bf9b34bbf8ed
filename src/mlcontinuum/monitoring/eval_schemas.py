"""The stored shape of a window's evaluation (`MonitorWindow.evaluation`) and the window API.

The evaluator builds a `WindowEvaluation` and stores `model_dump(mode="json")`; the API and the
pages read the same models back, so the JSON on the row and the JSON served never drift apart.
Non-finite numbers are stored as null (PostgreSQL's JSON has no Infinity or NaN).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from mlcontinuum.charter.enums import Direction, KpiKind
from mlcontinuum.monitoring.enums import Granularity, WindowScope


class ReferenceInfo(BaseModel):
    version_id: int = Field(description="Id of the model version whose reference profile was used.")
    rows: int = Field(description="Rows behind the reference profile.")


class DriftMethodResult(BaseModel):
    method: str
    value: float | None
    threshold: float
    noise_floor: float | None
    p_value: float | None
    drifted: bool


class DriftColumn(BaseModel):
    column: str
    kind: str
    drifted: bool
    score: float | None = Field(
        description="Max over methods of (value − noise floor) / threshold; ≥ 1 means drifted. "
        "Null when the column was skipped."
    )
    skipped: str | None = Field(description="Why the column was not compared, if it was not.")
    methods: list[DriftMethodResult]


class CheckOutcome(BaseModel):
    name: str
    passed: bool
    threshold: float
    message: str
    details: list[str]


class Performance(BaseModel):
    task: Literal["binary", "regression"]
    predictions: int = Field(description="Predictions logged in the window.")
    labelled: int = Field(description="Of those, predictions with a label.")
    metrics: dict[str, float | None] = Field(
        description="binary: roc_auc, accuracy, precision, recall (at 0.5), positive_rate (share "
        "of labels that are 1); regression: mae, rmse."
    )


class KpiOutcome(BaseModel):
    kpi_id: int
    name: str
    kind: KpiKind
    unit: str
    direction: Direction
    threshold: float
    target: float
    value: float = Field(description="Mean of the KPI's values reported in the window.")
    values: int = Field(description="How many values were reported in the window.")
    breached: bool


class WindowEvaluation(BaseModel):
    reference: ReferenceInfo | None = None
    drift: list[DriftColumn] = Field(default_factory=list)
    checks: list[CheckOutcome] = Field(default_factory=list)
    performance: Performance | None = None
    kpis: list[KpiOutcome] = Field(default_factory=list)
    notes: list[str] = Field(
        default_factory=list, description="What the evaluation could not do, and why."
    )
    error: str | None = Field(
        default=None, description="Set when the window could not be evaluated at all."
    )


class WindowPublic(BaseModel):
    id: int
    scope: WindowScope
    deployment_id: int | None
    granularity: Granularity
    start: datetime
    end: datetime
    rows: int = Field(description="Rows (predictions) merged into the window's profile.")
    batches: int = Field(description="Batches merged into the window's profile.")
    dirty: bool = Field(description="New data arrived since the last evaluation.")
    changed_at: datetime
    evaluated_at: datetime | None
    drifted_features: int
    failed_checks: int
    kpis_breached: int
    evaluation: WindowEvaluation | None = Field(description="Null until first evaluated.")


class WindowPage(BaseModel):
    items: list[WindowPublic]
    total: int
    page: int
    per_page: int


class EvaluationRun(BaseModel):
    """What an evaluate-now request did."""

    evaluated: int = Field(description="Windows evaluated (both kinds).")
    deployment_windows: int
    kpi_windows: int
    errors: int = Field(description="Windows that could not be evaluated; see their `error`.")
