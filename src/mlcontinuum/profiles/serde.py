"""Versioned binary form of a profile: `dumps` / `loads`.

`loads` (in `reading.py`) turns the bytes of any version back into a profile.

Layout: the magic bytes `CONTINUUM-PROFILE\\n`, then one zlib stream holding a 4-byte big-endian
header length, a JSON header, and a body of binary blobs (little-endian float64 items and int64
counts of the quantile summaries and category buckets, HLL registers) addressed by (offset,
length) from the header. The header's `type` key (`continuum:profile:v2`) names the format; a
reader refuses any other, except format v1, which it upgrades (`serde_v1`). Everything read is
checked (sizes, offsets, order, counts that must add up) so a damaged or forged file fails with
ProfileFormatError instead of producing wrong numbers. The same profile always gives the same
bytes.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from mlcontinuum.profiles.categories import HASH_SPACE, CategoryCounts, bucket_count, hash_check
from mlcontinuum.profiles.errors import ProfileError, ProfileFormatError
from mlcontinuum.profiles.hll import Hll
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile, Profile, ProfileOptions
from mlcontinuum.profiles.moments import Moments
from mlcontinuum.profiles.quantiles import MAX_ATOMS, Quantiles, level_capacities

MAGIC = b"CONTINUUM-PROFILE\n"
TYPE_KEY = "continuum:profile:v2"
V1_TYPE_KEY = "continuum:profile:v1"
# Refuse to inflate more than this: a profile is bounded, a zip bomb is not.
_MAX_INFLATED = 1 << 31
_MAX_LEVELS = 64
_FLOAT = np.dtype("<f8")
_INT = np.dtype("<i8")

Blob = Callable[[bytes], list[int]]


def dumps(profile: Profile) -> bytes:
    """The profile as bytes; raises ProfileError (never another error) if it cannot be."""
    body = bytearray()

    def blob(raw: bytes) -> list[int]:
        body.extend(raw)
        return [len(body) - len(raw), len(raw)]

    header = {
        "type": TYPE_KEY,
        "row_count": profile.row_count,
        "window": [_iso(profile.window_start), _iso(profile.window_end)],
        "options": {
            "kll_k": profile.options.kll_k,
            "level_limit": profile.options.level_limit,
            "chunk_rows": profile.options.chunk_rows,
            "max_columns": profile.options.max_columns,
            "value_limit": profile.options.value_limit,
        },
        "label_hash": f"{hash_check():016x}",
        "columns": [_column_header(c, blob) for c in profile.columns.values()],
    }
    try:
        head = json.dumps(
            header, separators=(",", ":"), allow_nan=False, ensure_ascii=False
        ).encode()
    except (ValueError, TypeError) as exc:
        raise ProfileError(f"the profile cannot be serialised ({exc})") from exc
    return MAGIC + zlib.compress(struct.pack(">I", len(head)) + head + bytes(body), 6)


def unpack(raw: bytes) -> tuple[Any, bytes]:
    """The header (parsed JSON) and body of profile bytes of any version, or ProfileFormatError."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise ProfileFormatError("a profile is bytes")
    data = bytes(raw)
    if not data.startswith(MAGIC):
        raise ProfileFormatError("not a Continuum profile (bad magic bytes)")
    try:
        inflater = zlib.decompressobj()
        plain = inflater.decompress(data[len(MAGIC) :], _MAX_INFLATED)
        if not inflater.eof or inflater.unconsumed_tail or inflater.unused_data:
            raise ProfileFormatError("profile bytes are truncated, oversized or have trailing data")
    except zlib.error as exc:
        raise ProfileFormatError(f"profile bytes are damaged ({exc})") from exc
    if len(plain) < 4:
        raise ProfileFormatError("profile header is missing")
    (head_len,) = struct.unpack(">I", plain[:4])
    if head_len > len(plain) - 4:
        raise ProfileFormatError("profile header length exceeds the data")
    try:
        header = json.loads(plain[4 : 4 + head_len])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProfileFormatError(f"profile header is not JSON ({exc})") from exc
    return header, plain[4 + head_len :]


def read(header: dict[str, Any], body: bytes) -> Profile:
    """A profile of the current format from its unpacked header and body."""
    return _profile(header, body)


# --- writing ---------------------------------------------------------------------------------


def _column_header(column: ColumnProfile, blob: Blob) -> dict[str, Any]:
    m = column.moments
    return {
        "name": column.name,
        "kind": column.kind.value,
        "dtype": column.dtype,
        "count": column.count,
        "nulls": column.nulls,
        "nan": column.nan,
        "pos_inf": column.pos_inf,
        "neg_inf": column.neg_inf,
        "moments": None if m is None else [m.n, m.mean, m.std, m.minimum, m.maximum],
        "reason": column.reason,
        "quantiles": None
        if column.quantiles is None
        else _quantiles_header(column.quantiles, blob),
        "hll": None if column.distinct is None else blob(column.distinct.to_bytes()),
        "categories": None
        if column.categories is None
        else _categories_header(column.categories, blob),
    }


