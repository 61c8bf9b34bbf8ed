"""API shapes of the data register."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from mlcontinuum.data.enums import LawfulBasis, Severity, SourceKind, SpecialCategory
from mlcontinuum.kernel.strict import Strict

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=5_000)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class DataSourceFields(Strict):
    name: Name
    owner: Short = Field(default="", description="Who is responsible for the data.")
    location: Text = Field(
        default="", description="Where the data lives: a description or URI. Never fetched."
    )
    kind: SourceKind
    description: Text = ""
    personal_data: bool = Field(default=False, description="Whether it holds personal data.")
    personal_data_categories: list[Category] = Field(
        default_factory=list, max_length=50, description="E.g. contact details, billing history."
    )
    special_categories: list[SpecialCategory] = Field(
        default_factory=list, description="Special categories of personal data (GDPR Art. 9)."
    )
    lawful_basis: LawfulBasis | None = Field(
        default=None, description="Lawful basis for processing (GDPR Art. 6)."
    )
    retention_days: int | None = Field(
        default=None, ge=1, le=36_500, description="How long the data may be kept, in days."
    )
    retention_starts_on: date | None = Field(
        default=None, description="When the retention period started (e.g. the extract date)."
    )
    dpia_reference: Short = Field(
        default="", description="Reference of the data protection impact assessment."
    )
    access_approved_by: Short = ""
    access_approved_on: date | None = None

    @field_validator("personal_data_categories", "special_categories")
    @classmethod
    def _only_with_personal_data(cls, value: list[str], info: ValidationInfo) -> list[str]:
        # personal_data is declared before the category lists, so it is validated already.
        if value and not info.data.get("personal_data", False):
            raise ValueError(
                "categories are listed but personal_data is false; set personal_data to true "
                "or remove the categories"
            )
        if len(set(value)) != len(value):
            raise ValueError("a category is listed twice")
        return value


class DataSourceCreate(DataSourceFields):
    pass


class DataSourceUpdate(Strict):
    """Fields given replace the stored ones; the result must still be a consistent record."""

    name: Name | None = None
    owner: Short | None = None
    location: Text | None = None
    kind: SourceKind | None = None
    description: Text | None = None
    personal_data: bool | None = None
    personal_data_categories: list[Category] | None = Field(default=None, max_length=50)
    special_categories: list[SpecialCategory] | None = None
    lawful_basis: LawfulBasis | None = None
    retention_days: int | None = Field(default=None, ge=1, le=36_500)
    retention_starts_on: date | None = None
    dpia_reference: Short | None = None
    access_approved_by: Short | None = None
    access_approved_on: date | None = None


class Violation(BaseModel):
    rule: str = Field(description="Stable key of the rule, e.g. continuum:compliance:lawful_basis.")
    severity: Severity
    message: str


class DataSourcePublic(DataSourceFields):
    id: int
    retention_expires_on: date | None = Field(description="Derived: start plus retention.")
    violations: list[Violation]
    compliant: bool = Field(description="No violation of severity error.")


class ComplianceSummary(BaseModel):
    sources: int
    compliant: int
    errors: int
    warnings: int
    violations: dict[str, list[Violation]] = Field(description="Per data source name.")
