"""Each drift method, computed from two profiles, agrees with the exact value on the raw columns.

Tolerances (stated in docs/profiles.md) hold for the default options: they are a few times the
largest error measured over these cases. Exact counts (numeric columns with at most value_limit
distinct values, categorical columns with at most level_limit labels) must give the exact value;
sketches must stay within the stated tolerance; past the level limit, the excess over the noise
floor (what a verdict compares with the threshold) must stay within its stated tolerance and the
value must never exceed the exact value.
"""

from __future__ import annotations

import drift_exact as exact
import numpy as np
import pandas as pd
import pytest

from mlcontinuum.profiles import ColumnProfile, ProfileOptions, build_profile, drift_methods

N = 100_000
rng = np.random.default_rng(21)
# Forces a sketch even for columns with few distinct values.
SKETCHED = ProfileOptions(value_limit=1)

# method: (absolute tolerance, relative tolerance) for sketched columns; exact counts get 1e-9.
SKETCH_TOLERANCE = {
    "psi": (0.005, 0.02),
    "ks": (0.003, 0.0),
    "wasserstein": (0.005, 0.02),
    "jensen_shannon": (0.003, 0.0),
}
# Past the level limit, up to five times more labels than the limit: the excess over the noise
# floor within this much plus EXCESS_RELATIVE of the exact excess.
EXCESS_TOLERANCE = 0.02
EXCESS_RELATIVE = 0.15


def _mostly_null(shift: float) -> np.ndarray:
    values = rng.normal(shift, 1.0, N)
    values[rng.random(N) < 0.95] = np.nan
    return values


def _bimodal(shift: float) -> np.ndarray:
    return np.where(rng.random(N) < 0.4, rng.normal(-2, 0.5, N), rng.normal(2 + shift, 0.7, N))


def _point_mass(share: float) -> np.ndarray:
    """`share` of the rows are exactly 0, the rest standard normal."""
    return np.where(rng.random(N) < share, 0.0, rng.normal(0, 1, N))


NUMERIC_CASES = {
    "normal": (rng.normal(0, 1, N), rng.normal(0.4, 1, N)),
    "normal-unshifted": (rng.normal(0, 1, N), rng.normal(0, 1, N)),
    "heavy-tailed": (rng.standard_t(2, N), rng.standard_t(2, N) * 1.3 + 0.2),
    "log-normal": (rng.lognormal(0, 1.5, N), rng.lognormal(0.2, 1.5, N)),
    "bimodal": (_bimodal(0.0), _bimodal(0.5)),
    "constant": (np.full(N, 5.0), np.full(N, 5.0)),
    "constant-moved": (np.full(N, 5.0), np.full(N, 6.0)),
    "mostly-null": (_mostly_null(0.0), _mostly_null(0.5)),
    "point-mass-shrinks": (_point_mass(0.999), _point_mass(0.95)),
    "point-mass-appears": (rng.normal(0, 1, N), _point_mass(0.3)),
    "integers": (rng.poisson(20, N).astype(float), rng.poisson(21, N).astype(float)),
    "extreme-magnitudes": (rng.normal(0, 1, N) * 1e200, rng.normal(0.3, 1, N) * 1e200),
}


def _columns(
    ref: np.ndarray, cur: np.ndarray, options: ProfileOptions
) -> tuple[ColumnProfile, ColumnProfile]:
    return (
        build_profile({"v": ref}, options=options).columns["v"],
        build_profile({"v": cur}, options=options).columns["v"],
    )


def assert_numeric_close(ref: np.ndarray, cur: np.ndarray, options: ProfileOptions) -> None:
    a, b = _columns(ref, cur, options)
    assert a.quantiles is not None
    assert b.quantiles is not None
    both_exact = a.quantiles.exact and b.quantiles.exact
    for method, exact_fn in exact.NUMERIC.items():
        value = drift_methods[method].fn(a, b).value
        truth = exact_fn(ref, cur)
        absolute, relative = (1e-9, 1e-9) if both_exact else SKETCH_TOLERANCE[method]
        assert value == pytest.approx(truth, abs=absolute, rel=relative), (method, value, truth)


@pytest.mark.parametrize("case", NUMERIC_CASES)
def test_numeric_methods_match_exact(case: str) -> None:
    ref, cur = NUMERIC_CASES[case]
    assert_numeric_close(ref, cur, ProfileOptions())
    assert_numeric_close(ref, cur, SKETCHED)