def _quantiles_header(q: Quantiles, blob: Blob) -> dict[str, Any]:
    if q.n == 0:
        return {"n": 0}
    atoms, counts = q.atoms
    entry: dict[str, Any] = {
        "n": q.n,
        "minimum": q.minimum,
        "maximum": q.maximum,
        "values": blob(atoms.astype(_FLOAT).tobytes()),
        "counts": blob(counts.astype(_INT).tobytes()),
    }
    if not q.exact:
        entry["levels"] = [int(level.size) for level in q.levels]
        entry["items"] = blob(np.concatenate(q.levels).astype(_FLOAT).tobytes())
        entry["error_sq"] = q.error_sq
        entry["compactions"] = q.compactions
    return entry


def _categories_header(c: CategoryCounts, blob: Blob) -> dict[str, Any]:
    return {
        "labels": c.labels.to_pylist(),
        "counts": c.counts.tolist(),
        "total": c.total,
        "threshold": None if c.threshold is None else f"{c.threshold:x}",
        "buckets": None if c.buckets is None else blob(c.buckets.astype(_INT).tobytes()),
    }


# --- reading ---------------------------------------------------------------------------------


def _profile(header: dict[str, Any], body: bytes) -> Profile:
    if header.get("type") != TYPE_KEY:
        raise ProfileFormatError(
            f"unsupported profile format {header.get('type')!r}; this version reads {TYPE_KEY} "
            f"(and upgrades {V1_TYPE_KEY})"
        )
    options = ProfileOptions(**{k: _int(v) for k, v in header["options"].items()})
    if header["label_hash"] != f"{hash_check():016x}":
        raise ProfileFormatError(
            "the profile's labels were hashed differently from this version (pandas' label hash "
            "changed?); profile the data again"
        )
    return assemble(header, [column(entry, body, options) for entry in header["columns"]], options)


def assemble(
    header: dict[str, Any], columns: list[ColumnProfile], options: ProfileOptions
) -> Profile:
    row_count = _int(header["row_count"])
    by_name: dict[str, ColumnProfile] = {}
    for item in columns:
        if item.name in by_name:
            raise ProfileFormatError(f"column {item.name!r} appears twice")
        if item.count != row_count:
            raise ProfileFormatError(
                f"column {item.name!r} counts {item.count} rows of {row_count}"
            )
        by_name[item.name] = item
    start, end = (None if w is None else datetime.fromisoformat(w) for w in header["window"])
    return Profile(
        columns=by_name, row_count=row_count, options=options, window_start=start, window_end=end
    )


def column(entry: dict[str, Any], body: bytes, options: ProfileOptions) -> ColumnProfile:
    counts = {k: _int(entry[k]) for k in ("count", "nulls", "nan", "pos_inf", "neg_inf")}
    result = ColumnProfile(
        name=str(entry["name"]),
        kind=ColumnKind(entry["kind"]),
        dtype=str(entry["dtype"]),
        moments=None if entry["moments"] is None else _moments(entry["moments"]),
        quantiles=None
        if entry["quantiles"] is None
        else _quantiles(entry["quantiles"], body, options),
        distinct=None if entry["hll"] is None else Hll.from_bytes(_slice(body, entry["hll"])),
        categories=None
        if entry["categories"] is None
        else _categories(entry["categories"], body, options),
        reason=None if entry["reason"] is None else str(entry["reason"]),
        **counts,
    )
    check_consistent(result, options)
    return result


def check_consistent(column: ColumnProfile, options: ProfileOptions) -> None:
    problem = None
    q, m, c = column.quantiles, column.moments, column.categories
    if column.valid < 0:
        problem = "more missing values than rows"
    elif m is not None and m.n > column.valid:
        problem = "more values in the moments than valid rows"
    elif q is not None and (q.k, q.value_limit) != (options.kll_k, options.value_limit):
        problem = "quantile summary built with other options"
    elif q is not None and q.n != (0 if m is None else m.n):
        problem = "quantile summary and moments disagree on the value count"
    elif q is not None and m is not None and (q.minimum, q.maximum) != (m.minimum, m.maximum):
        problem = "quantile summary and moments disagree on the range"
    elif c is not None and (
        int(c.counts.sum()) > c.total
        or c.total > column.valid
        or len(c.counts) > options.level_limit
        or (c.exact and int(c.counts.sum()) != c.total)
    ):
        problem = "category counts do not add up"
    if problem:
        raise ProfileFormatError(f"column {column.name!r}: {problem}")


def _moments(values: list[Any]) -> Moments:
    n, mean, std, low, high = values
    moments = Moments(
        n=_int(n), mean=_float(mean), std=_float(std), minimum=_float(low), maximum=_float(high)
    )
    if moments.n < 1 or moments.std < 0 or moments.minimum > moments.maximum:
        raise ProfileFormatError("moments are inconsistent")
    return moments


