"""Columns whose kind changed (e.g. numeric → categorical); an all-null side is not a change
of kind but of missing rate, reported by `missing_rate`."""

from __future__ import annotations

from mlcontinuum.profiles.checks.registry import DataCheck, Finding, register
from mlcontinuum.profiles.model import ColumnKind, Profile


def kind_changes(reference: Profile, current: Profile, threshold: float) -> Finding:
    changed = [
        f"{name}: {ref.kind.value} → {cur.kind.value}"
        for name, ref in reference.columns.items()
        if (cur := current.columns.get(name)) is not None
        and ref.kind is not cur.kind
        and ColumnKind.EMPTY not in (ref.kind, cur.kind)
    ]
    if len(changed) <= threshold:
        return Finding((), f"{len(changed)} kind change(s)")
    return Finding(
        tuple(changed), f"{len(changed)} column(s) changed kind: {'; '.join(changed[:10])}"
    )


register(DataCheck("kind_changes", 0, kind_changes, "Columns whose kind changed"))
