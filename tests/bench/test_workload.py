"""The benchmark workload keeps its promises: shape, kinds, levels, exactly three shifts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from bench.workload import (
    CATEGORICAL_LEVELS,
    SHIFTED_COLUMNS,
    level_labels,
    make_workload,
    zipf_probabilities,
)
from scipy import stats

ROWS = 20_000


@pytest.fixture(scope="module")
def workload() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    return make_workload(ROWS)


def test_shape_and_kinds(workload: tuple[pd.DataFrame, pd.DataFrame, list[str]]) -> None:
    reference, current, _ = workload
    assert reference.shape == current.shape == (ROWS, 20)
    assert list(reference.columns) == list(current.columns)
    numeric = [c for c in reference.columns if pd.api.types.is_float_dtype(reference[c])]
    strings = [c for c in reference.columns if pd.api.types.is_string_dtype(reference[c])]
    assert len(numeric) == 15
    assert strings == [f"cat_{levels}" for levels in CATEGORICAL_LEVELS]
    for family in ("normal", "lognormal", "uniform"):
        assert sum(c.startswith(f"num_{family}_") for c in numeric) == 5
    assert (reference[[c for c in numeric if "lognormal" in c]] > 0).all().all()
    assert not reference.isna().any().any()


def test_levels_are_strings_from_the_promised_level_set(
    workload: tuple[pd.DataFrame, pd.DataFrame, list[str]],
) -> None:
    reference, current, _ = workload
    for levels in CATEGORICAL_LEVELS:
        labels = level_labels(levels)
        assert len(set(labels)) == levels
        column = f"cat_{levels}"
        seen = set(reference[column]) | set(current[column])
        assert seen <= set(labels)
        # Small level sets are fully seen at 20k rows; the Zipf tail of the big ones is not.
        assert len(seen) == levels if levels <= 500 else len(seen) > 0.5 * levels


def test_frequencies_are_zipf_like(workload: tuple[pd.DataFrame, pd.DataFrame, list[str]]) -> None:
    reference, _, _ = workload
    shares = reference["cat_50"].value_counts(normalize=True)
    expected = zipf_probabilities(50)
    labels = level_labels(50)
    assert shares[labels[0]] == pytest.approx(expected[0], abs=0.01)
    assert shares[labels[0]] > shares[labels[1]] > shares[labels[4]] > shares[labels[40]]


def test_reproducible_from_the_seed() -> None:
    first, _, _ = make_workload(1_000, seed=3)
    again, _, _ = make_workload(1_000, seed=3)
    other, _, _ = make_workload(1_000, seed=4)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)


def test_exactly_the_three_planted_columns_shift(
    workload: tuple[pd.DataFrame, pd.DataFrame, list[str]],
) -> None:
    reference, current, shifted = workload
    assert sorted(shifted) == sorted(SHIFTED_COLUMNS)
    assert len(shifted) == 3
    found = []
    for column in reference.columns:
        if column.startswith("num_"):
            d = stats.ks_2samp(reference[column], current[column]).statistic
            # Same-distribution D at 20k rows is about 0.01; 0.035 is far past any sampling noise.
            assert d > 0.1 or d < 0.035, (column, d)
            drifted = d > 0.1
        else:
            counts = pd.concat(
                [reference[column].value_counts(), current[column].value_counts()], axis=1
            ).fillna(0)
            p = stats.chi2_contingency(counts.to_numpy().T).pvalue
            assert p < 1e-20 or p > 1e-4, (column, p)
            drifted = p < 1e-20
        if drifted:
            found.append(column)
    assert sorted(found) == sorted(shifted)


def test_current_is_an_independent_draw_not_a_copy(
    workload: tuple[pd.DataFrame, pd.DataFrame, list[str]],
) -> None:
    reference, current, _ = workload
    assert not np.array_equal(reference["num_normal_0"], current["num_normal_0"])


def test_rejects_non_positive_rows() -> None:
    with pytest.raises(ValueError, match="rows must be positive"):
        make_workload(0)
