"""Writes profiles in format v1 (`continuum:profile:v1`), as the engine did before format v2, so
the tests can check that such stored profiles are still read, and read honestly."""

from __future__ import annotations

import json
import struct
import zlib
from collections import Counter
from typing import Any

import numpy as np
from datasketches import kll_doubles_sketch
from numpy.typing import NDArray

from mlcontinuum.profiles.hll import Hll, hash_numbers
from mlcontinuum.profiles.serde import MAGIC


def dumps_v1(
    columns: dict[str, NDArray[Any]], *, kll_k: int = 1024, level_limit: int = 10_000
) -> bytes:
    rows = len(next(iter(columns.values())))
    body = bytearray()

    def blob(raw: bytes) -> list[int]:
        body.extend(raw)
        return [len(body) - len(raw), len(raw)]

    entries = []
    for name, values in columns.items():
        entry: dict[str, Any] = {
            "name": name,
            "dtype": str(values.dtype),
            "count": rows,
            "nulls": 0,
            "pos_inf": 0,
            "neg_inf": 0,
            "reason": None,
            "hll": None,
            "kll": None,
            "moments": None,
            "categories": None,
        }
        if values.dtype.kind == "f":
            finite = values[np.isfinite(values)]
            sketch = kll_doubles_sketch(kll_k)
            sketch.update(finite.copy())
            hll = Hll()
            hll.update_hashes(hash_numbers(finite + 0.0))
            centred = finite - finite.mean()
            entry |= {
                "kind": "numeric",
                "nan": int(np.isnan(values).sum()),
                "moments": [
                    int(finite.size),
                    float(finite.mean()),
                    float(centred @ centred),
                    float(finite.min()),
                    float(finite.max()),
                ],
                "kll": blob(sketch.serialize()),
                "hll": blob(hll.to_bytes()),
            }
        else:
            counts = Counter(values.tolist())
            offset = 0
            if len(counts) > level_limit:
                # Misra–Gries as v1 did it: subtract the (limit + 1)-th largest count.
                cut = sorted(counts.values(), reverse=True)[level_limit]
                counts = Counter({k: v - cut for k, v in counts.items() if v > cut})
                offset = cut
            entry |= {
                "kind": "categorical",
                "nan": 0,
                "categories": {
                    "labels": list(counts),
                    "counts": list(counts.values()),
                    "offset": offset,
                    "total": rows,
                },
                "hll": blob(Hll().to_bytes()),
            }
        entries.append(entry)
    header = {
        "type": "continuum:profile:v1",
        "row_count": rows,
        "window": [None, None],
        "options": {
            "kll_k": kll_k,
            "level_limit": level_limit,
            "chunk_rows": 1_000_000,
            "max_columns": 100_000,
        },
        "columns": entries,
    }
    head = json.dumps(header).encode()
    return MAGIC + zlib.compress(struct.pack(">I", len(head)) + head + bytes(body))
