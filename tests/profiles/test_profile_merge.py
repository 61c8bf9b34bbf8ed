"""merge(a, b) is associative and commutative: exact fields equal, sketches within tolerance."""

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
    merge,
)

SMALL = ProfileOptions(kll_k=64, level_limit=8)

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
            # Two KLL sketches of the same values agree on any rank within both error bounds.
            tolerance = 2 * ca.quantiles.normalized_rank_error(False)
            for q in (0.1, 0.5, 0.9):
                value = ca.quantiles.get_quantile(q)
                assert abs(ca.quantiles.get_rank(value) - cb.quantiles.get_rank(value)) <= tolerance
        if ca.distinct is not None:
            assert cb.distinct is not None
            # HLL registers merge by max: exactly associative and commutative.
            assert np.array_equal(ca.distinct.registers, cb.distinct.registers)
        if ca.categories is not None:
            assert cb.categories is not None
            assert ca.categories.total == cb.categories.total
            if ca.categories.exact and cb.categories.exact:
                assert ca.categories.as_dict() == cb.categories.as_dict()
            else:
                # Misra–Gries: every kept count is within the larger offset of the other.
                slack = max(ca.categories.offset, cb.categories.offset)
                da, db = ca.categories.as_dict(), cb.categories.as_dict()
                for label in da.keys() | db.keys():
                    assert abs(da.get(label, 0) - db.get(label, 0)) <= slack


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(numbers, labels, numbers, labels, numbers, labels)
def test_merge_is_associative_and_commutative(
    x1: list[float], l1: list[str], x2: list[float], l2: list[str], x3: list[float], l3: list[str]
) -> None:
    a, b, c = _part(x1, l1), _part(x2, l2), _part(x3, l3)
    assert_equivalent(merge(a, b), merge(b, a))
    assert_equivalent(merge(merge(a, b), c), merge(a, merge(b, c)))


@settings(max_examples=25, deadline=None)
@given(numbers, labels, numbers, labels)
def test_merge_of_parts_matches_profile_of_whole(
    x1: list[float], l1: list[str], x2: list[float], l2: list[str]
) -> None:
    n1, n2 = min(len(x1), len(l1)), min(len(x2), len(l2))
    whole = _part(x1[:n1] + x2[:n2], l1[:n1] + l2[:n2])
    assert_equivalent(merge(_part(x1, l1), _part(x2, l2)), whole)


def test_category_summary_error_is_bounded_past_the_level_limit() -> None:
    rng = np.random.default_rng(1)
    weights = 1.0 / np.arange(1, 201) ** 1.2
    values = rng.choice([f"v{i}" for i in range(200)], 20_000, p=weights / weights.sum())
    parts = [
        build_profile({"c": chunk.astype(object)}, options=SMALL)
        for chunk in np.array_split(values, 7)
    ]
    merged = parts[0]
    for part in parts[1:]:
        merged = merge(merged, part)
    categories = merged.columns["c"].categories
    assert categories is not None
    assert not categories.exact
    assert len(categories.counts) <= SMALL.level_limit
    truth = dict(zip(*np.unique(values, return_counts=True), strict=True))
    for label, count in categories.as_dict().items():
        assert truth[label] - categories.offset <= count <= truth[label]
    assert (
        categories.offset
        <= (categories.total - categories.counts.sum()) / (SMALL.level_limit + 1) + 1e-9
    )
    heaviest = max(truth, key=truth.__getitem__)
    assert heaviest in categories.as_dict()


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
