"""Each data check fires on the condition it names, with a message that names the column."""

from __future__ import annotations

import numpy as np
import pytest

from mlcontinuum.profiles import Profile, ProfileError, build_profile, run_checks
from mlcontinuum.profiles.checks import data_checks

rng = np.random.default_rng(8)
N = 2_000


def _profile(**columns: np.ndarray) -> Profile:
    return build_profile(columns)


REFERENCE = _profile(
    x=rng.normal(size=N),
    c=rng.choice(["a", "b"], N).astype(object),
    k=np.arange(N, dtype=np.float64),
)


def _failed(current: Profile, **thresholds: float) -> dict[str, str]:
    return {
        r.name: r.message
        for r in run_checks(REFERENCE, current, thresholds=thresholds)
        if not r.passed
    }


def test_registry_names_every_check() -> None:
    assert set(data_checks) == {
        "added_columns",
        "removed_columns",
        "kind_changes",
        "missing_rate",
        "out_of_range",
        "unseen_categories",
        "row_count",
        "infinite_values",
    }
    assert all(c.type_key == f"continuum:check:{c.name}" for c in data_checks.values())


def test_same_data_passes() -> None:
    current = _profile(
        x=rng.normal(size=N),
        c=rng.choice(["a", "b"], N).astype(object),
        k=np.arange(N, dtype=np.float64),
    )
    assert _failed(current) == {}


def test_added_removed_and_kind_changes() -> None:
    current = _profile(
        x=rng.choice(["1", "2"], N).astype(object),
        c=rng.choice(["a", "b"], N).astype(object),
        extra=np.ones(N),
    )
    failed = _failed(current)
    assert "extra" in failed["added_columns"]
    assert "k" in failed["removed_columns"]
    assert "x: numeric → categorical" in failed["kind_changes"]


def test_missing_rate_jump() -> None:
    x = rng.normal(size=N)
    x[: N // 4] = np.nan
    current = _profile(
        x=x, c=rng.choice(["a", "b"], N).astype(object), k=np.arange(N, dtype=np.float64)
    )
    assert "x: 0.0% → 25.0%" in _failed(current)["missing_rate"]
    assert "missing_rate" not in _failed(current, missing_rate=0.3)


def test_out_of_range_values() -> None:
    current = _profile(
        x=rng.normal(size=N),
        c=rng.choice(["a", "b"], N).astype(object),
        k=np.arange(N, dtype=np.float64) + N / 2,
    )
    message = _failed(current)["out_of_range"]
    assert message.startswith("1 column(s)")
    assert "k: 50.0% outside" in message


def test_unseen_categories() -> None:
    current = _profile(
        x=rng.normal(size=N),
        c=rng.choice(["a", "b", "zzz"], N).astype(object),
        k=np.arange(N, dtype=np.float64),
    )
    assert "c:" in _failed(current)["unseen_categories"]
    assert "zzz" in _failed(current)["unseen_categories"]


def test_row_count_anomaly() -> None:
    current = _profile(
        x=rng.normal(size=100), c=rng.choice(["a", "b"], 100).astype(object), k=np.arange(100.0)
    )
    assert "100 rows against 2,000" in _failed(current)["row_count"]
    assert "row_count" not in _failed(current, row_count=50)


def test_unknown_threshold_name_is_an_error() -> None:
    with pytest.raises(ProfileError, match="unknown data check"):
        run_checks(REFERENCE, REFERENCE, thresholds={"nope": 1})
