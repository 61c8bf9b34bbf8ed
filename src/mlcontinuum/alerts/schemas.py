"""API shapes of alert rules and alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from mlcontinuum.alerts.enums import AlertSource, AlertStatus, RuleKind, Severity
from mlcontinuum.kernel.strict import Strict

RuleName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5_000)]

PARAMS_HELP = (
    'drift: {"min_drifted_features": 1, "granularity": "day", "columns": []} (empty columns: '
    'all); data_quality: {"checks": [], "granularity": "day"} (empty checks: all)'
)


class RuleCreate(Strict):
    kind: RuleKind
    name: RuleName
    severity: Severity = Severity.WARNING
    params: dict[str, Any] = Field(default_factory=dict, description=PARAMS_HELP)
    enabled: bool = True


class RuleUpdate(Strict):
    name: RuleName | None = None
    severity: Severity | None = None
    params: dict[str, Any] | None = Field(
        default=None, description="Replaces every parameter (missing ones get their default)."
    )
    enabled: bool | None = None


class RulePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: RuleKind
    name: str
    severity: Severity
    params: dict[str, Any]
    enabled: bool
    created_by: str
    created_at: datetime


class Resolution(Strict):
    resolution: Text = Field(default="", description="What was done about it.")


class AlertPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    deployment_id: int | None
    source: AlertSource
    rule_id: int | None
    kpi_id: int | None
    fingerprint: str = Field(description="Identity of the problem; recurrences share it.")
    severity: Severity
    status: AlertStatus
    title: str
    detail: dict[str, Any]
    window_id: int | None = Field(description="The window that last saw the problem.")
    first_seen_at: datetime
    last_seen_at: datetime
    occurrences: int = Field(description="Evaluations that found the problem while unresolved.")
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: str


class AlertPage(BaseModel):
    items: list[AlertPublic]
    total: int
    page: int
    per_page: int


class AlertCounts(BaseModel):
    """Unresolved alerts by severity."""

    critical: int = 0
    warning: int = 0
    info: int = 0

    @property
    def total(self) -> int:
        return self.critical + self.warning + self.info
