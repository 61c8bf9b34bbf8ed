"""`profile_spark` on a real local-mode Spark matches `build_profile` of the same pandas frame.

Spark runs from the jars inside the pyspark wheel (no download) on the machine's Java 17, bound
to 127.0.0.1 with the UI off. One session serves the whole module to keep it well under a minute.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from mlcontinuum.profiles import (
    ColumnKind,
    Profile,
    ProfileInputError,
    ProfileOptions,
    build_profile,
    dumps,
    loads,
    merge,
)
from mlcontinuum.profiles.spark import (
    _merge_partials,
    _profile_partition,
    _rebatched,
    profile_spark,
)

pyspark_sql = pytest.importorskip("pyspark.sql")

pytestmark = [
    pytest.mark.spark,
    # One xdist worker for the whole module, so the suite starts one JVM rather than one each.
    pytest.mark.xdist_group("spark"),
    # PySpark 4 warns that it is not yet tested with pandas 3; the conversions used here work.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

ROWS = 60_000
PARTITIONS = 7


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    # Executors are Python processes started by the JVM: make them this interpreter, so they
    # import the same mlcontinuum and pyarrow as the driver.
    saved = {
        k: os.environ.get(k) for k in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON", "SPARK_LOCAL_IP")
    }
    os.environ.update(
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
        SPARK_LOCAL_IP="127.0.0.1",
    )
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("continuum-profile-spark-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    heavy = rng.standard_t(2, ROWS)
    heavy[rng.random(ROWS) < 0.05] = np.nan
    levels = np.array([f"level_{i:03d}" for i in range(300)], dtype=object)
    labels = pd.Series(levels[rng.zipf(1.3, ROWS) % 300], dtype=object)
    labels[rng.random(ROWS) < 0.02] = None
    return pd.DataFrame(
        {
            "normal": rng.normal(5.0, 2.0, ROWS),
            "heavy_with_missing": heavy,
            "count": rng.poisson(3.0, ROWS).astype(np.int64),
            "label": labels,
            "flag": rng.random(ROWS) < 0.3,
            "seen_at": pd.Timestamp("2026-01-01")
            + pd.to_timedelta(rng.integers(0, 86_400 * 30, ROWS), unit="s"),
        }
    )


@pytest.fixture(scope="module")
def profiles(spark: Any, frame: pd.DataFrame) -> tuple[Profile, Profile]:
    # Round-robin into 7 partitions: seven partial profiles to merge on the driver. (Empty
    # partitions are covered without a Spark job by the `_profile_partition` test below.)
    df = spark.createDataFrame(frame).repartition(PARTITIONS)
    assert df.rdd.getNumPartitions() == PARTITIONS
    return build_profile(frame), profile_spark(df)


def test_same_rows_columns_and_kinds(profiles: tuple[Profile, Profile]) -> None:
    local, distributed = profiles
    assert distributed.row_count == local.row_count == ROWS
    assert list(distributed.columns) == list(local.columns)
    assert {n: c.kind for n, c in distributed.columns.items()} == {
        n: c.kind for n, c in local.columns.items()
    }
    assert distributed.schema_fingerprint == local.schema_fingerprint


def test_exact_fields_match(profiles: tuple[Profile, Profile]) -> None:
    local, distributed = profiles
    for name, expected in local.columns.items():
        got = distributed.columns[name]
        assert got.count == expected.count, name
        # Spark turns a pandas NaN into a SQL null on the way in, so compare what is missing.
        assert got.missing == expected.missing, name
        assert (got.pos_inf, got.neg_inf) == (expected.pos_inf, expected.neg_inf), name
        if expected.moments is None:
            assert got.moments is None, name
            continue
        assert got.moments is not None, name
        assert got.moments.n == expected.moments.n, name
        assert got.moments.minimum == expected.moments.minimum, name
        assert got.moments.maximum == expected.moments.maximum, name
        assert got.moments.mean == pytest.approx(expected.moments.mean, rel=1e-9, abs=1e-12), name
        assert got.moments.variance == pytest.approx(expected.moments.variance, rel=1e-9), name


def test_category_counts_are_equal(profiles: tuple[Profile, Profile]) -> None:
    local, distributed = profiles
    for name in ("label", "flag"):
        expected, got = local.columns[name].categories, distributed.columns[name].categories
        assert expected is not None
        assert got is not None
        assert got.exact
        assert expected.exact
        assert got.as_dict() == expected.as_dict()
    label = distributed.columns["label"]
    assert label.nulls == local.columns["label"].nulls > 0
    # Register-wise max makes the distinct-count union exact, whatever the partitioning.
    assert label.distinct_count == local.columns["label"].distinct_count


def test_quantiles_within_kll_rank_error(
    profiles: tuple[Profile, Profile], frame: pd.DataFrame
) -> None:
    local, distributed = profiles
    ranks = np.linspace(0.01, 0.99, 25)
    for name in ("normal", "heavy_with_missing", "count", "seen_at"):
        got, expected = distributed.columns[name].quantiles, local.columns[name].quantiles
        assert got is not None
        assert expected is not None
        assert got.n == expected.n, name
        assert got.exact == expected.exact, name
        if got.exact:
            # Exact value counts merge exactly, whatever the partitioning.
            assert np.array_equal(got.values, expected.values), name
            assert np.array_equal(got.counts, expected.counts), name
        # The sketch's own bound on its rank error (0 for exact counts), merged partials included.
        epsilon = max(got.rank_error(), expected.rank_error())
        values = _finite_values(frame[name])
        for rank in ranks:
            quantile = got.get_quantile(float(rank))
            true_rank = np.searchsorted(values, quantile, side="right") / values.size
            # Ties (integer counts) make a whole range of ranks map to one value.
            lower = np.searchsorted(values, quantile, side="left") / values.size
            assert lower - 2 * epsilon <= rank <= true_rank + 2 * epsilon, (name, rank)
            assert abs(expected.get_rank(quantile) - got.get_rank(quantile)) <= 2 * epsilon


def test_category_and_exact_counts_are_byte_for_byte_those_of_build_profile(
    spark: Any, profiles: tuple[Profile, Profile], frame: pd.DataFrame
) -> None:
    """Counts do not depend on partitions or merge order (moments do, by float rounding: see
    test_exact_fields_match); a second run of the same plan gives the same bytes."""
    local, distributed = profiles
    for name in ("label", "flag"):
        only = [name]
        assert dumps(_only(distributed, only)) == dumps(_only(local, only)), name
    again = profile_spark(spark.createDataFrame(frame).repartition(PARTITIONS))
    assert dumps(again) == dumps(distributed)


def _only(profile: Profile, names: list[str]) -> Profile:
    return Profile(
        columns={n: profile.columns[n] for n in names},
        row_count=profile.row_count,
        options=profile.options,
    )


def test_no_columns_is_refused_before_any_job(spark: Any) -> None:
    with pytest.raises(ProfileInputError, match="no columns"):
        profile_spark(spark.range(3).select())


def test_empty_dataframe_is_a_clear_error(spark: Any) -> None:
    empty = spark.createDataFrame([], "normal double, label string")
    with pytest.raises(ProfileInputError, match="no rows"):
        profile_spark(empty)


def test_kinds_cover_every_family(profiles: tuple[Profile, Profile]) -> None:
    _, distributed = profiles
    kinds = {c.kind for c in distributed.columns.values()}
    assert kinds == {
        ColumnKind.NUMERIC,
        ColumnKind.CATEGORICAL,
        ColumnKind.BOOLEAN,
        ColumnKind.DATETIME,
    }


def _finite_values(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series.dropna().astype("datetime64[s]").astype(np.int64).to_numpy(dtype=np.float64)
    else:
        values = series.to_numpy(dtype=np.float64)
    return np.sort(values[np.isfinite(values)])


def test_partition_batches_are_regrouped_and_empty_partitions_skipped() -> None:
    options = ProfileOptions(chunk_rows=25)
    batches = [pa.record_batch({"x": pa.array(range(i * 10, i * 10 + 10))}) for i in range(6)]
    empty = pa.record_batch({"x": pa.array([], type=pa.int64())})
    assert list(_profile_partition(iter([]), options)) == []
    assert list(_profile_partition(iter([empty]), options)) == []
    regrouped = list(_rebatched([empty, *batches], rows=25))
    assert [b.num_rows for b in regrouped] == [30, 30]
    (row,) = _profile_partition(iter(batches), options)
    partial = loads(row.column(0)[0].as_py())
    assert partial.row_count == 60
    assert partial.columns["x"].moments is not None
    assert partial.columns["x"].moments.maximum == 59


def test_partials_are_merged_in_order_on_the_executor() -> None:
    parts = [build_profile({"x": np.arange(i * 10.0, i * 10.0 + 10)}) for i in range(4)]
    blobs = [pa.record_batch({"profile": pa.array([dumps(p)], type=pa.binary())}) for p in parts]
    assert list(_merge_partials(iter([]))) == []
    (row,) = _merge_partials(iter(blobs))
    merged = loads(row.column(0)[0].as_py())
    expected = parts[0]
    for part in parts[1:]:
        expected = merge(expected, part)
    assert dumps(merged) == dumps(expected)
