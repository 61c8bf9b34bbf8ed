"""API shapes of monitoring: what ingest takes (batches with their profile, prediction ids and
values; labels; KPI values) and answers, and windows with their stored evaluation.

The long lists (up to `monitor_max_batch_rows` ids, values or labels) are checked by one
validator each rather than element by element, so a list of a hundred thousand bad values
answers with one sentence naming the first few positions instead of a hundred thousand errors.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainValidator

from mlcontinuum.charter.enums import Direction, KpiKind
from mlcontinuum.kernel.strict import Strict
from mlcontinuum.monitoring.enums import Granularity, WindowScope
from mlcontinuum.monitoring.models import PREDICTION_ID_LENGTH

# Positions named in a message about bad list elements.
SHOWN = 5


def _positions(bad: list[int]) -> str:
    shown = ", ".join(str(i) for i in bad[:SHOWN])
    return f"{len(bad)} of them, first at position(s) {shown}"


def valid_prediction_id(value: object) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= PREDICTION_ID_LENGTH
        and value.isprintable()
        and value.strip() == value
    )


def _prediction_ids(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError("must be a list of strings")
    bad = [i for i, item in enumerate(value) if not valid_prediction_id(item)]
    if bad:
        raise ValueError(
            f"every prediction id must be a string of 1 to {PREDICTION_ID_LENGTH} printable "
            f"characters without leading or trailing spaces; {_positions(bad)}"
        )
    return value


def _finite(item: object) -> bool:
    """A JSON number that is a finite float: not a bool, NaN or infinity, nor an integer too
    large for a float (which would overflow rather than answer)."""
    if isinstance(item, bool) or not isinstance(item, int | float):
        return False
    try:
        return math.isfinite(item)
    except OverflowError:
        return False


def _values(value: Any) -> list[float]:
    if not isinstance(value, list):
        raise ValueError("must be a list of numbers")
    bad = [i for i, item in enumerate(value) if not _finite(item)]
    if bad:
        raise ValueError(f"every value must be a finite number; {_positions(bad)}")
    return [float(item) for item in value]


class LabelItem(Strict):
    """The ground truth for one prediction."""

    id: str = Field(min_length=1, max_length=PREDICTION_ID_LENGTH, description="Prediction id.")
    label: float = Field(allow_inf_nan=False, description="The true value (0/1 for a class).")


def _labels(value: Any) -> list[tuple[str, float]]:
    if not isinstance(value, list):
        raise ValueError('must be a list of {"id": ..., "label": ...} objects')
    pairs: list[tuple[str, float]] = []
    bad: list[int] = []
    for position, item in enumerate(value):
        if (
            isinstance(item, dict)
            and item.keys() == {"id", "label"}
            and valid_prediction_id(item["id"])
            and _finite(item["label"])
        ):
            pairs.append((item["id"], float(item["label"])))
        else:
            bad.append(position)
    if bad:
        raise ValueError(
            'every label must be {"id": <prediction id>, "label": <finite number>} and nothing '
            f"else; {_positions(bad)}"
        )
    return pairs


PredictionIds = Annotated[
    list[str], PlainValidator(_prediction_ids, json_schema_input_type=list[str])
]
FiniteValues = Annotated[list[float], PlainValidator(_values, json_schema_input_type=list[float])]
Labels = Annotated[
    list[tuple[str, float]], PlainValidator(_labels, json_schema_input_type=list[LabelItem])
]


class BatchCreate(Strict):
    """A production batch: the profile of its features (built where the data is), with the
    id and predicted value of every row. Raw features are never sent."""

    at: AwareDatetime = Field(description="When the predictions were made, with a time zone.")
    rows: int = Field(ge=1, description="Rows in the batch: the profile's row count.")
    profile: str = Field(
        min_length=1, description="Base64 of `mlcontinuum.profiles.dumps(profile)`."
    )
    prediction_ids: PredictionIds = Field(
        description="One id per row, unique within the deployment; labels join by these ids."
    )
    predictions: FiniteValues = Field(description="The predicted value of each row, in order.")


class LabelsCreate(Strict):
    labels: Labels = Field(description="Ground truth by prediction id; all ids must exist.")


class KpiValueCreate(Strict):
    at: AwareDatetime = Field(description="When the value was measured, with a time zone.")
    value: float = Field(allow_inf_nan=False)


REPLAYED = (
    "True when this Idempotency-Key was already used with the same content: nothing new was "
    "stored and this is the original answer."
)


class BatchPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    deployment_id: int
    at: datetime
    hour_start: datetime
    rows: int
    received_by: str
    received_at: datetime


class BatchAccepted(BatchPublic):
    replayed: bool = Field(default=False, description=REPLAYED)


class BatchPage(BaseModel):
    items: list[BatchPublic]
    total: int
    page: int
    per_page: int


class LabelsAccepted(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    deployment_id: int
    labels: int
    received_by: str
    received_at: datetime
    replayed: bool = Field(default=False, description=REPLAYED)


class KpiValuePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kpi_id: int
    at: datetime
    value: float
    reported_by: str
    received_at: datetime


class KpiValueAccepted(KpiValuePublic):
    replayed: bool = Field(default=False, description=REPLAYED)


class KpiValuePage(BaseModel):
    items: list[KpiValuePublic]
    total: int
    page: int
    per_page: int


Accepted = TypeVar("Accepted", BatchAccepted, LabelsAccepted, KpiValueAccepted)


def accepted(schema: type[Accepted], row: object, *, replayed: bool) -> Accepted:
    """The answer to a write: the stored row, and whether this request only replayed it."""
    return schema.model_validate(row).model_copy(update={"replayed": replayed})


# --- windows and their evaluation ------------------------------------------------------------
# The stored shape of a window's evaluation (`MonitorWindow.evaluation`) and the window API. The
# evaluator builds a `WindowEvaluation` and stores `model_dump(mode="json")`; the API and the
# pages read the same models back, so the JSON on the row and the JSON served never drift apart.
# Non-finite numbers are stored as null (PostgreSQL's JSON has no Infinity or NaN).


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
