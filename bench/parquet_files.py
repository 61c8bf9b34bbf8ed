"""Write the workload to Parquet so every tool, in whatever environment, reads the same bytes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bench.workload import make_reference

# Small row groups so a chunked reader is bounded by its own chunk size, not by the file layout.
ROW_GROUP_ROWS = 128 * 1024


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # Plain `string` rather than pandas 3's large_string: what pandas 2.2 peers and Spark read too.
    schema = pa.schema(
        [
            pa.field(f.name, pa.string()) if pa.types.is_large_string(f.type) else f
            for f in table.schema
        ]
    )
    return table.cast(schema).replace_schema_metadata(None)


def write_frame(frame: pd.DataFrame, path: Path) -> Path:
    pq.write_table(_to_arrow(frame), path, row_group_size=ROW_GROUP_ROWS)
    return path


def write_reference_rows(path: Path, rows: int, seed: int, chunk_rows: int = 1_000_000) -> Path:
    """Write `rows` reference rows a chunk at a time, so a 10M-row file never sits in memory."""
    with pq.ParquetWriter(path, _to_arrow(make_reference(1, seed)).schema) as writer:
        written = 0
        part = 0
        while written < rows:
            size = min(chunk_rows, rows - written)
            # A different seed per chunk: the file is one long sample, not repeated blocks.
            frame = make_reference(size, seed + part)
            writer.write_table(_to_arrow(frame), row_group_size=ROW_GROUP_ROWS)
            written += size
            part += 1
    return path
