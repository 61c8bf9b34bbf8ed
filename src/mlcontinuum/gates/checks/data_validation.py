"""The evaluation data against the version's reference profile: the profile engine's data
checks (columns added, removed or of another kind, missing rates, ranges, unseen categories,
row count)."""

from __future__ import annotations

from pydantic import Field, field_validator

from mlcontinuum.gates.context import GateContext
from mlcontinuum.gates.enums import GateStatus
from mlcontinuum.gates.registry import Gate, GateParams, Outcome, register
from mlcontinuum.profiles.checks import data_checks, run_checks

NO_REFERENCE = "no reference profile: upload the training data's profile with the version"


class Params(GateParams):
    thresholds: dict[str, float] = Field(
        default_factory=dict, description="Per data check name; defaults are the engine's."
    )

    @field_validator("thresholds")
    @classmethod
    def _known(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(data_checks))
        if unknown:
            raise ValueError(
                f"unknown data check(s) {', '.join(unknown)}; valid: {', '.join(data_checks)}"
            )
        return value


def check(params: Params, context: GateContext) -> Outcome:
    if context.reference is None:
        return Outcome(GateStatus.NOT_RUN, NO_REFERENCE)
    results = run_checks(context.reference, context.current_profile(), thresholds=params.thresholds)
    failed = [r for r in results if not r.passed]
    details = {
        "checks": [
            {
                "check": r.name,
                "type": r.type_key,
                "passed": r.passed,
                "threshold": r.threshold,
                "message": r.message,
                "details": list(r.details),
            }
            for r in results
        ]
    }
    thresholds = {r.name: r.threshold for r in results}
    measured: dict[str, float | None] = {"failed_checks": float(len(failed))}
    if failed:
        message = "; ".join(f"{r.name}: {r.message}" for r in failed)
        return Outcome(GateStatus.FAILED, message, measured, thresholds, details)
    return Outcome(
        GateStatus.PASSED, f"{len(results)} data checks passed", measured, thresholds, details
    )


register(
    Gate(
        name="data_validation",
        params=Params,
        fn=check,
        description="profile engine data checks of the evaluation data vs the reference profile",
    )
)
