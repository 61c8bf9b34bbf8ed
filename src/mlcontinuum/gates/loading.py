"""Loading the candidate model and its evaluation data on the client.

Only the client that trained a model loads it, and even then not blindly: a skops file is loaded
with skops' trusted-type check (types outside scikit-learn and a few NumPy types must be
trusted by name), and a pickle or joblib file only with an explicit `--trust-pickle`, because
unpickling runs whatever code the file names.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from mlcontinuum.kernel.errors import FieldProblem, ValidationFailed
from mlcontinuum.registry.enums import SKOPS_DATA_TYPES

PICKLE_SUFFIXES = frozenset({".pkl", ".pickle", ".joblib"})


def _refuse(message: str, field: str, rule: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldProblem(field, rule, message)])


def load_model(path: Path, *, trust_pickle: bool = False, trusted: Iterable[str] = ()) -> Any:
    suffix = path.suffix.lower()
    if suffix == ".skops":
        import skops.io as sio

        untrusted = set(sio.get_untrusted_types(file=path))
        unknown = sorted(untrusted - SKOPS_DATA_TYPES - set(trusted))
        if unknown:
            raise _refuse(
                f"{path.name} holds types skops does not trust: {', '.join(unknown)}; if you "
                "trust them, pass --trust-type NAME for each",
                "--model-file",
                "untrusted_types",
            )
        return sio.load(path, trusted=sorted(untrusted))
    if suffix in PICKLE_SUFFIXES:
        if not trust_pickle:
            raise _refuse(
                f"{path.name} is a pickle: loading it runs any code it names. Save the model with "
                "skops (.skops), or pass --trust-pickle if you made this file yourself",
                "--model-file",
                "pickle_not_trusted",
            )
        if suffix == ".joblib":
            import joblib

            return joblib.load(path)
        with path.open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 - the user passed --trust-pickle
    raise _refuse(
        f"{path.name}: model files are .skops, or .pkl/.pickle/.joblib with --trust-pickle",
        "--model-file",
        "format",
    )


def read_data(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    raise _refuse(f"{path.name}: evaluation data is a .csv or .parquet file", "--data", "format")
