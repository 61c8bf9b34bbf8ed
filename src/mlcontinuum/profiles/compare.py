"""`compare`: run drift methods column by column on two profiles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mlcontinuum.profiles.drift import drift_methods
from mlcontinuum.profiles.errors import NotComparable, ProfileError
from mlcontinuum.profiles.model import ColumnKind, Profile

REPORT_TYPE_KEY = "continuum:drift-report:v1"
# Significance level of "changed": a method's p-value below it means the two sides differ by more
# than sampling noise and sketch error, whatever the size of the difference.
DEFAULT_ALPHA = 1e-3


class Status(StrEnum):
    """Verdict of a method or column, from strongest to weakest."""

    # The effect is material: value − noise floor ≥ threshold. This is an alarm.
    DRIFTED = "drifted"
    # Below the threshold, but real: a significance test says the sides differ. No alarm.
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class MethodOutcome:
    method: str
    type_key: str
    value: float
    threshold: float
    noise_floor: float
    p_value: float | None
    drifted: bool
    # p_value < alpha: the difference is beyond sampling noise and sketch error.
    significant: bool = False

    @property
    def status(self) -> Status:
        if self.drifted:
            return Status.DRIFTED
        return Status.CHANGED if self.significant else Status.UNCHANGED


@dataclass(frozen=True)
class ColumnDrift:
    """Outcomes for one column, or why it was not compared (`skipped`)."""

    column: str
    kind: ColumnKind
    outcomes: tuple[MethodOutcome, ...] = ()
    skipped: str | None = None

    @property
    def drifted(self) -> bool:
        return any(o.drifted for o in self.outcomes)

    @property
    def status(self) -> Status:
        """drifted if any method says so; else changed if any test is significant."""
        if self.drifted:
            return Status.DRIFTED
        if any(o.significant for o in self.outcomes):
            return Status.CHANGED
        return Status.UNCHANGED

    @property
    def changed(self) -> bool:
        """Changed but not material: reported, never an alarm."""
        return self.status is Status.CHANGED


@dataclass(frozen=True)
class DriftReport:
    columns: tuple[ColumnDrift, ...]
    alpha: float = DEFAULT_ALPHA

    @property
    def drifted(self) -> bool:
        return any(c.drifted for c in self.columns)

    @property
    def drifted_columns(self) -> list[str]:
        return [c.column for c in self.columns if c.drifted]

    @property
    def changed_columns(self) -> list[str]:
        return [c.column for c in self.columns if c.changed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": REPORT_TYPE_KEY,
            "drifted": self.drifted,
            "alpha": self.alpha,
            "drifted_columns": self.drifted_columns,
            "changed_columns": self.changed_columns,
            "columns": [
                {
                    "column": c.column,
                    "kind": c.kind.value,
                    "status": c.status.value,
                    "drifted": c.drifted,
                    "changed": c.changed,
                    "skipped": c.skipped,
                    "methods": [o.__dict__ | {"status": o.status.value} for o in c.outcomes],
                }
                for c in self.columns
            ],
        }


def compare(
    reference: Profile,
    current: Profile,
    *,
    methods: Iterable[str] | None = None,
    thresholds: Mapping[str, float] | None = None,
    alpha: float = DEFAULT_ALPHA,
) -> DriftReport:
    """Compare every column present in both profiles with every selected method that applies
    to its kind (all registered methods when `methods` is None). A column is drifted when any of
    its methods says so: value − noise floor ≥ threshold; it is changed (not material) when no
    method says so but a method's p-value (ks, chi_square) is below `alpha`. Columns that cannot
    be compared (kind changed, unsupported, no valid values) are listed with the reason; schema
    differences are reported by `run_checks`."""
    if not 0.0 < alpha < 1.0:
        raise ProfileError(f"alpha must be between 0 and 1, got {alpha}")
    selected = list(drift_methods) if methods is None else list(methods)
    unknown = [m for m in (*selected, *(thresholds or {})) if m not in drift_methods]
    if unknown:
        raise ProfileError(
            f"unknown drift method(s): {', '.join(unknown)}; known: {', '.join(drift_methods)}"
        )
    limits = {name: drift_methods[name].default_threshold for name in selected} | dict(
        thresholds or {}
    )
    columns = []
    for name, ref in reference.columns.items():
        cur = current.columns.get(name)
        if cur is None:
            continue
        if ref.kind is not cur.kind:
            columns.append(
                ColumnDrift(
                    name, ref.kind, skipped=f"kind changed: {ref.kind.value} → {cur.kind.value}"
                )
            )
            continue
        outcomes = []
        reasons = []
        for method_name in selected:
            method = drift_methods[method_name]
            if ref.kind not in method.kinds:
                continue
            try:
                result = method.fn(ref, cur)
            except NotComparable as exc:
                reasons.append(str(exc))
                continue
            threshold = limits[method_name]
            outcomes.append(
                MethodOutcome(
                    method=method.name,
                    type_key=method.type_key,
                    value=result.value,
                    threshold=threshold,
                    noise_floor=result.noise_floor,
                    p_value=result.p_value,
                    drifted=method.drifted(result, threshold),
                    significant=result.p_value is not None and result.p_value < alpha,
                )
            )
        skipped = None
        if not outcomes:
            skipped = (
                reasons[0] if reasons else f"no selected method applies to {ref.kind.value} columns"
            )
        columns.append(ColumnDrift(name, ref.kind, tuple(outcomes), skipped))
    return DriftReport(tuple(columns), alpha)
