"""Building profiles: kinds, exact counts and moments, every input type, chunking, progress."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mlcontinuum.profiles import ColumnKind, ProfileOptions, build_profile


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 5_000
    x = rng.normal(2.0, 3.0, n)
    x[:7] = np.nan
    x[7:10] = np.inf
    x[10:12] = -np.inf
    return pd.DataFrame(
        {
            "x": x,
            "i": pd.array(
                np.where(rng.random(n) < 0.1, None, rng.integers(0, 100, n)), dtype="Int64"
            ),
            "c": pd.Series(rng.choice(["a", "b", None], n), dtype="str"),
            "b": rng.random(n) < 0.25,
            "t": pd.date_range("2026-01-01", periods=n, freq="min", tz="UTC"),
        }
    )


def test_kinds_and_exact_counts(frame: pd.DataFrame) -> None:
    profile = build_profile(frame)
    kinds = {name: c.kind for name, c in profile.columns.items()}
    assert kinds == {
        "x": ColumnKind.NUMERIC,
        "i": ColumnKind.NUMERIC,
        "c": ColumnKind.CATEGORICAL,
        "b": ColumnKind.BOOLEAN,
        "t": ColumnKind.DATETIME,
    }
    assert profile.row_count == len(frame)
    x = profile.columns["x"]
    assert (x.count, x.nulls, x.nan, x.pos_inf, x.neg_inf) == (5_000, 0, 7, 3, 2)
    finite = frame["x"].to_numpy()[np.isfinite(frame["x"].to_numpy())]
    assert x.moments is not None
    assert x.moments.n == finite.size
    assert x.moments.mean == pytest.approx(finite.mean(), rel=1e-12)
    assert x.moments.variance == pytest.approx(finite.var(), rel=1e-12)
    assert (x.moments.minimum, x.moments.maximum) == (finite.min(), finite.max())
    assert x.quantiles is not None
    assert x.quantiles.n == finite.size
    assert profile.columns["i"].nulls == int(frame["i"].isna().sum())
    c = profile.columns["c"]
    assert c.nulls == int(frame["c"].isna().sum())
    assert c.categories is not None
    assert c.categories.exact
    assert c.categories.as_dict() == frame["c"].value_counts().to_dict()
    assert c.distinct_count == 2
    b = profile.columns["b"]
    assert b.categories is not None
    assert b.categories.as_dict()["true"] == int(frame["b"].sum())
    assert b.moments is not None
    assert b.moments.mean == pytest.approx(frame["b"].mean())
    t = profile.columns["t"]
    assert t.moments is not None
    assert t.moments.minimum == datetime(2026, 1, 1, tzinfo=UTC).timestamp()


def test_distinct_count_is_within_hll_error() -> None:
    values = np.random.default_rng(5).integers(0, 50_000, 200_000).astype(np.float64)
    column = build_profile({"v": values}).columns["v"]
    truth = np.unique(values).size
    # 1.04 / sqrt(4096) = 1.6 % standard error; 5 % is three standard errors.
    assert column.distinct_count == pytest.approx(truth, rel=0.05)


def _same_numbers(a: object, b: object) -> None:
    from mlcontinuum.profiles import Profile

    assert isinstance(a, Profile)
    assert isinstance(b, Profile)
    assert a.row_count == b.row_count
    assert a.schema_fingerprint == b.schema_fingerprint
    for name, ca in a.columns.items():
        cb = b.columns[name]
        assert (ca.count, ca.nulls, ca.nan, ca.pos_inf, ca.neg_inf) == (
            cb.count,
            cb.nulls,
            cb.nan,
            cb.pos_inf,
            cb.neg_inf,
        )
        if ca.moments is not None:
            assert cb.moments is not None
            assert ca.moments.mean == pytest.approx(cb.moments.mean, rel=1e-9)
            assert ca.moments.m2 == pytest.approx(cb.moments.m2, rel=1e-9)
        if ca.categories is not None:
            assert cb.categories is not None
            assert ca.categories.as_dict() == cb.categories.as_dict()


def test_every_input_type_gives_the_same_profile(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    n = 3_000
    data = {"x": rng.normal(size=n), "c": rng.choice(["u", "v", "w"], n).astype(object)}
    frame = pd.DataFrame(data)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    csv_path, parquet_path = tmp_path / "d.csv", tmp_path / "d.parquet"
    frame.to_csv(csv_path, index=False)
    pq.write_table(table, parquet_path, row_group_size=500)
    expected = build_profile(frame)
    small = ProfileOptions(chunk_rows=700)
    for source in (
        pl.from_pandas(frame),
        table,
        table.to_batches(max_chunksize=1_000),
        table.combine_chunks().to_batches()[0],
        data,
        parquet_path,
        str(csv_path),
    ):
        _same_numbers(build_profile(source), expected)
    _same_numbers(build_profile(parquet_path, options=small), expected)
    _same_numbers(build_profile(frame, options=small), expected)


def test_progress_reports_rows_and_totals(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": np.arange(2_500.0)})
    calls: list[tuple[int, int | None]] = []
    build_profile(
        frame, options=ProfileOptions(chunk_rows=1_000), progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(1_000, 2_500), (2_000, 2_500), (2_500, 2_500)]
    path = tmp_path / "x.csv"
    frame.to_csv(path, index=False)
    streamed: list[tuple[int, int | None]] = []
    build_profile(path, progress=lambda d, t: streamed.append((d, t)))
    assert streamed[-1] == (2_500, None)


def test_window_and_fingerprint() -> None:
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    a = build_profile(
        {"x": np.arange(10.0), "c": np.array(["a"] * 10, dtype=object)}, window=(start, end)
    )
    assert (a.window_start, a.window_end) == (start, end)
    b = build_profile({"c": np.array(["b"] * 3, dtype=object), "x": np.arange(3.0)})
    assert a.schema_fingerprint == b.schema_fingerprint
    c = build_profile(
        {"x": np.array(["1"] * 3, dtype=object), "c": np.array(["b"] * 3, dtype=object)}
    )
    assert a.schema_fingerprint != c.schema_fingerprint


def _forbid_hashing_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dictionary-encoded labels must be counted on their codes, never hashed row by row."""
    from mlcontinuum.profiles import columns

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("labels were hashed row by row")

    monkeypatch.setattr(columns.pc, "value_counts", refuse)


