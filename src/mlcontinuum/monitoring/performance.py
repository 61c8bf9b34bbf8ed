"""Model performance of one window, from SQL aggregates over its labelled predictions.

No prediction row is loaded into Python: one aggregate query decides the task and counts the
confusion matrix at 0.5, and for a binary task one GROUP BY returns a 100-bin score histogram per
label (at most 200 rows), from which the ROC AUC is computed. Ties inside a bin count as half a
correct pair, so the AUC differs from the exact one by at most half the share of positive-negative
pairs that share a bin.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from mlcontinuum.monitoring.eval_schemas import Performance
from mlcontinuum.monitoring.models import Prediction

BINS = 100
CUTOFF = 0.5


def window_performance(
    session: Session, deployment_id: int, start: datetime, end: datetime
) -> Performance | None:
    """Performance of the deployment's predictions made in [start, end), or None when none of
    them has a label yet. Binary when every labelled value is in [0, 1] and every label is 0 or
    1; regression otherwise."""
    in_window = and_(
        Prediction.deployment_id == deployment_id,
        Prediction.hour_start >= start,
        Prediction.hour_start < end,
    )
    labelled = Prediction.label.is_not(None)
    error = Prediction.value - Prediction.label
    predicted = Prediction.value >= CUTOFF
    positive = Prediction.label == 1.0
    row = session.execute(
        select(
            func.count(),
            func.count(Prediction.label),
            _count(
                and_(
                    labelled,
                    or_(
                        Prediction.value < 0.0,
                        Prediction.value > 1.0,
                        and_(Prediction.label != 0.0, Prediction.label != 1.0),
                    ),
                )
            ),
            _count(and_(labelled, predicted, positive)),
            _count(and_(labelled, predicted, Prediction.label != 1.0)),
            _count(and_(labelled, ~predicted, positive)),
            func.avg(case((labelled, func.abs(error)))),
            func.avg(case((labelled, error * error))),
        ).where(in_window)
    ).one()
    total, n, non_binary, tp, fp, fn, mae, mse = (
        int(row[0]),
        int(row[1]),
        int(row[2] or 0),
        int(row[3] or 0),
        int(row[4] or 0),
        int(row[5] or 0),
        row[6],
        row[7],
    )
    if n == 0:
        return None
    if non_binary:
        return Performance(
            task="regression",
            predictions=total,
            labelled=n,
            metrics={"mae": float(mae), "rmse": math.sqrt(float(mse))},
        )
    tn = n - tp - fp - fn
    return Performance(
        task="binary",
        predictions=total,
        labelled=n,
        metrics={
            "roc_auc": _auc(session, and_(in_window, labelled)),
            "accuracy": (tp + tn) / n,
            "precision": tp / (tp + fp) if tp + fp else None,
            "recall": tp / (tp + fn) if tp + fn else None,
            "positive_rate": (tp + fn) / n,
        },
    )


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _auc(session: Session, where: ColumnElement[bool]) -> float | None:
    """ROC AUC from a score histogram per label: P(score of a positive > score of a negative),
    pairs in the same bin counting one half. None when one class is absent."""
    bin_of = _bin(session)
    counts = session.execute(
        select(Prediction.label, bin_of, func.count())
        .where(where)
        .group_by(Prediction.label, bin_of)
    ).all()
    positives, negatives = [0] * BINS, [0] * BINS
    for label, index, count in counts:
        target = positives if label == 1.0 else negatives
        target[min(max(int(index), 0), BINS - 1)] += int(count)
    n_pos, n_neg = sum(positives), sum(negatives)
    if not n_pos or not n_neg:
        return None
    below = 0  # negatives in lower bins
    pairs = 0.0
    for index in range(BINS):
        pairs += positives[index] * (below + negatives[index] / 2)
        below += negatives[index]
    return pairs / (n_pos * n_neg)


def _bin(session: Session) -> ColumnElement[int]:
    """The score's bin, 0..99, in SQL. PostgreSQL rounds a float cast to integer, so it floors
    first; SQLite's cast truncates, which is a floor for the non-negative scores binned here."""
    scaled = Prediction.value * BINS
    if session.get_bind().dialect.name == "postgresql":
        scaled = func.floor(scaled)
    return case((Prediction.value >= 1.0, BINS - 1), else_=cast(scaled, Integer))