def _quantiles(entry: dict[str, Any], body: bytes, options: ProfileOptions) -> Quantiles:
    k, limit = options.kll_k, options.value_limit
    n = _int(entry["n"])
    if n == 0:
        return Quantiles.empty(k, limit)
    low, high = _float(entry["minimum"]), _float(entry["maximum"])
    values = _floats(body, entry["values"])
    counts = _ints(body, entry["counts"])
    if (
        values.size != counts.size
        or (counts < 1).any()
        or (np.diff(values) <= 0).any()
        or (values.size and (values[0] < low or values[-1] > high))
        or low > high
    ):
        raise ProfileFormatError("exact value counts are inconsistent")
    if "levels" not in entry:
        if (
            values.size > limit
            or values.size == 0
            or int(counts.sum()) != n
            or (values[0], values[-1]) != (low, high)
        ):
            raise ProfileFormatError("exact value counts are inconsistent")
        return Quantiles(
            k=k, value_limit=limit, n=n, minimum=low, maximum=high, values=values, counts=counts
        )
    sizes = [_int(size) for size in entry["levels"]]
    items = _floats(body, entry["items"])
    if not 1 <= len(sizes) <= _MAX_LEVELS or sum(sizes) != items.size:
        raise ProfileFormatError("sketch levels do not match its items")
    if items.size > sum(level_capacities(k, len(sizes))) or values.size > MAX_ATOMS:
        raise ProfileFormatError("sketch holds more items than its levels allow")
    levels = np.split(items, np.cumsum(sizes)[:-1])
    weight = int(counts.sum()) + sum(size << h for h, size in enumerate(sizes))
    if (
        weight != n
        or any((np.diff(level) < 0).any() for level in levels)
        or (items.size and (items.min() < low or items.max() > high))
    ):
        raise ProfileFormatError("sketch items are inconsistent")
    error_sq = _float(entry["error_sq"])
    if error_sq < 0:
        raise ProfileFormatError("sketch error is negative")
    return Quantiles(
        k=k,
        value_limit=limit,
        n=n,
        minimum=low,
        maximum=high,
        values=values,
        counts=counts,
        levels=[level.copy() for level in levels],
        error_sq=error_sq,
        compactions=_int(entry["compactions"]),
    )


def _categories(entry: dict[str, Any], body: bytes, options: ProfileOptions) -> CategoryCounts:
    labels = entry["labels"]
    counts = np.asarray(entry["counts"], dtype=np.int64)
    if (
        len(labels) != len(counts)
        or (counts < 1).any()
        or not all(isinstance(x, str) for x in labels)
    ):
        raise ProfileFormatError("category labels and counts do not match")
    if len(set(labels)) != len(labels):
        raise ProfileFormatError("category labels repeat")
    threshold = None if entry["threshold"] is None else int(entry["threshold"], 16)
    buckets = None if entry["buckets"] is None else _ints(body, entry["buckets"])
    result = CategoryCounts(
        labels=pa.array(labels, type=pa.string()),
        counts=counts,
        total=_int(entry["total"]),
        threshold=threshold,
        buckets=buckets,
    )
    if threshold is None or threshold == 0:
        # Exact counts, or a summary upgraded from format v1 that nothing compares (untrusted).
        if buckets is not None:
            raise ProfileFormatError("exact or untrusted category counts have no buckets")
        return result
    size = bucket_count(options.level_limit)
    if (
        buckets is None
        or not 0 < threshold <= HASH_SPACE
        or len(buckets) != size
        or (buckets < 0).any()
        or int(buckets.sum()) != result.total
    ):
        raise ProfileFormatError("category summary is inconsistent")
    hashes = result.hashes
    if threshold < HASH_SPACE and (hashes >= np.uint64(threshold)).any():
        raise ProfileFormatError("category summary holds a label above its threshold")
    sampled = np.zeros(size, dtype=np.int64)
    np.add.at(sampled, (hashes & np.uint64(size - 1)).astype(np.intp), counts)
    if (sampled > buckets).any():
        raise ProfileFormatError("category summary counts more in a label than in its bucket")
    return result


def _slice(body: bytes, where: list[Any]) -> bytes:
    offset, length = _int(where[0]), _int(where[1])
    if offset + length > len(body):
        raise ProfileFormatError("a blob lies outside the profile body")
    return body[offset : offset + length]


def _floats(body: bytes, where: list[Any]) -> NDArray[np.float64]:
    raw = _slice(body, where)
    if len(raw) % 8:
        raise ProfileFormatError("a float blob has a partial item")
    values = np.frombuffer(raw, dtype=_FLOAT).astype(np.float64)
    if not np.isfinite(values).all():
        raise ProfileFormatError("a summary holds a non-finite item")
    return values


def _ints(body: bytes, where: list[Any]) -> NDArray[np.int64]:
    raw = _slice(body, where)
    if len(raw) % 8:
        raise ProfileFormatError("an integer blob has a partial item")
    return np.frombuffer(raw, dtype=_INT).astype(np.int64)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProfileFormatError(f"expected a non-negative integer, got {value!r}")
    return value


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProfileFormatError(f"expected a finite number, got {value!r}")
    return float(value)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
