"""Share of current numeric values outside the reference [min, max].

The share comes from the current quantile summary (exact for exact value counts, else within the
sketch's own rank-error bound, typically ≤ 0.1 %); the exact current min and max are in the
message. Datetime columns are skipped: time moves on by design.
"""

from __future__ import annotations

from mlcontinuum.profiles.checks.registry import DataCheck, Finding, register
from mlcontinuum.profiles.model import ColumnKind, Profile


def out_of_range(reference: Profile, current: Profile, threshold: float) -> Finding:
    found = []
    for name, ref in reference.columns.items():
        cur = current.columns.get(name)
        if cur is None or ref.kind is not ColumnKind.NUMERIC or cur.kind is not ColumnKind.NUMERIC:
            continue
        if ref.moments is None or cur.moments is None or cur.quantiles is None:
            continue
        below = (
            cur.quantiles.get_rank(ref.moments.minimum, False)
            if cur.moments.minimum < ref.moments.minimum
            else 0.0
        )
        above = (
            1.0 - cur.quantiles.get_rank(ref.moments.maximum, True)
            if cur.moments.maximum > ref.moments.maximum
            else 0.0
        )
        share = below + above
        if share > threshold:
            found.append(
                f"{name}: {share:.1%} outside [{ref.moments.minimum:g}, {ref.moments.maximum:g}] "
                f"(now [{cur.moments.minimum:g}, {cur.moments.maximum:g}])"
            )
    if not found:
        return Finding(
            (), f"no column has more than {threshold:.1%} of values outside the reference range"
        )
    return Finding(
        tuple(found),
        f"{len(found)} column(s) have values outside the reference range: {'; '.join(found[:10])}",
    )


register(DataCheck("out_of_range", 0.01, out_of_range, "Share of values outside reference min/max"))
