"""Infinite values (±inf) in numeric columns: a rise in their share beyond sampling noise.

An infinity is never a measurement (a division by zero, an overflow upstream), and no drift
method can see it: every method works on finite values. So the share of ±inf values per column
is its own check. It fails when the current share exceeds the reference's by more than the
threshold (absolute) plus three standard errors of the difference of two proportions, so a
column whose reference already had a few infinities is not flagged for sampling noise.
"""

from __future__ import annotations

import math

from mlcontinuum.profiles.checks.registry import DataCheck, Finding, register
from mlcontinuum.profiles.model import ColumnKind, Profile

_STANDARD_ERRORS = 3.0


def infinite_values(reference: Profile, current: Profile, threshold: float) -> Finding:
    found = []
    for name, cur in current.columns.items():
        if cur.kind is not ColumnKind.NUMERIC or cur.count == 0:
            continue
        cur_inf = cur.pos_inf + cur.neg_inf
        if cur_inf == 0:
            continue
        ref = reference.columns.get(name)
        ref_inf = ref.pos_inf + ref.neg_inf if ref is not None else 0
        ref_rows = ref.count if ref is not None else 0
        cur_share = cur_inf / cur.count
        ref_share = ref_inf / ref_rows if ref_rows else 0.0
        noise = 0.0
        if ref_rows:
            pooled = (ref_inf + cur_inf) / (ref_rows + cur.count)
            noise = _STANDARD_ERRORS * math.sqrt(
                pooled * (1.0 - pooled) * (1.0 / ref_rows + 1.0 / cur.count)
            )
        if cur_share - ref_share > threshold + noise:
            found.append(
                f"{name}: {cur_share:.2%} infinite (+inf {cur.pos_inf:,}, -inf {cur.neg_inf:,}) "
                f"against {ref_share:.2%} in the reference"
            )
    if not found:
        return Finding((), "no column has more infinite values than the reference")
    return Finding(
        tuple(found), f"{len(found)} column(s) have infinite values: {'; '.join(found[:10])}"
    )


register(
    DataCheck(
        "infinite_values",
        0.0,
        infinite_values,
        "Share of ±inf values rose beyond sampling noise",
    )
)
