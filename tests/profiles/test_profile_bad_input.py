"""Bad input: a clear ProfileInputError, or a counted and reported condition, never a crash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from mlcontinuum.profiles import (
    ColumnKind,
    ProfileError,
    ProfileInputError,
    ProfileOptions,
    build_profile,
    compare,
    run_checks,
)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pd.DataFrame(), "no columns"),
        (pd.DataFrame({"x": pd.Series([], dtype=float)}), "no rows"),
        ({}, "no columns"),
        ([], "the input is empty"),
        ({"x": np.arange(3.0), "y": np.arange(4.0)}, "different lengths"),
        (42, "cannot profile a int"),
        ([1, 2, 3], "expected pyarrow RecordBatches"),
        (pd.DataFrame([[1, 2]], columns=["a", "a"]), "duplicate column names: a"),
    ],
)
def test_unprofilable_input_is_a_clear_error(data: object, message: str) -> None:
    with pytest.raises(ProfileInputError, match=message):
        build_profile(data)


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ProfileInputError, match="no such file"):
        build_profile(tmp_path / "missing.csv")
    (tmp_path / "data.xlsx").write_text("x")
    with pytest.raises(ProfileInputError, match="unsupported file type"):
        build_profile(tmp_path / "data.xlsx")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ProfileInputError, match="not a readable Parquet"):
        build_profile(tmp_path / "bad.parquet")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ProfileInputError):
        build_profile(tmp_path / "empty.csv")
    (tmp_path / "header.csv").write_text("a,b\n")
    with pytest.raises(ProfileInputError, match=r"no rows|empty"):
        build_profile(tmp_path / "header.csv")


def test_all_null_and_all_nan_columns_are_counted() -> None:
    profile = build_profile(
        pd.DataFrame({"none": [None, None, None], "nan": [np.nan] * 3, "ok": [1.0, 2.0, 3.0]})
    )
    none, nan = profile.columns["none"], profile.columns["nan"]
    assert (none.kind, none.nulls, none.missing_rate) == (ColumnKind.EMPTY, 3, 1.0)
    assert (nan.kind, nan.nan, nan.moments, nan.missing_rate) == (ColumnKind.NUMERIC, 3, None, 1.0)
    report = compare(profile, profile)
    skipped = {c.column: c.skipped for c in report.columns if c.skipped}
    assert "no finite values" in (skipped["nan"] or "")
    assert "none" in skipped
    assert not report.drifted


def test_mixed_and_unsupported_types_are_reported_not_profiled() -> None:
    frame = pd.DataFrame(
        {
            "mixed": pd.Series([1, "two", 3.0], dtype=object),
            "nested": pd.Series([[1, 2], [3], []], dtype=object),
            "struct": pd.Series([{"a": 1}, {"a": 2}, {"a": 3}], dtype=object),
            "complex": np.array([1 + 2j, 3j, 1.0]),
            "bytes": pd.Series([b"a", b"b", b"c"], dtype=object),
            "ok": [1.0, 2.0, 3.0],
        }
    )
    profile = build_profile(frame)
    reasons = profile.unsupported
    assert set(reasons) == {"mixed", "nested", "struct", "complex", "bytes"}
    assert "mixed Python types" in reasons["mixed"]
    assert "list" in reasons["nested"]
    assert "struct" in reasons["struct"]
    assert "complex" in reasons["complex"]
    assert "binary" in reasons["bytes"]
    assert all(profile.columns[n].count == 3 for n in reasons)
    assert profile.columns["ok"].moments is not None
    two_d = build_profile({"m": np.zeros((3, 2)), "ok": np.arange(3.0)})
    assert "2-dimensional" in two_d.unsupported["m"]


def test_tens_of_thousands_of_columns() -> None:
    width = 20_000
    table = pa.table({f"c{i}": pa.array(np.arange(5.0) + i) for i in range(width)})
    profile = build_profile(table)
    assert len(profile.columns) == width
    assert profile.columns["c19999"].moments is not None
    assert profile.columns["c19999"].moments.minimum == 19_999.0
    with pytest.raises(ProfileInputError, match="more than max_columns=100"):
        build_profile(table, options=ProfileOptions(max_columns=100))


def test_batches_with_different_columns_are_refused() -> None:
    batches = [
        pa.record_batch({"a": [1.0], "b": [2.0]}),
        pa.record_batch({"a": [1.0], "c": [2.0]}),
    ]
    with pytest.raises(ProfileInputError, match="has columns a, c, the first had a, b"):
        build_profile(batches)


def test_mismatched_schemas_between_reference_and_current() -> None:
    reference = build_profile({"x": np.arange(10.0), "gone": np.arange(10.0)})
    current = build_profile({"x": np.array(["a"] * 10, dtype=object), "new": np.arange(10.0)})
    report = compare(reference, current)
    assert [(c.column, c.skipped) for c in report.columns] == [
        ("x", "kind changed: numeric → categorical")
    ]
    failed = {r.name for r in run_checks(reference, current) if not r.passed}
    assert failed == {"added_columns", "removed_columns", "kind_changes"}


def test_unknown_method_is_an_error() -> None:
    profile = build_profile({"x": np.arange(10.0)})
    with pytest.raises(ProfileError, match="unknown drift method"):
        compare(profile, profile, methods=["psi", "magic"])


def test_a_stream_that_fails_midway_is_a_clear_error() -> None:
    def batches() -> Iterator[pa.RecordBatch]:
        yield pa.record_batch({"x": [1.0, 2.0]})
        # What Arrow's CSV reader raises when a later block does not parse as the first did.
        raise pa.ArrowInvalid(
            "In CSV column #0: CSV conversion error to double: invalid value 'oops'"
        )

    with pytest.raises(ProfileInputError, match=r"could not read the data .*'oops'"):
        build_profile(batches())


def test_long_labels_are_stored_short_and_stay_distinct() -> None:
    long_a, long_b = "é" * 200 + "a", "é" * 200 + "b"
    column = build_profile({"c": np.array([long_a, long_b, long_b], dtype=object)}).columns["c"]
    assert column.categories is not None
    counts = column.categories.as_dict()
    assert sorted(counts.values()) == [1, 2]
    assert all(len(label.encode()) <= 96 for label in counts)


def test_window_must_not_end_before_it_starts() -> None:
    later, earlier = pd.Timestamp("2026-02-01", tz="UTC"), pd.Timestamp("2026-01-01", tz="UTC")
    with pytest.raises(ProfileInputError, match="window starts after it ends"):
        build_profile(
            {"x": np.arange(3.0)}, window=(later.to_pydatetime(), earlier.to_pydatetime())
        )


@pytest.mark.parametrize(
    "options", [{"kll_k": 4}, {"level_limit": 0}, {"chunk_rows": 0}, {"max_columns": 0}]
)
def test_invalid_options_are_refused(options: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must be"):
        ProfileOptions(**options)