def test_dictionary_encoded_labels_are_counted_on_their_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(13)
    n = 20_000
    plain = rng.choice(["red", "green", "blue", None], n, p=[0.5, 0.3, 0.15, 0.05])
    expected = build_profile({"c": plain.astype(object)}).columns["c"]
    assert expected.categories is not None
    parquet_path = tmp_path / "labels.parquet"
    pq.write_table(pa.table({"c": pa.array(plain, type=pa.string())}), parquet_path)
    # A dictionary with an unused entry, a repeated value and a null value inside it.
    codes = np.select(
        [plain == "red", plain == "green", plain == "blue"], [0, 1, 4], default=3
    ).astype(np.int32)
    codes[plain == "red"] = np.where(rng.random(int((plain == "red").sum())) < 0.5, 0, 5)
    odd_dictionary = pa.DictionaryArray.from_arrays(
        pa.array(codes), pa.array(["red", "green", "unused", None, "blue", "red"])
    )
    _forbid_hashing_labels(monkeypatch)
    for source in (
        pd.DataFrame({"c": pd.Categorical(plain)}),
        pa.table({"c": pa.array(plain).dictionary_encode()}),
        pl.DataFrame({"c": plain}, schema={"c": pl.Categorical}),
        pa.table({"c": odd_dictionary}),
        parquet_path,
    ):
        column = build_profile(source).columns["c"]
        assert column.kind is ColumnKind.CATEGORICAL
        assert column.nulls == expected.nulls, source
        assert column.categories is not None
        assert column.categories.as_dict() == expected.categories.as_dict(), source
