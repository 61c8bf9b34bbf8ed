"""Compliance: every data source behind the version (through its runs) passes the data
register's rules today, as the server evaluates them. Needs the server: offline it is not run."""

from __future__ import annotations

from mlcontinuum.gates.context import GateContext
from mlcontinuum.gates.enums import GateStatus
from mlcontinuum.gates.registry import Gate, GateParams, Outcome, register


class Params(GateParams):
    pass


def check(params: Params, context: GateContext) -> Outcome:
    if context.compliance is None:
        return Outcome(
            GateStatus.NOT_RUN, "the data register is on the server; offline it is not read"
        )
    sources = context.compliance
    if not sources:
        # No lineage means no evidence the data may be used: that is not a pass.
        return Outcome(
            GateStatus.FAILED,
            "no data source is recorded behind this version; link its runs to the register",
        )
    details = {
        "sources": [
            {
                "name": s.name,
                "compliant": s.compliant,
                "violations": [v.model_dump(mode="json") for v in s.violations],
            }
            for s in sources
        ]
    }
    bad = [s for s in sources if not s.compliant]
    measured: dict[str, float | None] = {
        "sources": float(len(sources)),
        "non_compliant_sources": float(len(bad)),
    }
    if bad:
        message = "; ".join(f"{s.name}: " + ", ".join(v.message for v in s.violations) for s in bad)
        return Outcome(GateStatus.FAILED, message, measured, {"non_compliant_sources": 0}, details)
    return Outcome(
        GateStatus.PASSED,
        f"{len(sources)} data source(s) pass the register's rules",
        measured,
        {"non_compliant_sources": 0},
        details,
    )


register(
    Gate(
        name="compliance",
        params=Params,
        fn=check,
        description="every data source behind the version passes the register's rules",
    )
)
