"""API shapes of the charter slice: `XCreate`, `XUpdate`, `XPublic` per entity, the one
judgement of a KPI's value against its levels, and the `CharterDocument` that is both a charter
version's snapshot and the YAML file format (parsed strictly: plain YAML only, no tags that
construct objects, no anchors or aliases, a size limit, unknown keys refused)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from mlcontinuum.charter.enums import Direction, Frequency, KpiJudgement, KpiKind
from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.errors import FieldProblem, ValidationFailed, validation_failed
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

    def judge(self, value: float) -> KpiJudgement:
        """This KPI's `value` against its target and alert threshold."""
        return judge_kpi(self.direction, value, target=self.target, threshold=self.alert_threshold)


def judge_kpi(
    direction: Direction, value: float, *, target: float, threshold: float
) -> KpiJudgement:
    """The one place that decides which side of a KPI's levels is bad: below them when higher is
    better, above them when lower is better. A value exactly at a level is not past it; a value
    that is not a number (NaN) meets nothing."""

    def short_of(level: float) -> bool:
        return value < level if direction is Direction.HIGHER_IS_BETTER else value > level

    if math.isnan(value) or short_of(threshold):
        return KpiJudgement.PAST_THRESHOLD
    if short_of(target):
        return KpiJudgement.BETWEEN_THRESHOLD_AND_TARGET
    return KpiJudgement.MEETS_TARGET


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
            description="Account of a stakeholder who uses Continuum, shown beside their name. "
            "It must already be a member of the project: linking never grants access.",
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


MAX_DOCUMENT_BYTES = 512 * 1024


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that also refuses aliases (no billion-laughs expansion)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.YAMLError(
                f"line {event.start_mark.line + 1}: anchors and aliases (*name) are not allowed "
                "in a charter file; write the value out"
            )
        return super().compose_node(parent, index)


class _BlockDumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and value == value.rstrip(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _represent_str)


class CharterDocument(Strict):
    """The charter as a file in the ML repository (and the body of a version's snapshot).

    Its YAML is deterministic (fixed key order, block style for multi-line text), so that
    export → import → export gives the same bytes."""

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

    def to_yaml(self) -> str:
        data = self.model_dump(mode="json")
        return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100)

    @classmethod
    def from_yaml(cls, text: str | bytes) -> CharterDocument:
        """Parse and validate a charter file; every problem is a ValidationFailed naming the
        field."""
        if len(text) > MAX_DOCUMENT_BYTES:
            raise ValidationFailed(
                f"the charter file is {len(text)} bytes; the limit is {MAX_DOCUMENT_BYTES}",
                [FieldProblem("(file)", "max_size", "split long text or trim the file")],
            )
        try:
            data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader
        except yaml.constructor.ConstructorError as err:
            raise ValidationFailed(
                f"the file uses a YAML tag Continuum refuses ({err.problem}); a charter file "
                "holds plain YAML only: strings, numbers, lists and mappings",
                [FieldProblem("(file)", "plain_yaml", str(err.problem))],
            ) from err
        except yaml.YAMLError as err:
            raise ValidationFailed(
                f"the file is not valid YAML: {err}",
                [FieldProblem("(file)", "yaml_syntax", str(err))],
            ) from err
        if not isinstance(data, dict):
            raise ValidationFailed(
                "a charter file is a mapping with keys continuum, project, charter, kpis, "
                "stakeholders",
                [FieldProblem("(file)", "mapping", "the top level must be a mapping")],
            )
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            raise validation_failed(
                err, "the charter file does not fit the charter/v1 schema: "
            ) from err


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
