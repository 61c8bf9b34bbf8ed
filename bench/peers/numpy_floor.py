"""The floor: one plain NumPy / pandas pass over the same columns, no sketches, no verdicts.

Per numeric column min, max, mean, variance and the deciles; per categorical column the exact
value counts. This is the least work any profiler must do, so Continuum is measured against it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from peer_protocol import PeerResult, Stopwatch, parse_args, peak_rss_mb

DECILES = np.linspace(0.0, 1.0, 11)


def one_pass(frame: pd.DataFrame) -> int:
    touched = 0
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column):
            values = column.to_numpy()
            summary = (values.min(), values.max(), values.mean(), values.var())
            quantiles = np.quantile(values, DECILES)
            touched += len(summary) + len(quantiles)
        else:
            touched += len(column.value_counts())
    return touched


def main() -> None:
    args = parse_args(__doc__ or "")
    with Stopwatch() as load:
        reference = pd.read_parquet(args.reference)
        current = pd.read_parquet(args.current)
    result = PeerResult(
        tool="numpy/pandas floor",
        version=f"np {np.__version__} / pd {pd.__version__}",
        rows=len(reference),
        load_seconds=load.seconds,
        loaded_rss_mb=peak_rss_mb(),
    )
    for _ in range(args.repeat):
        with Stopwatch() as work:
            one_pass(reference)
            one_pass(current)
        result.record(work, None)
    result.emit()


if __name__ == "__main__":
    main()