def _zipf(levels: int, n: int, extra_uniform: float = 0.0) -> pd.Series:
    weights = 1.0 / np.arange(1, levels + 1) ** 1.1
    p = (1 - extra_uniform) * weights / weights.sum() + extra_uniform / levels
    labels = np.array([f"k{i}" for i in range(levels)], dtype=object)
    return pd.Series(labels[rng.choice(levels, n, p=p)], dtype=object)


def _with_nulls(series: pd.Series, share: float) -> pd.Series:
    out = series.copy()
    out[rng.random(len(out)) < share] = None
    return out


CATEGORICAL_CASES = {
    "few-levels-shifted": (_zipf(5, N), _zipf(5, N, 0.3)),
    "high-cardinality": (_zipf(5_000, N), _zipf(5_000, N)),
    "high-cardinality-shifted": (_zipf(5_000, N), _zipf(5_000, N, 0.25)),
    "new-unseen-category": (
        pd.Series(rng.choice(["a", "b", "c"], N), dtype=object),
        pd.Series(rng.choice(["a", "b", "c", "new"], N), dtype=object),
    ),
    "mostly-null": (_with_nulls(_zipf(20, N), 0.95), _with_nulls(_zipf(20, N, 0.5), 0.95)),
    "constant": (pd.Series(["x"] * N, dtype=object), pd.Series(["x"] * N, dtype=object)),
}


@pytest.mark.parametrize("case", CATEGORICAL_CASES)
def test_categorical_methods_are_exact_below_the_level_limit(case: str) -> None:
    ref, cur = CATEGORICAL_CASES[case]
    a = build_profile({"v": ref.to_numpy()}).columns["v"]
    b = build_profile({"v": cur.to_numpy()}).columns["v"]
    for method, exact_fn in exact.CATEGORICAL.items():
        result = drift_methods[method].fn(a, b)
        if case == "constant" and method == "chi_square":
            # SciPy refuses a table with one column; our value is 0 (no association possible).
            assert result.value == 0.0
            continue
        assert result.value == pytest.approx(exact_fn(ref, cur), abs=1e-9), method
        if method == "chi_square":
            assert result.p_value == pytest.approx(exact.chi_square_p(ref, cur), abs=1e-9)


def assert_past_the_limit_close(ref: np.ndarray, cur: np.ndarray, limit: int) -> bool:
    """Against the exact counts of the same data (a level limit above its label count);
    returns whether either side was past its limit."""
    summary = ProfileOptions(level_limit=limit)
    everything = ProfileOptions(level_limit=1_000_000)
    a, b = (build_profile({"v": x}, options=summary).columns["v"] for x in (ref, cur))
    assert a.categories is not None
    assert b.categories is not None
    ea, eb = (build_profile({"v": x}, options=everything).columns["v"] for x in (ref, cur))
    for method in exact.CATEGORICAL:
        result = drift_methods[method].fn(a, b)
        truth = drift_methods[method].fn(ea, eb)
        # A coarsening of the exact distributions: never more than the exact value.
        assert result.value <= truth.value + 1e-9, (method, result.value, truth.value)
        excess, exact_excess = (r.value - r.noise_floor for r in (result, truth))
        allowed = EXCESS_TOLERANCE + EXCESS_RELATIVE * abs(exact_excess)
        assert excess == pytest.approx(exact_excess, abs=allowed), (method, excess, exact_excess)
        if method == "chi_square":
            assert result.p_value is not None
    return not (a.categories.exact and b.categories.exact)


@pytest.mark.parametrize(
    ("levels", "shift"), [(2_000, 0.0), (2_000, 0.25), (5_000, 0.0), (5_000, 0.05), (5_000, 0.25)]
)
def test_categorical_methods_past_the_level_limit(levels: int, shift: float) -> None:
    """With a level limit of 1,000: up to five times more labels than the limit."""
    ref, cur = _zipf(levels, 200_000), _zipf(levels, 200_000, shift)
    assert assert_past_the_limit_close(ref.to_numpy(), cur.to_numpy(), 1_000)


def test_ks_p_value_accounts_for_sketch_error() -> None:
    ref, cur = NUMERIC_CASES["normal-unshifted"]
    result = drift_methods["ks"].fn(
        build_profile({"v": ref}).columns["v"], build_profile({"v": cur}).columns["v"]
    )
    assert result.p_value is not None
    assert result.p_value > 0.5
