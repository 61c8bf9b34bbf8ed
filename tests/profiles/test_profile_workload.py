"""On the benchmark workload every planted shift is found and no unshifted column is flagged."""

from __future__ import annotations

import pandas as pd

from mlcontinuum.profiles import build_profile, compare, run_checks


def test_planted_shifts_found_and_nothing_else(
    workload: tuple[pd.DataFrame, pd.DataFrame, list[str]],
) -> None:
    reference, current, shifted = workload
    report = compare(build_profile(reference), build_profile(current))
    assert not [c.column for c in report.columns if c.skipped]
    assert sorted(report.drifted_columns) == sorted(shifted)
    for column in report.columns:
        if column.column in shifted:
            # Found by the effect-size methods, not by one lucky method.
            assert sum(o.drifted for o in column.outcomes) >= 2, column


def test_unshifted_data_passes_every_check(
    workload: tuple[pd.DataFrame, pd.DataFrame, list[str]],
) -> None:
    reference, _current, _shifted = workload
    half = len(reference) // 2
    first, second = build_profile(reference.iloc[:half]), build_profile(reference.iloc[half:])
    assert not compare(first, second).drifted
    results = run_checks(first, second)
    assert all(r.passed for r in results), [r.message for r in results if not r.passed]
