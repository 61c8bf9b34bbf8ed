"""`build_profile`: stream any supported input chunk by chunk into one profile."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from mlcontinuum.profiles.columns import profile_chunk
from mlcontinuum.profiles.errors import ProfileInputError
from mlcontinuum.profiles.inputs import Chunk, ColumnChunk, open_source
from mlcontinuum.profiles.merging import merge_columns
from mlcontinuum.profiles.model import ColumnProfile, Profile, ProfileOptions

Progress = Callable[[int, int | None], None]
_DEFAULT_OPTIONS = ProfileOptions()
_PARALLEL_MIN_ROWS = 50_000


def build_profile(
    data: object,
    *,
    options: ProfileOptions = _DEFAULT_OPTIONS,
    window: tuple[datetime | None, datetime | None] | None = None,
    progress: Progress | None = None,
) -> Profile:
    """Profile `data`, reading at most `options.chunk_rows` rows at a time.

    `data` is a pandas or polars DataFrame, a pyarrow Table or RecordBatch, an iterable of
    RecordBatches (all with the same column names), a dict of 1-D NumPy arrays, or the path of a
    .csv or .parquet file. `window` is the (start, end) time range the rows cover, if known.
    `progress(rows_done, rows_total)` is called after each chunk; `rows_total` is None when the
    input does not say (CSV, batch streams). Raises ProfileInputError for input that cannot be
    profiled at all; columns that cannot be profiled are kept as `unsupported` with a reason.
    """
    start, end = window if window is not None else (None, None)
    if start is not None and end is not None and start > end:
        raise ProfileInputError(f"window starts after it ends: {start} > {end}")
    source = open_source(data, options.chunk_rows)
    columns: dict[str, ColumnProfile] | None = None
    rows = 0
    # NumPy and Arrow release the GIL, so a second thread overlaps their work with the KLL
    # updates, which hold it.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for chunk in source.chunks:
            if columns is None:
                _check_width(len(chunk.columns), options)
            elif list(chunk.columns) != list(columns):
                raise ProfileInputError(
                    f"the chunk after row {rows} has columns {_names(chunk.columns)}, "
                    f"the first had {_names(columns)}"
                )
            parts = _profile_columns(chunk, options, pool)
            if columns is None:
                columns = {part.name: part for part in parts}
            else:
                for part in parts:
                    columns[part.name] = merge_columns(columns[part.name], part, options)
            rows += chunk.length
            if progress is not None:
                progress(rows, source.total_rows)
    if columns is None:
        raise ProfileInputError("the input is empty: no rows and no columns")
    if not columns:
        raise ProfileInputError("the input has no columns")
    if rows == 0:
        raise ProfileInputError("the input has no rows")
    return Profile(
        columns=columns, row_count=rows, options=options, window_start=start, window_end=end
    )


def _profile_columns(
    chunk: Chunk, options: ProfileOptions, pool: ThreadPoolExecutor
) -> Iterator[ColumnProfile]:
    def work(item: tuple[str, ColumnChunk]) -> ColumnProfile:
        return profile_chunk(item[0], item[1], options)

    # Short chunks are dominated by per-task overhead; threads only pay on long ones.
    if chunk.length < _PARALLEL_MIN_ROWS:
        return map(work, chunk.columns.items())
    return pool.map(work, chunk.columns.items())


def _check_width(width: int, options: ProfileOptions) -> None:
    if width > options.max_columns:
        raise ProfileInputError(
            f"the input has {width} columns, more than max_columns={options.max_columns}"
        )


def _names(columns: Mapping[str, object]) -> str:
    names = list(columns)
    return ", ".join(names[:10]) + (f" … ({len(names)} in all)" if len(names) > 10 else "")
