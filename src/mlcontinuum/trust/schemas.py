"""Read models of the trust slice: a model card, composed from the charter, the data register,
the registry, the latest gate run and the audit trail's policy exceptions. Nothing on it is
typed twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mlcontinuum.charter.enums import KpiJudgement
from mlcontinuum.charter.schemas import CharterPublic, KpiPublic
from mlcontinuum.data.schemas import DataSourcePublic
from mlcontinuum.gates.schemas import GateResultData, GateRunPublic
from mlcontinuum.registry.schemas import RunPublic, VersionPublic

# The card's words for each judgement (the card page colours its badges by them).
VERDICTS = {
    KpiJudgement.MEETS_TARGET: "meets target",
    KpiJudgement.BETWEEN_THRESHOLD_AND_TARGET: "between threshold and target",
    KpiJudgement.PAST_THRESHOLD: "below alert threshold",
}


@dataclass(frozen=True)
class KpiCheck:
    kpi: KpiPublic
    value: float | None  # the version's evaluation metric for an analytic KPI, if recorded

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "not evaluated"
        return VERDICTS[self.kpi.judge(self.value)]


@dataclass(frozen=True)
class PolicyExceptionNote:
    """A release of the version that an owner let through although it broke its policy."""

    release: int
    environment: str
    by: str
    at: datetime
    reason: str
    unmet: list[str]


@dataclass(frozen=True)
class ModelCard:
    project_name: str
    customer: str
    version: VersionPublic
    charter: CharterPublic
    kpis: list[KpiCheck]
    runs: list[RunPublic]
    sources: list[DataSourcePublic]
    gate_run: GateRunPublic | None = None  # the latest, which holds fairness and importance
    policy_exceptions: list[PolicyExceptionNote] = field(default_factory=list)  # oldest first

    def gate(self, name: str) -> GateResultData | None:
        if self.gate_run is None:
            return None
        return next((r for r in self.gate_run.results if r.gate == name), None)
