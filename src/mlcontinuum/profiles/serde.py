"""Versioned binary form of a profile: `dumps` / `loads`.

Layout: the magic bytes `CONTINUUM-PROFILE\\n`, then one zlib stream holding a 4-byte big-endian
header length, a JSON header, and a body of sketch blobs (KLL in DataSketches' own format, HLL
registers) addressed by (offset, length) from the header. The header's `type` key
(`continuum:profile:v1`) names the format; a reader refuses any other. Everything read is checked
(sizes, offsets, counts, sketch bytes) so a damaged or forged file fails with ProfileFormatError
instead of producing wrong numbers.
"""

from __future__ import annotations

import json
import struct
import zlib
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
from datasketches import kll_doubles_sketch

from mlcontinuum.profiles.categories import CategoryCounts
from mlcontinuum.profiles.errors import ProfileFormatError
from mlcontinuum.profiles.hll import Hll
from mlcontinuum.profiles.model import ColumnKind, ColumnProfile, Profile, ProfileOptions
from mlcontinuum.profiles.moments import Moments

MAGIC = b"CONTINUUM-PROFILE\n"
TYPE_KEY = "continuum:profile:v1"
# Refuse to inflate more than this: a profile is bounded, a zip bomb is not.
_MAX_INFLATED = 1 << 31


def dumps(profile: Profile) -> bytes:
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
        },
        "columns": [_column_header(c, blob) for c in profile.columns.values()],
    }
    head = json.dumps(header, separators=(",", ":"), allow_nan=False, ensure_ascii=False).encode()
    return MAGIC + zlib.compress(struct.pack(">I", len(head)) + head + bytes(body), 6)


def loads(raw: bytes) -> Profile:
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
    body = plain[4 + head_len :]
    try:
        return _profile(header, body)
    except ProfileFormatError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, RuntimeError, AttributeError) as exc:
        raise ProfileFormatError(
            f"profile content is invalid ({type(exc).__name__}: {exc})"
        ) from exc


def _column_header(column: ColumnProfile, blob: Any) -> dict[str, Any]:
    m = column.moments
    entry: dict[str, Any] = {
        "name": column.name,
        "kind": column.kind.value,
        "dtype": column.dtype,
        "count": column.count,
        "nulls": column.nulls,
        "nan": column.nan,
        "pos_inf": column.pos_inf,
        "neg_inf": column.neg_inf,
        "moments": None if m is None else [m.n, m.mean, m.m2, m.minimum, m.maximum],
        "reason": column.reason,
        "kll": None if column.quantiles is None else blob(column.quantiles.serialize()),
        "hll": None if column.distinct is None else blob(column.distinct.to_bytes()),
        "categories": None,
    }
    if column.categories is not None:
        c = column.categories
        entry["categories"] = {
            "labels": c.labels.to_pylist(),
            "counts": c.counts.tolist(),
            "offset": c.offset,
            "total": c.total,
        }
    return entry


def _profile(header: dict[str, Any], body: bytes) -> Profile:
    if header.get("type") != TYPE_KEY:
        raise ProfileFormatError(
            f"unsupported profile format {header.get('type')!r}; this version reads {TYPE_KEY}"
        )
    options = ProfileOptions(**{k: _int(v) for k, v in header["options"].items()})
    row_count = _int(header["row_count"])
    columns: dict[str, ColumnProfile] = {}
    for entry in header["columns"]:
        column = _column(entry, body, options)
        if column.name in columns:
            raise ProfileFormatError(f"column {column.name!r} appears twice")
        if column.count != row_count:
            raise ProfileFormatError(
                f"column {column.name!r} counts {column.count} rows of {row_count}"
            )
        columns[column.name] = column
    start, end = (None if w is None else datetime.fromisoformat(w) for w in header["window"])
    return Profile(
        columns=columns, row_count=row_count, options=options, window_start=start, window_end=end
    )


def _column(entry: dict[str, Any], body: bytes, options: ProfileOptions) -> ColumnProfile:
    name = str(entry["name"])
    counts = {k: _int(entry[k]) for k in ("count", "nulls", "nan", "pos_inf", "neg_inf")}
    column = ColumnProfile(
        name=name,
        kind=ColumnKind(entry["kind"]),
        dtype=str(entry["dtype"]),
        moments=None if entry["moments"] is None else _moments(entry["moments"]),
        quantiles=None
        if entry["kll"] is None
        else kll_doubles_sketch.deserialize(_slice(body, entry["kll"])),
        distinct=None if entry["hll"] is None else Hll.from_bytes(_slice(body, entry["hll"])),
        categories=None if entry["categories"] is None else _categories(entry["categories"]),
        reason=None if entry["reason"] is None else str(entry["reason"]),
        **counts,
    )
    _check_consistent(column, options)
    return column


def _check_consistent(column: ColumnProfile, options: ProfileOptions) -> None:
    problem = None
    if column.valid < 0:
        problem = "more missing values than rows"
    elif column.moments is not None and column.moments.n > column.valid:
        problem = "more values in the moments than valid rows"
    elif column.quantiles is not None and column.quantiles.k != options.kll_k:
        problem = "quantile sketch built with other options"
    elif (
        column.quantiles is not None
        and column.moments is not None
        and column.quantiles.n != column.moments.n
    ):
        problem = "quantile sketch and moments disagree on the value count"
    elif column.categories is not None and (
        int(column.categories.counts.sum()) > column.categories.total
        or column.categories.total > column.valid
        or len(column.categories.counts) > options.level_limit
    ):
        problem = "category counts do not add up"
    if problem:
        raise ProfileFormatError(f"column {column.name!r}: {problem}")


def _moments(values: list[Any]) -> Moments:
    n, mean, m2, low, high = values
    moments = Moments(
        n=_int(n), mean=float(mean), m2=float(m2), minimum=float(low), maximum=float(high)
    )
    if moments.n < 1 or moments.m2 < 0 or moments.minimum > moments.maximum:
        raise ProfileFormatError("moments are inconsistent")
    return moments


def _categories(entry: dict[str, Any]) -> CategoryCounts:
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
    return CategoryCounts(
        labels=pa.array(labels, type=pa.string()),
        counts=counts,
        offset=_int(entry["offset"]),
        total=_int(entry["total"]),
    )


def _slice(body: bytes, where: list[Any]) -> bytes:
    offset, length = _int(where[0]), _int(where[1])
    if offset + length > len(body):
        raise ProfileFormatError("a sketch blob lies outside the profile body")
    return body[offset : offset + length]


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProfileFormatError(f"expected a non-negative integer, got {value!r}")
    return value


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
