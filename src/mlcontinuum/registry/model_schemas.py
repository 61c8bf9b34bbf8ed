"""API shapes of model versions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from mlcontinuum.kernel.strict import Strict
from mlcontinuum.registry.enums import ScanVerdict, VersionStatus
from mlcontinuum.registry.schemas import ExternalId, Key

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
