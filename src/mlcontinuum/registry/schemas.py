"""API shapes and read models of the registry: runs (limits documented in
docs/runs-and-models.md and enforced here), model versions, and what the slices above refer to
(`VersionRef`, the safety scan's `ScanReport`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    field_validator,
)

from mlcontinuum.kernel.strict import Strict
from mlcontinuum.registry.enums import RunStatus, ScanVerdict, VersionStatus

MAX_BATCH_METRICS = 1_000
MAX_BATCH_PARAMS = 200
MAX_BATCH_TAGS = 100
MAX_PARAMS_PER_RUN = 10_000
MAX_PARAM_VALUE = 6_000
MAX_COMPARED_RUNS = 5


def _no_path_tricks(key: str) -> str:
    """Keys are never used as paths, but one that looks like a traversal is refused anyway."""
    if key.startswith("/") or any(part in (".", "..", "") for part in key.split("/")):
        raise ValueError("a key may not start with /, hold an empty segment, or . or .. segments")
    return key


# Keys like MLflow's: letters, digits and _ - . / space; no control characters, no traversal.
Key = Annotated[
    str,
    StringConstraints(min_length=1, max_length=250, pattern=r"^[A-Za-z0-9_\-./ ]+$"),
    AfterValidator(_no_path_tricks),
]
ParamValue = Annotated[str, StringConstraints(max_length=MAX_PARAM_VALUE)]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Scalar = str | int | float | bool


class MetricPoint(Strict):
    key: Key
    value: float = Field(description="NaN and ±Infinity are kept and shown as such.")
    step: int = Field(default=0, ge=0, le=2**31 - 1)
    at: datetime | None = Field(default=None, description="When it was measured; default: now.")


class RunCreate(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    hypothesis: Annotated[str, StringConstraints(max_length=5_000)] = Field(
        default="", description="What this run is expected to show."
    )
    kpi: Annotated[str, StringConstraints(max_length=120)] | None = Field(
        default=None, description="Name of the charter KPI the hypothesis is about."
    )
    git_commit: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{7,64}$")] | None = None
    git_dirty: bool | None = Field(default=None, description="Uncommitted changes at start.")
    data_sources: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=list, max_length=100, description="Names in the project's register."
    )
    params: dict[Key, Scalar] = Field(default_factory=dict, max_length=MAX_BATCH_PARAMS)
    tags: dict[Key, Scalar] = Field(default_factory=dict, max_length=MAX_BATCH_TAGS)
    external_id: ExternalId | None = Field(
        default=None,
        description="Id in the system the run comes from; starting a run with an id the project "
        "already has returns that run instead of a new one (imports are idempotent).",
    )

    @field_validator("params", "tags")
    @classmethod
    def _values_fit(cls, values: dict[str, Scalar]) -> dict[str, Scalar]:
        return _check_values(values)


def _check_values(values: dict[str, Scalar]) -> dict[str, Scalar]:
    for key, value in values.items():
        if len(str(value)) > MAX_PARAM_VALUE:
            raise ValueError(f"value of '{key}' is longer than {MAX_PARAM_VALUE} characters")
    return values


class RunLog(Strict):
    """One batch from a client: parameters, tags and metric points logged together."""

    params: dict[Key, Scalar] = Field(default_factory=dict, max_length=MAX_BATCH_PARAMS)
    tags: dict[Key, Scalar] = Field(default_factory=dict, max_length=MAX_BATCH_TAGS)
    metrics: list[MetricPoint] = Field(default_factory=list, max_length=MAX_BATCH_METRICS)

    @field_validator("params", "tags")
    @classmethod
    def _values_fit(cls, values: dict[str, Scalar]) -> dict[str, Scalar]:
        return _check_values(values)


class RunUpdate(Strict):
    status: RunStatus | None = None
    compute_cost: float | None = Field(
        default=None, ge=0, allow_inf_nan=False, description="What the run's compute cost."
    )
    hypothesis: Annotated[str, StringConstraints(max_length=5_000)] | None = None


class MetricValue(BaseModel):
    step: int
    value: float | None = Field(description="None when the value is NaN or infinite.")
    display: str = Field(description="The value as text: a number, NaN, Infinity or -Infinity.")
    at: datetime | None = None


def display(value: float | None, non_finite: str | None) -> str:
    if non_finite is not None:
        return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[non_finite]
    return "" if value is None else f"{value:.6g}"


def split(value: float) -> tuple[float | None, str | None]:
    """A float as (finite value or None, non-finite marker or None)."""
    if math.isnan(value):
        return None, "nan"
    if math.isinf(value):
        return None, "inf" if value > 0 else "-inf"
    return value, None


class RunPublic(BaseModel):
    number: int
    external_id: str | None = None
    name: str
    status: RunStatus
    hypothesis: str
    kpi: str | None
    git_commit: str
    git_dirty: bool | None
    compute_cost: float | None
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: float | None = Field(description="Derived: end minus start.")
    created_by: str
    data_sources: list[str]
    params: dict[str, str]
    tags: dict[str, str]
    metrics: dict[str, MetricValue] = Field(description="The last point of each series.")
    reference_profile: dict[str, int | list[str]] | None = Field(
        default=None, description="Rows and columns of the training data's profile, if sent."
    )


class RunRow(BaseModel):
    """A run in a table: the chosen columns only."""

    number: int
    name: str
    status: RunStatus
    kpi: str | None
    started_at: datetime
    duration_seconds: float | None
    compute_cost: float | None
    params: dict[str, str]
    metrics: dict[str, MetricValue]


class RunPage(BaseModel):
    items: list[RunRow]
    total: int
    page: int
    per_page: int
    sort: str
    columns: list[str] = Field(description="The params.KEY and metrics.KEY columns filled in.")
    param_keys: list[str] = Field(description="Every parameter key in the project, to choose from.")
    metric_keys: list[str] = Field(description="Every metric key in the project, to choose from.")


class LogResult(BaseModel):
    params: int
    tags: int
    metrics: int


class RunComparison(BaseModel):
    runs: list[RunPublic]
    differing_params: list[str] = Field(description="Parameters whose values differ between runs.")
    metric_keys: list[str]


# --- model versions ----------------------------------------------------------------------------

# Model names appear in URLs and files: lower-case letters, digits and _ . - only.
MODEL_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
MODEL_NAME_MAX = 100
ModelName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MODEL_NAME_MAX, pattern=MODEL_NAME_PATTERN),
]
LongText = Annotated[str, StringConstraints(max_length=10_000)]


class VersionCreate(Strict):
    description: LongText = ""
    intended_use: LongText = Field(default="", description="For the model card.")
    limitations: LongText = Field(default="", description="Known limitations, for the card.")
    runs: list[int] = Field(
        default_factory=list, max_length=50, description="Numbers of the runs it was built from."
    )
    parent_version: int | None = Field(default=None, ge=1, description="Version it retrains.")
    evaluation_metrics: dict[Key, Annotated[float, Field(allow_inf_nan=False)]] = Field(
        default_factory=dict,
        max_length=200,
        description="Finite numbers only: a model evaluated to NaN is not a candidate.",
    )
    external_id: ExternalId | None = Field(
        default=None,
        description="Id in the system the version comes from; registering one the project "
        "already has returns it instead of a new version (imports are idempotent).",
    )


class VersionUpdate(Strict):
    status: VersionStatus


class ArtifactPublic(BaseModel):
    sha256: str
    size: int
    filename: str
    format: str
    scan_verdict: ScanVerdict
    scan_findings: list[str]


class VersionPublic(BaseModel):
    model_name: str
    version: int
    external_id: str | None = None
    status: VersionStatus
    description: str
    intended_use: str
    limitations: str
    evaluation_metrics: dict[str, float]
    runs: list[int]
    data_sources: list[str] = Field(description="Derived: the data sources of its runs.")
    parent_version: int | None
    artifact: ArtifactPublic | None
    reference_profile: dict[str, int | list[str]] | None = Field(
        description="Rows and columns of the reference profile, when uploaded."
    )
    created_by: str
    created_at: datetime


class ModelSummary(BaseModel):
    name: str
    versions: int
    latest: VersionPublic


class VersionRef(BaseModel):
    """A version as the slices above the registry refer to it (gates, releases, monitoring,
    changes): the id their tables hold, with its name, number and status."""

    id: int
    model_name: str
    version: int
    status: VersionStatus
    reference_profile_id: int | None = Field(description="Its stored reference profile, if any.")


@dataclass(frozen=True)
class ScanReport:
    """What the static safety scan of a model file found (`service.scan_artifact`)."""

    verdict: ScanVerdict
    format: str
    findings: list[str] = field(default_factory=list)
