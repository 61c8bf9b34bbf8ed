"""Share of current categorical values whose label the reference never had.

Only judged when the reference counts are exact (below the level limit); past it, a label missing
from the reference summary may still have occurred, so the check says it cannot tell.
"""

from __future__ import annotations

from mlcontinuum.profiles.checks.registry import DataCheck, Finding, register
from mlcontinuum.profiles.model import ColumnKind, Profile


def unseen_categories(reference: Profile, current: Profile, threshold: float) -> Finding:
    found = []
    approximate = []
    for name, ref in reference.columns.items():
        cur = current.columns.get(name)
        if (
            ref.kind is not ColumnKind.CATEGORICAL
            or cur is None
            or cur.kind is not ColumnKind.CATEGORICAL
        ):
            continue
        if ref.categories is None or cur.categories is None or cur.categories.total == 0:
            continue
        if not ref.categories.exact:
            approximate.append(name)
            continue
        known = set(ref.categories.labels.to_pylist())
        unseen = {label: n for label, n in cur.categories.as_dict().items() if label not in known}
        share = sum(unseen.values()) / cur.categories.total
        if share > threshold:
            examples = ", ".join(sorted(unseen, key=unseen.__getitem__, reverse=True)[:5])
            found.append(
                f"{name}: {share:.1%} of values in {len(unseen)} unseen label(s), e.g. {examples}"
            )
    note = (
        f" (not judged, reference past the level limit: {', '.join(approximate)})"
        if approximate
        else ""
    )
    if not found:
        return Finding((), f"no column has more than {threshold:.1%} unseen labels{note}")
    return Finding(
        tuple(found), f"{len(found)} column(s) have unseen labels: {'; '.join(found[:10])}{note}"
    )


register(
    DataCheck(
        "unseen_categories",
        0.01,
        unseen_categories,
        "Share of values with labels unseen in the reference",
    )
)
