"""`compare`: run drift methods column by column on two profiles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mlcontinuum.profiles.drift import drift_methods
from mlcontinuum.profiles.errors import NotComparable, ProfileError
from mlcontinuum.profiles.model import ColumnKind, Profile

REPORT_TYPE_KEY = "continuum:drift-report:v1"


@dataclass(frozen=True)
class MethodOutcome:
    method: str
    type_key: str
    value: float
    threshold: float
    noise_floor: float
    p_value: float | None
    drifted: bool


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


@dataclass(frozen=True)
class DriftReport:
    columns: tuple[ColumnDrift, ...]

    @property
    def drifted(self) -> bool:
        return any(c.drifted for c in self.columns)

    @property
    def drifted_columns(self) -> list[str]:
        return [c.column for c in self.columns if c.drifted]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": REPORT_TYPE_KEY,
            "drifted": self.drifted,
            "columns": [
                {
                    "column": c.column,
                    "kind": c.kind.value,
                    "drifted": c.drifted,
                    "skipped": c.skipped,
                    "methods": [o.__dict__ for o in c.outcomes],
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
) -> DriftReport:
    """Compare every column present in both profiles with every selected method that applies
    to its kind (all registered methods when `methods` is None). A column is drifted when any of
    its methods says so: value − noise floor ≥ threshold. Columns that cannot be compared (kind
    changed, unsupported, no valid values) are listed with the reason; schema differences are
    reported by `run_checks`."""
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
                )
            )
        skipped = None
        if not outcomes:
            skipped = (
                reasons[0] if reasons else f"no selected method applies to {ref.kind.value} columns"
            )
        columns.append(ColumnDrift(name, ref.kind, tuple(outcomes), skipped))
    return DriftReport(tuple(columns))
