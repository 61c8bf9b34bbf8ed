"""Parameters of the rules a project sets itself, per kind, validated with names in every error.

KPI rules need no row: every charter KPI with an alert threshold is one (see raising.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationError, field_validator

from mlcontinuum.alerts.enums import RuleKind
from mlcontinuum.kernel.errors import (
    FieldProblem,
    ValidationFailed,
    problems_from_validation,
    summarise,
)
from mlcontinuum.kernel.strict import Strict
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.queries import window_check_names

ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class DriftParams(Strict):
    """Fires when at least `min_drifted_features` of the watched columns drift in one window."""

    min_drifted_features: int = Field(default=1, ge=1, le=100_000)
    granularity: Granularity = Field(
        default=Granularity.DAY, description="Judge hour windows or day windows."
    )
    columns: list[ColumnName] = Field(
        default_factory=list, max_length=1_000, description="Columns to watch; empty: all."
    )


class QualityParams(Strict):
    """Fires when any of the named data checks fails in one window."""

    checks: list[str] = Field(
        default_factory=list, max_length=100, description="Checks to watch; empty: all."
    )
    granularity: Granularity = Field(
        default=Granularity.DAY, description="Judge hour windows or day windows."
    )

    @field_validator("checks")
    @classmethod
    def _known_checks(cls, value: list[str]) -> list[str]:
        known = window_check_names()
        unknown = [name for name in value if name not in known]
        if unknown:
            raise ValueError(
                f"unknown data check(s): {', '.join(unknown)}; known: {', '.join(known)}"
            )
        return list(dict.fromkeys(value))


Params = DriftParams | QualityParams
PARAMS: dict[RuleKind, type[DriftParams] | type[QualityParams]] = {
    RuleKind.DRIFT: DriftParams,
    RuleKind.DATA_QUALITY: QualityParams,
}


def parse(kind: RuleKind, raw: dict[str, Any]) -> Params:
    """Validated parameters of a `kind` rule, defaults filled in; 422 naming each bad field
    and, for unknown ones, the fields that exist."""
    model = PARAMS[kind]
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        problems = [
            FieldProblem(f"params.{p.field}", p.rule, _explain(p, model))
            for p in problems_from_validation(error.errors())
        ]
        raise ValidationFailed(
            f"invalid params for a {kind.value} rule: {summarise(problems)}", problems
        ) from error


def _explain(problem: FieldProblem, model: type[Params]) -> str:
    if problem.rule == "extra_forbidden":
        return f"unknown parameter; known: {', '.join(model.model_fields)}"
    return problem.message


def stored(params: Params) -> dict[str, Any]:
    return params.model_dump(mode="json")
