"""Fairness per sensitive feature, with Fairlearn: demographic parity difference, equalized odds
difference and per-group metrics (a `MetricFrame`), on the model's predicted labels.

The positive class is the one the model's scores are for (see `positive_label` in the gates
file); group sizes are recorded because a difference over a handful of rows means little.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from pydantic import Field
from sklearn.metrics import accuracy_score

from mlcontinuum.gates.context import GateContext
from mlcontinuum.gates.enums import GateStatus
from mlcontinuum.gates.registry import Gate, GateParams, Outcome, register

# More groups than this is a continuous column: bin it before calling it a sensitive feature.
MAX_GROUPS = 50


class Params(GateParams):
    sensitive_features: list[str] = Field(min_length=1, max_length=20)
    max_demographic_parity_difference: float = Field(default=0.1, ge=0, le=1)
    max_equalized_odds_difference: float = Field(default=0.1, ge=0, le=1)


def _feature(
    name: str, groups: pd.Series, y_true: np.ndarray, y_pred: np.ndarray
) -> dict[str, Any]:
    frame = MetricFrame(
        metrics={
            "count": count,
            "selection_rate": selection_rate,
            "accuracy": accuracy_score,
            "true_positive_rate": true_positive_rate,
            "false_positive_rate": false_positive_rate,
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups,
    )
    by_group = frame.by_group.reset_index()
    by_group = by_group.rename(columns={by_group.columns[0]: "group"})
    return {
        "feature": name,
        "demographic_parity_difference": float(
            demographic_parity_difference(y_true, y_pred, sensitive_features=groups)
        ),
        "equalized_odds_difference": float(
            equalized_odds_difference(y_true, y_pred, sensitive_features=groups)
        ),
        "groups": [
            {k: (str(v) if k == "group" else _number(v)) for k, v in row.items()}
            for row in by_group.to_dict(orient="records")
        ],
    }


def _number(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


def check(params: Params, context: GateContext) -> Outcome:
    e = context.evaluation
    if not e.is_classifier:
        return Outcome(GateStatus.NOT_RUN, "the fairness gate is for classifiers")
    missing = [f for f in params.sensitive_features if f not in context.data.columns]
    if missing:
        return Outcome(
            GateStatus.ERROR,
            f"sensitive feature(s) not in the evaluation data: {', '.join(missing)}",
        )
    # Fairlearn counts selections of label 1: the positive class becomes 1, the rest 0.
    y_true = np.asarray(e.y_true == e.positive_label, dtype=int)
    y_pred = np.asarray(e.y_pred == e.positive_label, dtype=int)
    measured: dict[str, float | None] = {}
    thresholds: dict[str, float] = {}
    features: list[dict[str, Any]] = []
    failed: list[str] = []
    for name in params.sensitive_features:
        groups = context.data[name].astype("string").fillna("(missing)")
        if groups.nunique() > MAX_GROUPS:
            return Outcome(
                GateStatus.ERROR,
                f"'{name}' has {groups.nunique()} distinct values; bin it into at most "
                f"{MAX_GROUPS} groups first",
            )
        result = _feature(name, groups, y_true, y_pred)
        features.append(result)
        for metric, limit in (
            ("demographic_parity_difference", params.max_demographic_parity_difference),
            ("equalized_odds_difference", params.max_equalized_odds_difference),
        ):
            key = f"{name}.{metric}"
            measured[key], thresholds[key] = result[metric], limit
            if result[metric] > limit:
                failed.append(f"{key} {result[metric]:.3f} > {limit:g}")
    details = {"positive_label": str(e.positive_label), "features": features}
    if failed:
        return Outcome(GateStatus.FAILED, "; ".join(failed), measured, thresholds, details)
    return Outcome(
        GateStatus.PASSED,
        f"within limits for {', '.join(params.sensitive_features)}",
        measured,
        thresholds,
        details,
    )


register(
    Gate(
        name="fairness",
        params=Params,
        fn=check,
        description="Fairlearn demographic parity and equalized odds per sensitive feature",
    )
)
