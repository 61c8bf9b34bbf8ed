"""A change in the share of a repeated value (a point mass) is seen by the distance methods,
with exact counts and with a sketch alike."""

from __future__ import annotations

import drift_exact as exact
import numpy as np
import pytest

from mlcontinuum.profiles import ProfileOptions, build_profile, compare, drift_methods

rng = np.random.default_rng(61)
N = 200_000
# Exact counts (few distinct values) and a sketch forced by a value limit of 1.
OPTIONS = [ProfileOptions(), ProfileOptions(value_limit=1)]


def _mass(share: float, n: int = N) -> np.ndarray:
    return np.where(rng.random(n) < share, 0.0, rng.normal(0.0, 1.0, n))


@pytest.mark.parametrize("options", OPTIONS, ids=["exact", "sketch"])
def test_a_point_mass_that_shrinks_from_999_to_95_percent_is_drift(
    options: ProfileOptions,
) -> None:
    ref, cur = _mass(0.999), _mass(0.95)
    a = build_profile({"x": ref}, options=options)
    b = build_profile({"x": cur}, options=options)
    (column,) = compare(a, b).columns
    drifted = {o.method for o in column.outcomes if o.drifted}
    assert {"psi", "jensen_shannon", "wasserstein"} <= drifted
    for method in ("psi", "jensen_shannon", "wasserstein", "ks"):
        value = drift_methods[method].fn(a.columns["x"], b.columns["x"]).value
        assert value == pytest.approx(exact.NUMERIC[method](ref, cur), rel=0.05, abs=0.002)
    # The atom's own bin: its share moved from 99.9 % to 95 %.
    summary = a.columns["x"].quantiles
    assert summary is not None
    assert summary.get_rank(0.0) - summary.get_rank(0.0, inclusive=False) == pytest.approx(
        np.mean(ref == 0.0), abs=1e-12
    )


@pytest.mark.parametrize("options", OPTIONS, ids=["exact", "sketch"])
def test_an_unchanged_point_mass_stays_quiet(options: ProfileOptions) -> None:
    a = build_profile({"x": _mass(0.999)}, options=options)
    b = build_profile({"x": _mass(0.999)}, options=options)
    assert compare(a, b).columns[0].status == "unchanged"


def test_a_constant_that_moves_has_a_wasserstein_distance() -> None:
    a = build_profile({"x": np.full(1_000, 5.0)})
    b = build_profile({"x": np.full(1_000, 6.0)})
    w = drift_methods["wasserstein"].fn(a.columns["x"], b.columns["x"])
    # IQR and std are 0, so the distance is absolute: the whole mass moved by 1.
    assert w.value == pytest.approx(1.0)
    assert w.value == pytest.approx(exact.wasserstein(np.full(1_000, 5.0), np.full(1_000, 6.0)))
    assert compare(a, b).columns[0].drifted


def test_heavy_values_stay_exact_beside_a_sketch() -> None:
    """99.9 % zeros and a continuous tail of 2,000 values (sketched past a value limit of 256):
    the zero is an exact atom and the tail keeps the sketch's precision (rank error relative to
    the tail, not to all rows)."""
    values = _mass(0.999, 2_000_000)
    options = ProfileOptions(value_limit=256)
    summary = build_profile({"x": values}, options=options).columns["x"].quantiles
    assert summary is not None
    assert not summary.exact
    atoms, counts = summary.atoms
    assert list(atoms) == [0.0]
    assert list(counts) == [int(np.sum(values == 0.0))]
    tail = np.sort(values[values != 0.0])
    for q in (0.1, 0.5, 0.9):
        point = np.quantile(tail, q)
        exact_rank = np.searchsorted(np.sort(values), point, side="right") / values.size
        assert summary.get_rank(point) == pytest.approx(exact_rank, abs=1e-5)
