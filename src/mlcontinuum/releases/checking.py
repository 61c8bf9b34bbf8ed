"""A release against its environment's policy: which conditions hold and which do not, each in
a sentence that names it ("gate:fairness failed on gate run 12", "artifact scan: unsafe",
"data source 'crm': holds personal data but records no lawful basis", "approvals: customer 0
of 1").

`evaluate` is a pure function of what it is given; `Inputs.load` reads those once (a release's
page shows the same gate run and data sources as its evidence).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from mlcontinuum.data import service as data_service
from mlcontinuum.data.enums import Severity
from mlcontinuum.data.schemas import DataSourcePublic
from mlcontinuum.gates import queries as gates
from mlcontinuum.gates.enums import GateStatus, overall
from mlcontinuum.gates.schemas import GateRunPublic
from mlcontinuum.kernel.errors import Conflict, FieldProblem
from mlcontinuum.registry import queries as registry
from mlcontinuum.registry.enums import ScanVerdict
from mlcontinuum.registry.schemas import VersionPublic
from mlcontinuum.releases.enums import Condition, Side
from mlcontinuum.releases.schemas import (
    PolicyCheck,
    PolicyCondition,
    PolicyOverride,
    ReleasePolicyPublic,
)

SIDE_NAMES = {Side.ML_TEAM: "ML team", Side.CUSTOMER: "customer"}


@dataclass(frozen=True)
class Inputs:
    """What the policy looks at, read once: the version, its latest gate run, the register."""

    version: VersionPublic
    gate_run: GateRunPublic | None
    register: list[DataSourcePublic]  # every source of the project, with today's compliance

    @classmethod
    def load(cls, session: Session, project_id: int, name: str, number: int) -> Inputs:
        return cls(
            version=registry.get_version(session, project_id, name, number),
            gate_run=gates.latest_run(session, project_id, name, number),
            register=data_service.list_sources(session, project_id),
        )

    @property
    def lineage(self) -> list[DataSourcePublic]:
        """The sources the version was built from (through its runs)."""
        used = set(self.version.data_sources)
        return [s for s in self.register if s.name in used]


def _gates(policy: ReleasePolicyPublic, run: GateRunPublic | None) -> list[PolicyCondition]:
    if policy.required_gates == []:
        return []
    if run is None:
        return [
            PolicyCondition(
                condition=Condition.GATES,
                met=False,
                message="gates: no gate run for this version",
            )
        ]
    # A gates file may run one gate twice (two metric thresholds): the gate holds if both pass.
    statuses: dict[str, list[GateStatus]] = {}
    for result in run.results:
        if policy.required_gates is not None or result.required:
            statuses.setdefault(result.gate, []).append(result.status)
    names = statuses.keys() if policy.required_gates is None else policy.required_gates
    if not names:
        return [
            PolicyCondition(
                condition=Condition.GATES,
                met=False,
                message=f"gates: gate run {run.id} marks no gate required, so it proves nothing",
            )
        ]
    conditions = []
    for name in names:
        found = statuses.get(name)
        status = overall(found) if found else None
        said = status.label if status else "did not run"
        conditions.append(
            PolicyCondition(
                condition=Condition.GATES,
                met=status is GateStatus.PASSED,
                message=f"gate:{name} {said} on gate run {run.id}",
            )
        )
    return conditions


def _artifact(policy: ReleasePolicyPublic, version: VersionPublic) -> list[PolicyCondition]:
    if not policy.block_unsafe_artifact:
        return []
    artifact = version.artifact
    if artifact is None:
        return [
            PolicyCondition(
                condition=Condition.ARTIFACT,
                met=False,
                message="artifact scan: no artifact uploaded",
            )
        ]
    verdict = artifact.scan_verdict
    said = verdict.value.replace("_", " ")
    if verdict is ScanVerdict.NOT_SCANNED and artifact.scan_findings:
        said += f" ({artifact.scan_findings[0]})"
    return [
        PolicyCondition(
            condition=Condition.ARTIFACT,
            met=verdict is ScanVerdict.SAFE,
            message=f"artifact scan: {said}",
        )
    ]


def _data(policy: ReleasePolicyPublic, inputs: Inputs) -> list[PolicyCondition]:
    if not policy.block_noncompliant_data:
        return []
    sources = inputs.lineage or inputs.register
    if not sources:
        return [
            PolicyCondition(
                condition=Condition.DATA_SOURCES,
                met=True,
                message="data sources: none in the version's lineage or the register",
            )
        ]
    conditions = []
    for source in sources:
        errors = [v.message for v in source.violations if v.severity is Severity.ERROR]
        conditions.append(
            PolicyCondition(
                condition=Condition.DATA_SOURCES,
                met=source.compliant,
                message=f"data source '{source.name}': "
                + ("compliant" if source.compliant else "; ".join(errors)),
            )
        )
    return conditions


def _approvals(policy: ReleasePolicyPublic, sides: Iterable[Side]) -> list[PolicyCondition]:
    given = list(sides)
    return [
        PolicyCondition(
            condition=Condition.APPROVALS,
            met=given.count(side) >= need,
            message=f"approvals: {SIDE_NAMES[side]} {given.count(side)} of {need}",
        )
        for side, need in policy.approvals.items()
    ]


def evaluate(
    policy: ReleasePolicyPublic,
    inputs: Inputs,
    *,
    sides: Iterable[Side] = (),
    override: PolicyOverride | None = None,
) -> PolicyCheck:
    """The check of a version against `policy`, given the sides of the approvals so far."""
    conditions = [
        *_gates(policy, inputs.gate_run),
        *_artifact(policy, inputs.version),
        *_data(policy, inputs),
        *_approvals(policy, sides),
    ]
    blocking_met = all(c.met for c in conditions if c.condition.blocking)
    return PolicyCheck(
        environment=policy.environment,
        policy=policy,
        conditions=conditions,
        ready=blocking_met or override is not None,
        unmet=[c.message for c in conditions if not c.met],
        override=override,
    )


def refused(check: PolicyCheck, doing: str, *, approvals: bool) -> Conflict:
    """The refusal of a request or an approval that breaks the policy, naming every blocking
    condition not met and (when approving) the approvals still missing, one problem each."""
    unmet = [c for c in check.conditions if not c.met and (c.condition.blocking or approvals)]
    return Conflict(
        f"{doing} breaks the {check.environment.value} release policy: "
        f"{'; '.join(c.message for c in unmet)}. An owner may override the policy with a "
        "written reason.",
        [FieldProblem(c.condition.value, "policy", c.message) for c in unmet],
    )
