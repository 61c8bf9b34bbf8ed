"""merge(a, b) is associative and commutative: exact fields equal, sketches within tolerance;
commutative byte for byte; category and exact value counts the same however the rows were split."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlcontinuum.profiles import (
    ColumnKind,
    Profile,
    ProfileError,
    ProfileOptions,
    build_profile,
    dumps,
    merge,
)
from mlcontinuum.profiles.categories import hash_labels

SMALL = ProfileOptions(kll_k=64, level_limit=8, value_limit=16)

numbers = st.lists(
    st.one_of(
        st.floats(min_value=-1e6, max_value=1e6),
        st.sampled_from([float("nan"), float("inf"), float("-inf")]),
    ),
    min_size=1,
    max_size=300,
)
labels = st.lists(st.sampled_from([f"l{i}" for i in range(12)]), min_size=1, max_size=300)


def _part(xs: list[float], ls: list[str]) -> Profile:
    n = min(len(xs), len(ls))
    return build_profile(
        {"x": np.asarray(xs[:n], dtype=np.float64), "c": np.asarray(ls[:n], dtype=object)},
        options=SMALL,
    )


def assert_equivalent(a: Profile, b: Profile) -> None:
    assert a.row_count == b.row_count
    assert a.schema_fingerprint == b.schema_fingerprint
    for name, ca in a.columns.items():
        cb = b.columns[name]
        assert ca.kind is cb.kind
        assert (ca.count, ca.nulls, ca.nan, ca.pos_inf, ca.neg_inf) == (
            cb.count,
            cb.nulls,
            cb.nan,
            cb.pos_inf,
            cb.neg_inf,
        )
        if ca.moments is None:
            assert cb.moments is None
        else:
            assert cb.moments is not None
            assert (ca.moments.n, ca.moments.minimum, ca.moments.maximum) == (
                cb.moments.n,
                cb.moments.minimum,
                cb.moments.maximum,
            )
            assert ca.moments.mean == pytest.approx(cb.moments.mean, rel=1e-9, abs=1e-6)
            assert ca.moments.m2 == pytest.approx(cb.moments.m2, rel=1e-9, abs=1e-3)
        if ca.quantiles is not None and not ca.quantiles.is_empty():
            assert cb.quantiles is not None
            assert ca.quantiles.n == cb.quantiles.n
            assert ca.quantiles.exact == cb.quantiles.exact
            if ca.quantiles.exact:
                assert np.array_equal(ca.quantiles.values, cb.quantiles.values)
                assert np.array_equal(ca.quantiles.counts, cb.quantiles.counts)
            # Two summaries of the same values agree on any rank within both error bounds.
            tolerance = ca.quantiles.rank_error() + cb.quantiles.rank_error()
            for q in (0.1, 0.5, 0.9):
                value = ca.quantiles.get_quantile(q)
                assert abs(ca.quantiles.get_rank(value) - cb.quantiles.get_rank(value)) <= (
                    tolerance + 1e-12
                )
        if ca.distinct is not None or cb.distinct is not None:
            assert ca.distinct is not None
            assert cb.distinct is not None
            # HLL registers merge by max: exactly associative and commutative.
            assert np.array_equal(ca.distinct.registers, cb.distinct.registers)
        if ca.categories is not None:
            assert cb.categories is not None
            # Exact below the level limit, a canonical summary past it: equal either way.
            assert ca.categories.total == cb.categories.total
            assert ca.categories.as_dict() == cb.categories.as_dict()
            assert ca.categories.threshold == cb.categories.threshold
            assert (ca.categories.buckets is None) == (cb.categories.buckets is None)
            if ca.categories.buckets is not None:
                assert cb.categories.buckets is not None
                assert np.array_equal(ca.categories.buckets, cb.categories.buckets)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(numbers, labels, numbers, labels, numbers, labels)
def test_merge_is_associative_and_commutative(
    x1: list[float], l1: list[str], x2: list[float], l2: list[str], x3: list[float], l3: list[str]
) -> None:
    a, b, c = _part(x1, l1), _part(x2, l2), _part(x3, l3)
    assert dumps(merge(a, b)) == dumps(merge(b, a))
    assert_equivalent(merge(merge(a, b), c), merge(a, merge(b, c)))


@settings(max_examples=25, deadline=None)
@given(numbers, labels, numbers, labels)
def test_merge_of_parts_matches_profile_of_whole(
    x1: list[float], l1: list[str], x2: list[float], l2: list[str]
) -> None:
    n1, n2 = min(len(x1), len(l1)), min(len(x2), len(l2))
    whole = _part(x1[:n1] + x2[:n2], l1[:n1] + l2[:n2])
    assert_equivalent(merge(_part(x1, l1), _part(x2, l2)), whole)


def test_category_summary_past_the_level_limit_is_exact_where_it_counts() -> None:
    """The hash sample holds exact counts, the buckets count every value, and the summary is
    the same however the rows were chunked and in whatever order the parts were merged."""
    rng = np.random.default_rng(1)
    weights = 1.0 / np.arange(1, 201) ** 1.2
    values = rng.choice([f"v{i}" for i in range(200)], 20_000, p=weights / weights.sum())
    truth = dict(zip(*np.unique(values, return_counts=True), strict=True))
    whole = build_profile({"c": values.astype(object)}, options=SMALL).columns["c"].categories
    assert whole is not None
    assert not whole.exact
    assert len(whole.counts) == SMALL.level_limit
    for label, count in whole.as_dict().items():
        assert count == truth[label]
    hashes = hash_labels(np.array(sorted(truth), dtype=object))
    # The sample is exactly the level_limit labels of smallest hash.
    assert sorted(whole.hashes.tolist()) == sorted(hashes.tolist())[: SMALL.level_limit]
    assert whole.buckets is not None
    assert int(whole.buckets.sum()) == values.size
    for parts in (7, 3, 50):
        pieces = [
            build_profile({"c": chunk.astype(object)}, options=SMALL)
            for chunk in np.array_split(values, parts)
        ]
        for order in (pieces, pieces[::-1], pieces[1::2] + pieces[::2]):
            merged = order[0]
            for piece in order[1:]:
                merged = merge(merged, piece)
            assert dumps(merged) == dumps(
                build_profile({"c": values.astype(object)}, options=SMALL)
            )


def test_merge_handles_schema_differences() -> None:
    a = build_profile({"x": np.arange(4.0), "only_a": np.arange(4.0)})
    b = build_profile({"x": np.array(["p", "q"], dtype=object)})
    merged = merge(a, b)
    assert merged.row_count == 6
    assert merged.columns["x"].kind is ColumnKind.UNSUPPORTED
    assert "kind conflict" in (merged.columns["x"].reason or "")
    only_a = merged.columns["only_a"]
    assert (only_a.count, only_a.nulls, only_a.kind) == (6, 2, ColumnKind.NUMERIC)
    with pytest.raises(ProfileError, match="different options"):
        merge(a, build_profile({"x": np.arange(3.0)}, options=SMALL))
