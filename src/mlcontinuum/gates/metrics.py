"""The metrics the metric-threshold gate knows, computed with scikit-learn.

Names are the keys KPIs map to: a KPI's name lower-cased with every run of other characters
turned into `_` ("ROC AUC" → `roc_auc`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

from mlcontinuum.gates.context import Evaluation


class NotApplicable(Exception):
    """The metric does not apply to this model (e.g. RMSE of a classifier)."""


@dataclass(frozen=True)
class Metric:
    name: str
    higher_is_better: bool
    fn: Callable[[Evaluation, float], float]  # (evaluation, k share) → value


def metric_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _classifier(e: Evaluation) -> None:
    if not e.is_classifier:
        raise NotApplicable("a classification metric; this model is a regressor")


def _regressor(e: Evaluation) -> None:
    if e.is_classifier:
        raise NotApplicable("a regression metric; this model is a classifier")


def _average(e: Evaluation) -> dict[str, object]:
    # Binary: the positive class's score, as KPIs mean it; more classes: the unweighted mean.
    return (
        {"average": "binary", "pos_label": e.positive_label} if e.binary else {"average": "macro"}
    )


def _labelled(
    score: Callable[..., float],
) -> Callable[[Evaluation, float], float]:
    def compute(e: Evaluation, _k: float) -> float:
        _classifier(e)
        return float(score(e.y_true, e.y_pred, zero_division=0, **_average(e)))

    return compute


def _accuracy(e: Evaluation, _k: float) -> float:
    _classifier(e)
    return float(skm.accuracy_score(e.y_true, e.y_pred))


def _proba(e: Evaluation) -> np.ndarray:
    _classifier(e)
    if e.proba is None:
        raise NotApplicable("needs predicted probabilities; the model has no predict_proba")
    return e.proba


def _roc_auc(e: Evaluation, _k: float) -> float:
    proba = _proba(e)
    if e.binary:
        scores = e.positive_scores()
        return float(skm.roc_auc_score(e.y_true == e.positive_label, scores))
    return float(skm.roc_auc_score(e.y_true, proba, multi_class="ovr", labels=e.classes))


def _log_loss(e: Evaluation, _k: float) -> float:
    return float(skm.log_loss(e.y_true, _proba(e), labels=e.classes))


def recall_at_top_k(positive: np.ndarray, scores: np.ndarray, k: float) -> float:
    """Share of all positives found among the top `k` share of rows by score."""
    if not positive.any():
        return float("nan")
    top = max(1, int(np.ceil(k * len(scores))))
    order = np.argsort(-scores, kind="stable")[:top]
    return float(positive[order].sum() / positive.sum())


def _recall_at_top_k(e: Evaluation, k: float) -> float:
    _proba(e)
    scores = e.positive_scores()
    if scores is None:
        raise NotApplicable("defined for binary classifiers")
    return recall_at_top_k(np.asarray(e.y_true == e.positive_label), scores, k)


def _regression(score: Callable[..., float]) -> Callable[[Evaluation, float], float]:
    def compute(e: Evaluation, _k: float) -> float:
        _regressor(e)
        return float(score(e.y_true, e.y_pred))

    return compute


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("accuracy", True, _accuracy),
        Metric("precision", True, _labelled(skm.precision_score)),
        Metric("recall", True, _labelled(skm.recall_score)),
        Metric("f1", True, _labelled(skm.f1_score)),
        Metric("roc_auc", True, _roc_auc),
        Metric("log_loss", False, _log_loss),
        Metric("rmse", False, _regression(skm.root_mean_squared_error)),
        Metric("mae", False, _regression(skm.mean_absolute_error)),
        Metric("r2", True, _regression(skm.r2_score)),
        Metric("recall_at_top_k", True, _recall_at_top_k),
    )
}
