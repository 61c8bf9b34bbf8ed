"""±inf is counted and flagged by a data check; any finite float64, however large or small, is
profiled, serialised and compared; the CLI never prints a traceback for such data."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mlcontinuum.console import build_cli
from mlcontinuum.profiles import build_profile, compare, dumps, loads, merge, run_checks

rng = np.random.default_rng(41)
N = 20_000


def _failed(reference: object, current: object) -> dict[str, tuple[str, ...]]:
    return {
        r.name: r.details
        for r in run_checks(reference, current)  # type: ignore[arg-type]
        if not r.passed
    }


def test_half_a_column_turned_to_infinity_is_counted_and_flagged() -> None:
    x = rng.normal(size=N)
    broken = rng.normal(size=N)
    broken[: N // 2] = np.inf
    broken[N // 2 : N // 2 + 10] = -np.inf
    reference, current = build_profile({"x": x}), build_profile({"x": broken})
    column = current.columns["x"]
    assert (column.pos_inf, column.neg_inf, column.nan, column.nulls) == (N // 2, 10, 0, 0)
    assert column.valid == N - N // 2 - 10
    failed = _failed(reference, current)
    assert set(failed) == {"infinite_values"}
    (detail,) = failed["infinite_values"]
    assert detail.startswith("x: 50.05% infinite")
    # Drift methods work on finite values only: the data check is what sees infinities.
    assert not compare(reference, current).drifted


def test_a_few_new_infinities_are_noise_only_if_the_reference_had_them() -> None:
    def column_with(count: int) -> np.ndarray:
        values = rng.normal(size=N)
        values[:count] = np.inf
        return values

    clean = build_profile({"x": column_with(0)})
    assert "infinite_values" in _failed(clean, build_profile({"x": column_with(40)}))
    assert "infinite_values" not in _failed(clean, build_profile({"x": column_with(0)}))
    # 200 vs 215 in 20,000 rows is well within sampling noise of a 1 % rate.
    some = build_profile({"x": column_with(200)})
    assert "infinite_values" not in _failed(some, build_profile({"x": column_with(215)}))
    assert "infinite_values" in _failed(some, build_profile({"x": column_with(2_000)}))


def _exact_mean_and_std(values: np.ndarray) -> tuple[float, float]:
    """Mean and population std with exact rational arithmetic (and a 40-digit square root)."""
    exact = [Fraction(float(v)) for v in values]
    mean = sum(exact, Fraction(0)) / len(exact)
    variance = sum(((v - mean) ** 2 for v in exact), Fraction(0)) / len(exact)
    with localcontext() as context:
        context.prec = 40
        std = (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()
    return float(mean), float(std)


@pytest.mark.parametrize(
    "values",
    [
        np.append(rng.normal(size=999), 1e200),
        np.array([1.7e308, -1.7e308, 1e308, 0.0, 5.0]),
        rng.normal(size=1_000) * 1e-300,
        np.append(rng.normal(size=5_000), [np.finfo(np.float64).max, np.finfo(np.float64).tiny]),
        np.array([5e-324, 1e-320, 0.0, 5e-324]),
    ],
    ids=["one-1e200", "near-max", "tiny", "max-and-tiny", "subnormal"],
)
def test_extreme_finite_values_are_profiled_and_serialised(values: np.ndarray) -> None:
    profile = build_profile({"x": values})
    again = loads(dumps(profile))
    assert dumps(again) == dumps(profile)
    moments = again.columns["x"].moments
    assert moments is not None
    assert (moments.minimum, moments.maximum) == (values.min(), values.max())
    mean, std = _exact_mean_and_std(values)
    assert moments.mean == pytest.approx(mean, rel=1e-9, abs=1e-300)
    assert moments.std == pytest.approx(std, rel=1e-9)
    assert math.isfinite(moments.std)
    for outcome in compare(profile, again).columns[0].outcomes:
        assert math.isfinite(outcome.value), outcome
        assert not outcome.drifted


def test_merging_extreme_values_stays_finite() -> None:
    a = build_profile({"x": np.array([1.7e308, 1.6e308])})
    b = build_profile({"x": np.array([-1.7e308, -1.5e308])})
    merged = merge(a, b).columns["x"].moments
    assert merged is not None
    assert merged.mean == pytest.approx(0.025e308, rel=1e-9)
    assert merged.std == pytest.approx(
        _exact_mean_and_std(np.array([1.7e308, 1.6e308, -1.7e308, -1.5e308]))[1], rel=1e-9
    )


def test_the_cli_profiles_extreme_and_infinite_values(tmp_path: Path) -> None:
    data, broken = tmp_path / "data.csv", tmp_path / "broken.csv"
    x = rng.normal(size=N)
    x[7] = 1e200
    pd.DataFrame({"x": x}).to_csv(data, index=False)
    y = rng.normal(size=N)
    y[: N // 2] = np.inf
    pd.DataFrame({"x": y}).to_csv(broken, index=False)
    runner = CliRunner()
    out = tmp_path / "ref.profile"
    result = runner.invoke(build_cli(), ["profile", str(data), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert loads(out.read_bytes()).columns["x"].moments.maximum == 1e200  # type: ignore[union-attr]
    result = runner.invoke(build_cli(), ["drift", str(out), str(broken)])
    assert result.exit_code == 1, result.output
    assert "infinite_values" in result.output
    assert "Traceback" not in result.output
