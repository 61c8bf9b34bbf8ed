"""API shapes of change control: change requests with typed evidence, decisions, approvals,
follow-ups, and plan notes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from mlcontinuum.changes.enums import ChangeOption, ChangeStatus
from mlcontinuum.kernel.strict import Strict
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.releases.schemas import ApprovalPublic, PolicyState

MAX_EVIDENCE = 50
TEXT_LIMIT = 5_000

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
NoteText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_LIMIT)
]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT_LIMIT)]
Rationale = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_LIMIT)
]
MetricName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Finite = Annotated[float, Field(allow_inf_nan=False)]


# --- evidence ----------------------------------------------------------------------------------


class WindowRef(Strict):
    """A monitoring window of this project (hour or day, of a deployment or of the KPIs)."""

    kind: Literal["window"]
    window_id: int = Field(ge=1)


class MetricEvidence(Strict):
    """A measured value, optionally against its threshold and in a window."""

    kind: Literal["metric"]
    name: MetricName
    value: Finite
    threshold: Finite | None = None
    window_start: AwareDatetime | None = None


class ChartEvidence(Strict):
    """A link to a deployment's charts on its page, at a window granularity."""

    kind: Literal["chart"]
    deployment_id: int = Field(ge=1)
    granularity: Granularity = Granularity.DAY


class NoteEvidence(Strict):
    kind: Literal["note"]
    text: NoteText


class WindowEvidence(BaseModel):
    """A window as stored on the change request: the reference and what it covers."""

    kind: Literal["window"]
    window_id: int
    deployment_id: int | None = Field(description="Null for the project's KPI windows.")
    granularity: Granularity
    start: datetime


EvidenceIn = Annotated[
    WindowRef | MetricEvidence | ChartEvidence | NoteEvidence, Field(discriminator="kind")
]
EvidenceItem = Annotated[
    WindowEvidence | MetricEvidence | ChartEvidence | NoteEvidence, Field(discriminator="kind")
]


# --- inputs ------------------------------------------------------------------------------------


class ChangeCreate(Strict):
    """Opened by a person (title and options required) or from an alert (`alert_id`: the title,
    the deployment and the evidence come from the alert; evidence given here is added)."""

    alert_id: int | None = Field(default=None, ge=1, description="Open the request from an alert.")
    title: Title | None = Field(default=None, description="Default from an alert: its title.")
    what_changed: Text = ""
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=MAX_EVIDENCE)
    options: list[ChangeOption] | None = Field(
        default=None,
        min_length=1,
        description="The options considered. Default from an alert: all four.",
    )
    deployment_id: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _person_or_alert(self) -> Self:
        if self.alert_id is None and self.title is None:
            raise ValueError("a change request needs a title (or an alert_id to take it from)")
        if self.alert_id is None and self.options is None:
            raise ValueError(
                "name the options considered: one or more of "
                + ", ".join(option.value for option in ChangeOption)
            )
        if self.options is not None and len(set(self.options)) != len(self.options):
            raise ValueError("options must not repeat")
        return self


class DecisionCreate(Strict):
    option: ChangeOption
    rationale: Rationale
    version: int | None = Field(
        default=None,
        ge=1,
        validate_default=True,
        description="Redeploy only: the version of the deployment's model.",
    )

    # On the field (checked even when it is left out), so the refusal names it.
    @field_validator("version", mode="after")
    @classmethod
    def _version_for_redeploy(cls, value: int | None, info: ValidationInfo) -> int | None:
        option = info.data.get("option")
        if option is ChangeOption.REDEPLOY and value is None:
            raise ValueError("a redeploy needs the version to release")
        if option is not None and option is not ChangeOption.REDEPLOY and value is not None:
            raise ValueError(f"a version is for redeploy decisions, not {option.value}")
        return value


class ChangeApprovalCreate(Strict):
    comment: Comment = ""


class Withdrawal(Strict):
    reason: Comment = ""


# --- outputs -----------------------------------------------------------------------------------


class FollowUp(BaseModel):
    """What a decision created: a retrain trigger (the `retrain.requested` event), a release
    request, or a plan note; `event_seq` is the event recording it in the project's trail."""

    kind: Literal["retrain", "release", "plan_note"]
    id: int = Field(description="Event id, release request id or plan note id.")
    event_seq: int


class ChangePublic(BaseModel):
    id: int
    title: str
    what_changed: str
    alert_id: int | None
    deployment_id: int | None
    evidence: list[EvidenceItem]
    options: list[ChangeOption]
    status: ChangeStatus
    opened_by: str
    opened_at: datetime
    decision: ChangeOption | None
    rationale: str
    version: int | None = Field(
        description="The version the follow-up releases: chosen (redeploy) or restored (roll back)."
    )
    proposed_by: str | None
    proposed_at: datetime | None
    decided_at: datetime | None
    approvals: list[ApprovalPublic]
    approvers: list[str]
    policy: PolicyState
    follow_up: FollowUp | None


class ChangePage(BaseModel):
    items: list[ChangePublic]
    total: int
    page: int
    per_page: int


class PlanNotePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    change_id: int | None
    text: str
    created_by: str
    created_at: datetime


class PlanNotePage(BaseModel):
    items: list[PlanNotePublic]
    total: int
    page: int
    per_page: int


class ChangeRef(BaseModel):
    """A change request as a link: its id and where it stands."""

    id: int
    status: ChangeStatus
