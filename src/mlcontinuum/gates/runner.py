"""Run the gates of a gates file on a model and its evaluation data, one after another."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import is_classifier

from mlcontinuum.gates.context import Evaluation, GateContext
from mlcontinuum.gates.document import GatesFile
from mlcontinuum.gates.enums import GateStatus
from mlcontinuum.gates.schemas import GateResultData, finite_json
from mlcontinuum.kernel.errors import FieldProblem, ValidationFailed

# (gate name, index, count) before each gate: the CLI shows progress with it.
Progress = Callable[[str, int, int], None]


def evaluate(
    model: Any, data: pd.DataFrame, target: str, positive_label: Any | None = None
) -> Evaluation:
    """Score the evaluation data once; every gate reads the same predictions."""
    if target not in data.columns:
        raise ValidationFailed(
            f"the evaluation data has no column '{target}'",
            [
                FieldProblem(
                    "--target", "exists", f"columns: {', '.join(map(str, data.columns[:30]))}"
                )
            ],
        )
    features = data.drop(columns=[target])
    y_true = data[target].to_numpy()
    y_pred = np.asarray(model.predict(features))
    classes: list[Any] = []
    proba = None
    if is_classifier(model) or hasattr(model, "classes_"):
        classes = list(model.classes_)
        if hasattr(model, "predict_proba"):
            proba = np.asarray(model.predict_proba(features))
    if classes:
        positive_label = _positive(classes, positive_label)
    return Evaluation(model, features, y_true, y_pred, proba, classes, positive_label)


def _positive(classes: list[Any], wanted: Any | None) -> Any:
    if wanted is None:
        return classes[-1]  # scikit-learn's convention: the scores are for the last class
    for label in classes:
        if label == wanted or str(label) == str(wanted):
            return label
    raise ValidationFailed(
        f"positive_label {wanted!r} is not a class of the model: {', '.join(map(str, classes))}",
        [FieldProblem("positive_label", "class", "name one of the model's classes")],
    )


def run_gates(
    gates_file: GatesFile, context: GateContext, progress: Progress | None = None
) -> list[GateResultData]:
    results = []
    for index, spec in enumerate(gates_file.gates):
        if progress is not None:
            progress(spec.gate.name, index, len(gates_file.gates))
        started = time.perf_counter()
        try:
            outcome = spec.gate.fn(spec.params, context)
            status, message = outcome.status, outcome.message
            measured, thresholds, details = outcome.measured, outcome.thresholds, outcome.details
        except Exception as exc:
            status, message = GateStatus.ERROR, f"{type(exc).__name__}: {exc}"
            measured, thresholds = {}, {}
            details = {"traceback": traceback.format_exc(limit=5)}
        results.append(
            GateResultData(
                gate=spec.gate.name,
                type_key=spec.gate.type_key,
                status=status,
                required=spec.params.required,
                message=message,
                measured={k: finite_json(v) for k, v in measured.items()},
                thresholds=thresholds,
                details=details,
                duration_seconds=round(time.perf_counter() - started, 3),
            )
        )
    return results
