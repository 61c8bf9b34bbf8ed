"""The reference workload for the profile and drift benchmarks (issue 3, item 7).

Twenty columns: fifteen numeric (five each normal, log-normal, uniform) and five categorical with
5, 50, 500, 2,000 and 5,000 string levels drawn with Zipf-like frequencies. The current frame is a
second, independent draw from the same distributions, except for exactly three planted shifts, so a
drift method that flags anything else is crying wolf. Everything is vectorised: a million rows take
well under a second or two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NUMERIC_FAMILIES = ("normal", "lognormal", "uniform")
NUMERIC_PER_FAMILY = 5
CATEGORICAL_LEVELS = (5, 50, 500, 2_000, 5_000)
# Zipf-like exponent: a heavy head and a long, thin tail, as real id-like columns have.
ZIPF_EXPONENT = 1.1

# The planted shifts. Sizes are chosen to matter in practice (KS D of about 0.2, PSI about 0.2,
# total variation about 0.1) so every sensible method should find them at any row count.
LOCATION_SHIFT_COLUMN = "num_normal_1"
LOCATION_SHIFT_SDS = 0.5
SCALE_SHIFT_COLUMN = "num_lognormal_2"
SCALE_FACTOR = 2.0
MIX_SHIFT_COLUMN = "cat_500"
# Share of the shifted column's rows drawn uniformly over the levels instead of from the Zipf mix.
MIX_UNIFORM_SHARE = 0.25
SHIFTED_COLUMNS = (LOCATION_SHIFT_COLUMN, SCALE_SHIFT_COLUMN, MIX_SHIFT_COLUMN)


@dataclass(frozen=True)
class NumericSpec:
    name: str
    family: str
    index: int


def numeric_specs() -> list[NumericSpec]:
    return [
        NumericSpec(f"num_{family}_{i}", family, i)
        for family in NUMERIC_FAMILIES
        for i in range(NUMERIC_PER_FAMILY)
    ]


def categorical_names() -> list[str]:
    return [f"cat_{levels}" for levels in CATEGORICAL_LEVELS]


def level_labels(levels: int) -> np.ndarray:
    """Labels of a categorical column; an object array, so fancy indexing only copies pointers."""
    width = len(str(levels - 1))
    return np.array([f"L{levels}_{i:0{width}d}" for i in range(levels)], dtype=object)


def zipf_probabilities(levels: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, levels + 1, dtype=np.float64) ** ZIPF_EXPONENT
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def _numeric(spec: NumericSpec, rng: np.random.Generator, rows: int, shifted: bool) -> np.ndarray:
    # Parameters vary with the index so no two columns of a family share a distribution.
    i = spec.index
    if spec.family == "normal":
        loc, scale = 10.0 * i, 1.0 + i
        if shifted and spec.name == LOCATION_SHIFT_COLUMN:
            loc += LOCATION_SHIFT_SDS * scale
        return rng.normal(loc, scale, rows)
    if spec.family == "lognormal":
        values = rng.lognormal(0.5 * i, 0.75 + 0.25 * i, rows)
        if shifted and spec.name == SCALE_SHIFT_COLUMN:
            values *= SCALE_FACTOR
        return values
    return rng.uniform(-float(i), 1.0 + 2.0 * i, rows)


def _categorical(
    levels: int, rng: np.random.Generator, rows: int, shifted: bool, labels: np.ndarray
) -> pd.Series:
    probabilities = zipf_probabilities(levels)
    if shifted and f"cat_{levels}" == MIX_SHIFT_COLUMN:
        probabilities = (1.0 - MIX_UNIFORM_SHARE) * probabilities + MIX_UNIFORM_SHARE / levels
    # Inverse-CDF sampling: one searchsorted over the cumulative mix, no per-row Python.
    cumulative = np.cumsum(probabilities)
    codes = np.searchsorted(cumulative, rng.random(rows) * cumulative[-1], side="right")
    codes = np.minimum(codes, levels - 1)
    return pd.Series(labels[codes], dtype="str")


def _frame(rng: np.random.Generator, rows: int, shifted: bool) -> pd.DataFrame:
    columns: dict[str, np.ndarray | pd.Series] = {}
    for spec in numeric_specs():
        columns[spec.name] = _numeric(spec, rng, rows, shifted)
    for levels, name in zip(CATEGORICAL_LEVELS, categorical_names(), strict=True):
        columns[name] = _categorical(levels, rng, rows, shifted, level_labels(levels))
    return pd.DataFrame(columns)


def make_reference(rows: int, seed: int = 7) -> pd.DataFrame:
    """Only the reference frame: for inputs too big to hold twice (the memory-flatness check)."""
    if rows < 1:
        raise ValueError(f"rows must be positive, got {rows}")
    reference_seed, _ = np.random.SeedSequence(seed).spawn(2)
    return _frame(np.random.default_rng(reference_seed), rows, shifted=False)


def make_workload(rows: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Return (reference, current, shifted column names) with `rows` rows each.

    The two frames come from independent random streams of one seed, so the unshifted columns of
    `current` are a fresh sample of the same distribution, not a copy of `reference`.
    """
    reference = make_reference(rows, seed)
    _, current_seed = np.random.SeedSequence(seed).spawn(2)
    current = _frame(np.random.default_rng(current_seed), rows, shifted=True)
    return reference, current, list(SHIFTED_COLUMNS)
