"""API shapes of releases, approvals, deployments and DORA figures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator

from mlcontinuum.data.schemas import DataSourcePublic
from mlcontinuum.gates.schemas import GateRunPublic
from mlcontinuum.kernel.strict import Strict
from mlcontinuum.registry.schemas import ModelName, VersionRef
from mlcontinuum.releases.enums import Environment, ReleaseStatus, Side, Strategy

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5_000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5_000)]


class ReleaseCreate(Strict):
    model_name: ModelName
    version: int = Field(ge=1)
    environment: Environment
    strategy: Strategy = Strategy.FULL
    traffic_share: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        validate_default=True,
        description="Share of traffic a canary serves; canary only.",
    )
    notes: Note = ""

    # On the field (checked even when it is left out), so the refusal names it, for the API's
    # callers and next to the form's field alike.
    @field_validator("traffic_share", mode="after")
    @classmethod
    def _share_only_for_canary(cls, value: float | None, info: ValidationInfo) -> float | None:
        strategy = info.data.get("strategy")
        if strategy is Strategy.CANARY and value is None:
            raise ValueError("a canary release needs a traffic share between 0 and 1")
        if strategy is not None and strategy is not Strategy.CANARY and value is not None:
            raise ValueError(f"a traffic share is for canary releases, not {strategy.value}")
        return value


class ApprovalCreate(Strict):
    comment: Note = ""


class Rejection(Strict):
    reason: Reason


class Rollback(Strict):
    reason: Reason


class ApprovalPublic(BaseModel):
    username: str
    side: Side
    comment: str
    approved_at: datetime


class PolicyState(BaseModel):
    """Approvals each side still needs; the request is approved when every count is zero."""

    required: dict[Side, int]
    missing: dict[Side, int]


class Evidence(BaseModel):
    gate_run: GateRunPublic | None = Field(description="The version's latest gate run, if any.")
    model_card: str = Field(description="The model card, in Markdown.")
    data_sources: list[DataSourcePublic] = Field(
        description="The data sources behind the version, with today's compliance violations."
    )


class ReleasePublic(BaseModel):
    id: int
    model_name: str
    version: int
    environment: Environment
    strategy: Strategy
    traffic_share: float | None
    notes: str
    status: ReleaseStatus
    requested_by: str
    requested_at: datetime
    decided_at: datetime | None
    rejected_by: str | None
    rejection_reason: str | None
    approvals: list[ApprovalPublic]
    policy: PolicyState
    deployment_id: int | None
    evidence: Evidence | None = Field(
        default=None, description="Assembled when one release is read, not in lists."
    )


class ReleasePage(BaseModel):
    items: list[ReleasePublic]
    total: int
    page: int
    per_page: int


class DeploymentPublic(BaseModel):
    id: int
    model_name: str
    version: int
    environment: Environment
    strategy: Strategy
    traffic_share: float | None
    release_id: int | None
    requested_by: str
    approved_by: list[str]
    deployed_at: datetime
    rollback: bool
    rollback_of: int | None
    reason: str
    failed: bool


class CurrentDeployment(BaseModel):
    deployment: DeploymentPublic = Field(description="The latest deployment of the model here.")
    beside: DeploymentPublic | None = Field(
        description="For a canary or shadow: the full deployment it runs beside."
    )
    rollback_to: int | None = Field(
        description="The version a rollback would restore; None when there is none."
    )


class DeployedVersion(BaseModel):
    """A deployment with the version it runs, as the slices above read it (monitoring compares
    its traffic with the version's reference profile; change control acts on the version)."""

    deployment: DeploymentPublic
    version: VersionRef


class DeploymentPage(BaseModel):
    items: list[DeploymentPublic]
    total: int
    page: int
    per_page: int


class DoraFigures(BaseModel):
    environment: Environment
    days: int
    since: datetime
    deployments: int = Field(description="Releases deployed in the window (rollbacks apart).")
    rollbacks: int
    deployment_frequency_per_week: float
    lead_time_median_seconds: float | None = Field(
        description="Median, first run start of the version to its deployment."
    )
    change_failure_rate: float | None = Field(
        description="Share of the window's releases later rolled back."
    )
    time_to_restore_median_seconds: float | None = Field(
        description="Median, failed deployment to the rollback that replaced it."
    )
