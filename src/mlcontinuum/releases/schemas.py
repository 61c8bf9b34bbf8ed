"""API shapes of releases, approvals, the release policy and its check, deployments and DORA
figures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator

from mlcontinuum.data.schemas import DataSourcePublic
from mlcontinuum.gates.schemas import GateName, GateRunPublic
from mlcontinuum.kernel.strict import Strict
from mlcontinuum.registry.schemas import ModelName, VersionRef
from mlcontinuum.releases.enums import Condition, Environment, ReleaseStatus, Side, Strategy

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
    override_reason: Reason | None = Field(
        default=None,
        description="Owners only: request a version that breaks the release policy anyway, "
        "saying why. The override is recorded as a policy exception.",
    )

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


class Override(Strict):
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


# An approval count above this is a typo, not a policy.
MAX_APPROVALS = 10


class ReleasePolicyUpdate(Strict):
    """A change to an environment's release policy: the fields sent replace the stored ones."""

    required_gates: list[GateName] | None = Field(
        default=None,
        max_length=50,
        description="Gates that must have passed on the version's latest gate run. null: every "
        "gate that run marks required; []: no gate condition.",
    )
    ml_team_approvals: int = Field(default=1, ge=0, le=MAX_APPROVALS)
    customer_approvals: int = Field(default=1, ge=0, le=MAX_APPROVALS)
    block_unsafe_artifact: bool = Field(
        default=True, description="The version's artifact must be uploaded and scanned safe."
    )
    block_noncompliant_data: bool = Field(
        default=True,
        description="Every data source of the version's lineage (without one: of the register) "
        "must be compliant.",
    )


class ReleasePolicyPublic(BaseModel):
    environment: Environment
    required_gates: list[str] | None
    ml_team_approvals: int
    customer_approvals: int
    block_unsafe_artifact: bool
    block_noncompliant_data: bool
    default: bool = Field(description="Nobody has changed it: the default policy.")
    updated_by: str | None
    updated_at: datetime | None

    @property
    def approvals(self) -> dict[Side, int]:
        """The approvals each side must give (sides that need none left out)."""
        needs = {Side.ML_TEAM: self.ml_team_approvals, Side.CUSTOMER: self.customer_approvals}
        return {side: need for side, need in needs.items() if need}


class PolicyCondition(BaseModel):
    condition: Condition
    met: bool
    message: str = Field(description='e.g. "gate:fairness failed on gate run 12".')


class PolicyOverride(BaseModel):
    by: str
    at: datetime
    reason: str
    unmet: list[str] = Field(description="The conditions it waived, as they stood then.")


class PolicyCheck(BaseModel):
    """A release (or a version about to be requested) against its environment's policy."""

    environment: Environment
    policy: ReleasePolicyPublic
    conditions: list[PolicyCondition]
    ready: bool = Field(
        description="Gates, artifact and data hold (or an owner overrode them): approvals count."
    )
    unmet: list[str] = Field(description="Every condition not met, approvals included.")
    override: PolicyOverride | None = None

    @property
    def blockers(self) -> list[PolicyCondition]:
        """The unmet conditions that stop a request or an approval (none once overridden)."""
        if self.override is not None:
            return []
        return [c for c in self.conditions if c.condition.blocking and not c.met]


class PolicyException(BaseModel):
    """A release an owner let through although it broke its policy."""

    release_id: int
    model_name: str
    version: int
    environment: Environment
    status: ReleaseStatus
    overridden_by: str
    overridden_at: datetime
    reason: str
    unmet: list[str]
    deployment_id: int | None = Field(description="Its deployment, once approved.")


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
    override: PolicyOverride | None = Field(
        description="An owner's override of the policy for this release, if any."
    )
    deployment_id: int | None
    evidence: Evidence | None = Field(
        default=None, description="Assembled when one release is read, not in lists."
    )
    check: PolicyCheck | None = Field(
        default=None,
        description="The release against its policy, assembled when one release is read.",
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
