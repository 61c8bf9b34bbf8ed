"""API shapes of the charter slice: `XCreate`, `XUpdate`, `XPublic` per entity, and the
`CharterDocument` that is both a charter version's snapshot and the YAML file format."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from mlcontinuum.charter.enums import Direction, Frequency, KpiKind
from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.lifecycle import CrispDmPhase, Stage
from mlcontinuum.kernel.strict import Strict

TEXT_LIMIT = 20_000

Slug = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=TEXT_LIMIT)]
Number = Annotated[float, Field(allow_inf_nan=False)]
KpiName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
Contact = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
AccountName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]


# --- projects --------------------------------------------------------------------------------


class ProjectCreate(Strict):
    slug: Slug = Field(description="Short unique name used in URLs: lower-case letters, digits, -.")
    name: Name
    customer: ShortText = ""
    description: LongText = ""
    stage: Stage = Stage.SCOPE
    crisp_dm_phase: CrispDmPhase = CrispDmPhase.BUSINESS_UNDERSTANDING


class ProjectUpdate(Strict):
    name: Name | None = None
    customer: ShortText | None = None
    description: LongText | None = None
    stage: Stage | None = None
    crisp_dm_phase: CrispDmPhase | None = None


class ProjectPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    customer: str
    description: str
    stage: Stage
    crisp_dm_phase: CrispDmPhase
    created_at: datetime
    updated_at: datetime
    your_role: Role | None = Field(default=None, description="The caller's role in the project.")


class ProjectPage(BaseModel):
    items: list[ProjectPublic]
    total: int
    page: int
    per_page: int


# --- charter text ----------------------------------------------------------------------------

CHARTER_FIELDS = (
    "problem_statement",
    "in_scope",
    "out_of_scope",
    "minimal_viable_product",
    "success_criteria",
    "risks",
    "assumptions",
)


class CharterText(Strict):
    problem_statement: LongText = ""
    in_scope: LongText = ""
    out_of_scope: LongText = ""
    minimal_viable_product: LongText = ""
    success_criteria: LongText = ""
    risks: LongText = ""
    assumptions: LongText = ""


class CharterUpdate(Strict):
    """Only the fields given change; the rest keep their current text."""

    problem_statement: LongText | None = None
    in_scope: LongText | None = None
    out_of_scope: LongText | None = None
    minimal_viable_product: LongText | None = None
    success_criteria: LongText | None = None
    risks: LongText | None = None
    assumptions: LongText | None = None


class CharterPublic(CharterText):
    version: int
    updated_at: datetime
    updated_by: str


# --- KPIs ------------------------------------------------------------------------------------


class KpiFields(Strict):
    name: KpiName
    kind: KpiKind
    unit: Unit = ""
    direction: Direction
    baseline: Number
    target: Number
    alert_threshold: Number = Field(
        description="Value past which the KPI alerts: below it for higher-is-better KPIs, "
        "above it for lower-is-better ones."
    )
    measurement: LongText = Field(default="", description="How the KPI is measured.")
    frequency: Frequency = Field(description="How often the KPI is measured.")

    @field_validator("alert_threshold")
    @classmethod
    def _threshold_on_the_bad_side(cls, value: float, info: ValidationInfo) -> float:
        if "direction" in info.data and "target" in info.data:
            check_threshold(info.data["direction"], info.data["target"], value)
        return value


def check_threshold(direction: Direction, target: float, alert_threshold: float) -> None:
    if direction is Direction.HIGHER_IS_BETTER and alert_threshold > target:
        raise ValueError(
            "alert_threshold must not be above the target of a higher-is-better KPI "
            "(it alerts when the KPI falls below the threshold)"
        )
    if direction is Direction.LOWER_IS_BETTER and alert_threshold < target:
        raise ValueError(
            "alert_threshold must not be below the target of a lower-is-better KPI "
            "(it alerts when the KPI rises above the threshold)"
        )


class KpiCreate(KpiFields):
    pass


class KpiUpdate(Strict):
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
        | None
    ) = None
    kind: KpiKind | None = None
    unit: Unit | None = None
    direction: Direction | None = None
    baseline: Number | None = None
    target: Number | None = None
    alert_threshold: Number | None = None
    measurement: LongText | None = None
    frequency: Frequency | None = None


class KpiPublic(KpiFields):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int
    expected_lift: float = Field(
        description="Target minus baseline, signed so that positive is "
        "an improvement in the KPI's direction. Derived."
    )
    expected_lift_percent: float | None = Field(
        description="Expected lift relative to the baseline, in percent; none when the "
        "baseline is zero. Derived."
    )


def expected_lift(
    direction: Direction, baseline: float, target: float
) -> tuple[float, float | None]:
    lift = target - baseline if direction is Direction.HIGHER_IS_BETTER else baseline - target
    percent = None if baseline == 0 else round(lift / abs(baseline) * 100.0, 9)
    # Rounding hides binary noise (0.85 - 0.7 = 0.15000000000000002) that people would see.
    return round(lift, 12), percent


# --- stakeholders ----------------------------------------------------------------------------


class StakeholderFields(Strict):
    name: Name
    organisation: Name
    role: ShortText = Field(default="", description="Their role in the project.")
    contact: Contact = ""
    username: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = (
        Field(
            default=None,
            description="Account of a stakeholder who uses Continuum. Linking an account that is "
            "not yet a member invites it to the project with the stakeholder role.",
        )
    )


class StakeholderCreate(StakeholderFields):
    pass


class StakeholderUpdate(Strict):
    name: Name | None = None
    organisation: Name | None = None
    role: ShortText | None = None
    contact: Contact | None = None
    username: AccountName | None = None


class StakeholderPublic(StakeholderFields):
    model_config = ConfigDict(extra="ignore")

    id: int
    is_user: bool = Field(description="Linked to an account, not only listed.")


# --- versions and the charter document -------------------------------------------------------


class ProjectFields(Strict):
    name: Name
    customer: ShortText = ""
    description: LongText = ""
    stage: Stage = Stage.SCOPE
    crisp_dm_phase: CrispDmPhase = CrispDmPhase.BUSINESS_UNDERSTANDING


class CharterDocument(Strict):
    """The charter as a file in the ML repository (and the body of a version's snapshot)."""

    continuum: Literal["charter/v1"] = "charter/v1"
    project: ProjectFields
    charter: CharterText
    kpis: list[KpiFields] = Field(default_factory=list, max_length=200)
    stakeholders: list[StakeholderFields] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        kpi_names = [k.name for k in self.kpis]
        if len(set(kpi_names)) != len(kpi_names):
            raise ValueError("two KPIs have the same name; KPI names must be unique")
        people = [(s.name, s.organisation) for s in self.stakeholders]
        if len(set(people)) != len(people):
            raise ValueError("a stakeholder is listed twice (same name and organisation)")
        return self


class VersionSnapshot(Strict):
    charter: CharterText
    kpis: list[KpiFields]
    stakeholders: list[StakeholderFields]


class CharterVersionPublic(BaseModel):
    version: int
    change: str
    author: str
    created_at: datetime


class FieldChange(BaseModel):
    """One changed value between two versions; text fields carry a line diff."""

    path: str
    before: str | float | None
    after: str | float | None
    diff: list[str] = Field(default_factory=list)


class CharterDiff(BaseModel):
    from_version: int
    to_version: int
    changes: list[FieldChange]
