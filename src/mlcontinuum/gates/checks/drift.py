"""Drift of the evaluation data from the training data, by the profile engine's methods on the
version's reference profile. Each method's verdict already allows for sketch noise."""

from __future__ import annotations

from pydantic import Field, field_validator

from mlcontinuum.gates.checks.data_validation import NO_REFERENCE
from mlcontinuum.gates.context import GateContext
from mlcontinuum.gates.enums import GateStatus
from mlcontinuum.gates.registry import Gate, GateParams, Outcome, register
from mlcontinuum.profiles import compare, drift_methods


class Params(GateParams):
    methods: list[str] | None = Field(default=None, description="Default: every method.")
    thresholds: dict[str, float] = Field(default_factory=dict, description="Per method name.")
    max_drifted_columns: int = Field(
        default=0, ge=0, description="How many columns may drift before the gate fails."
    )
    ignore_columns: list[str] = Field(
        default_factory=list, description="Columns not compared, e.g. ids or timestamps."
    )

    @field_validator("methods", "thresholds")
    @classmethod
    def _known(
        cls, value: list[str] | dict[str, float] | None
    ) -> list[str] | dict[str, float] | None:
        unknown = sorted(set(value or ()) - set(drift_methods))
        if unknown:
            raise ValueError(
                f"unknown drift method(s) {', '.join(unknown)}; valid: {', '.join(drift_methods)}"
            )
        return value


def check(params: Params, context: GateContext) -> Outcome:
    if context.reference is None:
        return Outcome(GateStatus.NOT_RUN, NO_REFERENCE)
    report = compare(
        context.reference,
        context.current_profile(),
        methods=params.methods,
        thresholds=params.thresholds,
    )
    ignored = set(params.ignore_columns)
    columns = [c for c in report.columns if c.column not in ignored]
    drifted = [c.column for c in columns if c.drifted]
    details = report.to_dict() | {"ignored": sorted(ignored)}
    measured: dict[str, float | None] = {
        "drifted_columns": float(len(drifted)),
        "compared_columns": float(sum(1 for c in columns if not c.skipped)),
    }
    thresholds = {"max_drifted_columns": float(params.max_drifted_columns)}
    if len(drifted) > params.max_drifted_columns:
        message = f"{len(drifted)} column(s) drifted: {', '.join(drifted[:10])}"
        return Outcome(GateStatus.FAILED, message, measured, thresholds, details)
    return Outcome(
        GateStatus.PASSED,
        f"{len(drifted)} of {len(columns)} column(s) drifted (at most "
        f"{params.max_drifted_columns} allowed)",
        measured,
        thresholds,
        details,
    )


register(
    Gate(
        name="drift",
        params=Params,
        fn=check,
        description="drift of the evaluation data from the training data's reference profile",
    )
)
