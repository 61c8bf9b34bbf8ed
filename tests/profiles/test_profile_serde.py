"""dumps / loads: round trip, bounded size, refusal of damaged or foreign bytes."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from datetime import UTC, datetime

import numpy as np
import pytest
from profile_v1 import dumps_v1

from mlcontinuum.profiles import (
    ProfileFormatError,
    ProfileOptions,
    build_profile,
    compare,
    dumps,
    loads,
    merge,
)
from mlcontinuum.profiles.serde import MAGIC

# docs/profiles.md states these bounds per column.
NUMERIC_BOUND = 40_000
CATEGORICAL_BOUND_5000 = 60_000
CATEGORICAL_BOUND_PAST_LIMIT = 60_000


def test_round_trip_keeps_every_number() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=10_000)
    x[:5] = np.nan
    window = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))
    profile = build_profile(
        {"x": x, "c": rng.choice(["a", "b", "c"], 10_000).astype(object), "b": x > 0}, window=window
    )
    again = loads(dumps(profile))
    assert dumps(again) == dumps(profile)
    assert (again.window_start, again.window_end) == window
    assert again.schema_fingerprint == profile.schema_fingerprint
    assert not compare(profile, again).drifted
    assert again.columns["x"].moments == profile.columns["x"].moments
    assert again.columns["x"].nan == 5


def _column_size(values: np.ndarray) -> int:
    return len(dumps(build_profile({"v": values})))


def test_column_size_is_bounded_whatever_the_row_count() -> None:
    rng = np.random.default_rng(4)
    small, large = _column_size(rng.normal(size=1_000)), _column_size(rng.normal(size=1_000_000))
    assert small < NUMERIC_BOUND
    assert large < NUMERIC_BOUND
    # Exact value counts at the value limit (2,048 distinct values of any count).
    assert _column_size(rng.integers(0, 2_048, 1_000_000).astype(np.float64)) < NUMERIC_BOUND
    labels = np.array([f"level-{i:05d}" for i in range(5_000)], dtype=object)
    few = _column_size(labels[rng.integers(0, 5_000, 5_000)])
    many = _column_size(labels[rng.integers(0, 5_000, 1_000_000)])
    assert few < CATEGORICAL_BOUND_5000
    assert many < CATEGORICAL_BOUND_5000
    # Past a level limit of 1,000: a 1,000-label sample and 512 buckets, whatever the rows.
    options = ProfileOptions(level_limit=1_000)
    ids = np.array([f"id-{i:07d}" for i in range(200_000)], dtype=object)
    for rows in (20_000, 1_000_000):
        size = len(
            dumps(build_profile({"v": ids[rng.integers(0, ids.size, rows)]}, options=options))
        )
        assert size < CATEGORICAL_BOUND_PAST_LIMIT


def test_the_same_data_gives_the_same_bytes_in_another_process(tmp_path: object) -> None:
    """Nothing random and nothing clock-seeded: another interpreter writes identical bytes."""
    script = (
        "import sys, numpy as np\n"
        "from mlcontinuum.profiles import build_profile, dumps\n"
        "rng = np.random.default_rng(6)\n"
        "x = rng.lognormal(0, 1.5, 300_000)\n"
        "c = np.array([f'k{i}' for i in rng.zipf(1.3, 300_000) % 30_000], dtype=object)\n"
        "sys.stdout.buffer.write(dumps(build_profile({'x': x, 'c': c})))\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, check=True).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    rng = np.random.default_rng(6)
    x = rng.lognormal(0, 1.5, 300_000)
    c = np.array([f"k{i}" for i in rng.zipf(1.3, 300_000) % 30_000], dtype=object)
    assert dumps(build_profile({"x": x, "c": c})) == runs[0]
    profile = loads(runs[0])
    assert profile.columns["c"].categories is not None
    assert not profile.columns["c"].categories.exact
    assert profile.columns["x"].quantiles is not None
    assert not profile.columns["x"].quantiles.exact


def test_format_v1_profiles_are_upgraded_on_load() -> None:
    rng = np.random.default_rng(10)
    n = 50_000
    x = rng.normal(size=n)
    small_ints = rng.integers(0, 30, n).astype(np.float64)
    few = rng.choice(["a", "b", "c"], n).astype(object)
    many = np.array([f"id{i}" for i in rng.integers(0, 400, n)], dtype=object)
    raw = dumps_v1({"x": x, "k": small_ints, "few": few, "many": many}, level_limit=100)
    old = loads(raw)
    options = ProfileOptions(level_limit=100)
    assert old.options == options
    new = build_profile({"x": x, "k": small_ints, "few": few, "many": many}, options=options)
    # Moments: m2 became std; quantiles: DataSketches' items, with DataSketches' error bound.
    for name in ("x", "k"):
        a, b = old.columns[name], new.columns[name]
        assert a.moments is not None
        assert b.moments is not None
        assert a.moments.std == pytest.approx(b.moments.std, rel=1e-9)
        assert a.quantiles is not None
        assert a.quantiles.n == n
    assert old.columns["x"].quantiles is not None
    assert old.columns["x"].quantiles.rank_error() == pytest.approx(0.0027, abs=0.0002)
    # Exact category counts stay exact; a Misra–Gries summary is kept but not compared.
    assert old.columns["few"].categories is not None
    assert old.columns["few"].categories.as_dict() == new.columns["few"].categories.as_dict()  # type: ignore[union-attr]
    assert old.columns["many"].categories is not None
    assert not old.columns["many"].categories.trusted
    report = compare(old, new)
    by_column = {c.column: c for c in report.columns}
    assert not report.drifted
    assert "format v1" in (by_column["many"].skipped or "")
    assert by_column["few"].outcomes
    # Upgraded profiles merge with current ones and write format v2.
    merged = merge(old, new)
    assert loads(dumps(merged)).row_count == 2 * n
    assert b'"continuum:profile:v2"' in zlib.decompress(dumps(merged)[len(MAGIC) :])


def _repack(raw: bytes, edit: object) -> bytes:
    plain = zlib.decompress(raw[len(MAGIC) :])
    (size,) = struct.unpack(">I", plain[:4])
    header = json.loads(plain[4 : 4 + size])
    edit(header)  # type: ignore[operator]
    head = json.dumps(header).encode()
    return MAGIC + zlib.compress(struct.pack(">I", len(head)) + head + plain[4 + size :])


@pytest.fixture(scope="module")
def raw() -> bytes:
    # x: 2,000 distinct values, sketched at value_limit 100; c exact; w past its level limit.
    options = ProfileOptions(value_limit=100, level_limit=16)
    return dumps(
        build_profile(
            {
                "x": np.arange(2_000.0),
                "c": np.array(["a", "b"] * 1_000, dtype=object),
                "w": np.array([f"w{i % 50}" for i in range(2_000)], dtype=object),
            },
            options=options,
        )
    )


def test_unknown_version_is_refused(raw: bytes) -> None:
    with pytest.raises(ProfileFormatError, match="unsupported profile format") as refused:
        loads(_repack(raw, lambda h: h.update(type="continuum:profile:v99")))
    assert "continuum:profile:v2" in str(refused.value)
    assert "continuum:profile:v1" in str(refused.value)


def test_a_damaged_v1_profile_is_refused() -> None:
    raw = dumps_v1({"x": np.arange(100.0)})

    def damage(header: dict[str, object]) -> None:
        header["columns"][0]["kll"] = [0, 10]  # type: ignore[index]

    with pytest.raises(ProfileFormatError):
        loads(_repack(raw, damage))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda h: h["columns"][0].update(count=2001), "counts 2001 rows"),
        (lambda h: h["columns"][0].update(nulls=3000), "more missing values"),
        (lambda h: h["columns"][0]["quantiles"].update(items=[0, 10**9]), "outside the profile"),
        (lambda h: h["columns"][0]["quantiles"].update(n=99), "inconsistent"),
        (lambda h: h["columns"][0]["quantiles"].update(levels=[1, 2]), "do not match"),
        (lambda h: h["columns"][0]["quantiles"].update(error_sq=-1.0), "negative"),
        (lambda h: h["columns"][0]["moments"].__setitem__(2, float("nan")), "finite number"),
        (lambda h: h["columns"][1]["categories"].update(total=7), "do not add up"),
        (lambda h: h["columns"][2]["categories"].update(threshold="1"), "above its threshold"),
        (lambda h: h["columns"][2]["categories"].update(total=3), "inconsistent"),
        (lambda h: h.update(label_hash="0"), "hashed differently"),
        (lambda h: h["columns"][0].update(hll=[0, 10]), "invalid"),
        (lambda h: h["columns"][1]["categories"].update(counts=[1]), "do not match"),
        (lambda h: h["columns"][0].update(count=-1), "non-negative"),
        (lambda h: h["columns"][0].update(kind="tensor"), "invalid"),
        (lambda h: h["columns"][0]["moments"].__setitem__(0, 5), "disagree"),
    ],
)
def test_tampered_sizes_are_refused(raw: bytes, edit: object, message: str) -> None:
    with pytest.raises(ProfileFormatError, match=message):
        loads(_repack(raw, edit))


@pytest.mark.parametrize(
    "garbage",
    [b"", b"hello", MAGIC, MAGIC + b"not zlib", MAGIC + zlib.compress(b"\x00\x00\x00\x10{}")],
)
def test_garbage_is_refused(garbage: bytes) -> None:
    with pytest.raises(ProfileFormatError):
        loads(garbage)


def test_truncated_and_flipped_bytes_are_refused(raw: bytes) -> None:
    with pytest.raises(ProfileFormatError):
        loads(raw[:-10])
    flipped = bytearray(raw)
    flipped[len(raw) // 2] ^= 0xFF
    with pytest.raises(ProfileFormatError):
        loads(bytes(flipped))
