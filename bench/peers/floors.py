"""Two floors for the profile benchmark, run in Continuum's own process on the same frames.

- The *touch* floor: every value read once, the least any profiler must do. A sum per numeric
  column, `pandas.factorize` per categorical column (labels must be told apart at least once).
- The *sketch* floor: the sketches of a profile used directly, with nothing around them.
  DataSketches' KLL (k = 1024) per numeric column, a vectorised HyperLogLog per numeric column
  (the engine's own; DataSketches' HLL takes one value per Python call, ~0.3 s per million, which
  would make the floor weak), and exact counts (`numpy.bincount`) of categorical columns whose
  codes were computed beforehand, outside the timing.

Inputs are prepared outside the timing (`prepare`) so neither floor pays for conversions the
engine must do inside its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from datasketches import kll_doubles_sketch
from numpy.typing import NDArray

from mlcontinuum.profiles.hll import Hll

KLL_K = 1024


@dataclass(frozen=True)
class Prepared:
    """A frame split into writable float64 arrays and pre-computed categorical codes."""

    numeric: list[NDArray[np.float64]]
    codes: list[NDArray[np.intp]]
    categorical: list[pd.Series]


def prepare(frame: pd.DataFrame) -> Prepared:
    numeric, codes, categorical = [], [], []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column):
            # DataSketches' binding only takes writable arrays.
            numeric.append(np.array(column.to_numpy(dtype=np.float64), copy=True))
        else:
            found = pd.factorize(column)[0]
            codes.append(found[found >= 0])  # -1 marks a missing value
            categorical.append(column)
    return Prepared(numeric, codes, categorical)


def touch_floor(prepared: Prepared) -> int:
    """Read every value once; returns something from each so nothing is optimised away."""
    touched = 0
    for values in prepared.numeric:
        touched += int(np.isfinite(values.sum()))
    for column in prepared.categorical:
        touched += int(pd.factorize(column)[0].max())
    return touched


def sketch_floor(prepared: Prepared) -> int:
    retained = 0
    for values in prepared.numeric:
        sketch = kll_doubles_sketch(KLL_K)
        sketch.update(values)
        distinct = Hll()
        distinct.update_values(values)
        retained += sketch.num_retained + int(distinct.registers[0])
    for codes in prepared.codes:
        retained += int(np.bincount(codes).size)
    return retained
