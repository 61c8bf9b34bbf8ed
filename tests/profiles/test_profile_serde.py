"""dumps / loads: round trip, bounded size, refusal of damaged or foreign bytes."""

from __future__ import annotations

import json
import struct
import zlib
from datetime import UTC, datetime

import numpy as np
import pytest

from mlcontinuum.profiles import ProfileFormatError, build_profile, compare, dumps, loads
from mlcontinuum.profiles.serde import MAGIC

# docs/profiles.md states these bounds per column.
NUMERIC_BOUND = 40_000
CATEGORICAL_BOUND_5000 = 60_000


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
    assert small < large < NUMERIC_BOUND
    labels = np.array([f"level-{i:05d}" for i in range(5_000)], dtype=object)
    few = _column_size(labels[rng.integers(0, 5_000, 5_000)])
    many = _column_size(labels[rng.integers(0, 5_000, 1_000_000)])
    assert few < CATEGORICAL_BOUND_5000
    assert many < CATEGORICAL_BOUND_5000


def _repack(raw: bytes, edit: object) -> bytes:
    plain = zlib.decompress(raw[len(MAGIC) :])
    (size,) = struct.unpack(">I", plain[:4])
    header = json.loads(plain[4 : 4 + size])
    edit(header)  # type: ignore[operator]
    head = json.dumps(header).encode()
    return MAGIC + zlib.compress(struct.pack(">I", len(head)) + head + plain[4 + size :])


@pytest.fixture(scope="module")
def raw() -> bytes:
    return dumps(
        build_profile({"x": np.arange(100.0), "c": np.array(["a", "b"] * 50, dtype=object)})
    )


def test_unknown_version_is_refused(raw: bytes) -> None:
    with pytest.raises(ProfileFormatError, match="unsupported profile format"):
        loads(_repack(raw, lambda h: h.update(type="continuum:profile:v99")))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda h: h["columns"][0].update(count=101), "counts 101 rows"),
        (lambda h: h["columns"][0].update(nulls=1000), "more missing values"),
        (lambda h: h["columns"][0].update(kll=[0, 10**9]), "outside the profile body"),
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
