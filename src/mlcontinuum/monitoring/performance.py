"""Model performance of one window, from the tallies ingest keeps per deployment and hour.

No prediction row is read: one aggregate over the window's hourly tallies (at most 24) decides
the task and gives the confusion matrix at 0.5 and the error sums, and for a binary task one
GROUP BY over their score bins returns a 100-bin histogram per label (at most 200 rows), from
which the ROC AUC is computed. Ties inside a bin count as half a correct pair, so the AUC differs
from the exact one by at most half the share of positive-negative pairs that share a bin.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlcontinuum.monitoring.models import PerformanceHour, ScoreBin
from mlcontinuum.monitoring.schemas import Performance
from mlcontinuum.monitoring.tallies import BINS


def window_performance(
    session: Session, deployment_id: int, start: datetime, end: datetime
) -> Performance | None:
    """Performance of the deployment's predictions made in [start, end), or None when none of
    them has a label yet. Binary when every labelled value is in [0, 1] and every label is 0 or
    1; regression otherwise."""
    hours = (
        PerformanceHour.deployment_id == deployment_id,
        PerformanceHour.hour_start >= start,
        PerformanceHour.hour_start < end,
    )
    row = session.execute(
        select(
            func.sum(PerformanceHour.predictions),
            func.sum(PerformanceHour.labelled),
            func.sum(PerformanceHour.non_binary),
            func.sum(PerformanceHour.true_positives),
            func.sum(PerformanceHour.false_positives),
            func.sum(PerformanceHour.false_negatives),
            func.sum(PerformanceHour.abs_error),
            func.sum(PerformanceHour.squared_error),
        ).where(*hours)
    ).one()
    total, n, non_binary, tp, fp, fn = (int(value or 0) for value in row[:6])
    abs_error, squared_error = (float(value or 0.0) for value in row[6:])
    if n == 0:
        return None
    if non_binary:
        return Performance(
            task="regression",
            predictions=total,
            labelled=n,
            # Sums kept by adding and taking away may end a rounding error below zero.
            metrics={
                "mae": max(abs_error, 0.0) / n,
                "rmse": math.sqrt(max(squared_error, 0.0) / n),
            },
        )
    tn = n - tp - fp - fn
    return Performance(
        task="binary",
        predictions=total,
        labelled=n,
        metrics={
            "roc_auc": _auc(session, deployment_id, start, end),
            "accuracy": (tp + tn) / n,
            "precision": tp / (tp + fp) if tp + fp else None,
            "recall": tp / (tp + fn) if tp + fn else None,
            "positive_rate": (tp + fn) / n,
        },
    )


def _auc(session: Session, deployment_id: int, start: datetime, end: datetime) -> float | None:
    """ROC AUC from a score histogram per label: P(score of a positive > score of a negative),
    pairs in the same bin counting one half. None when one class is absent."""
    counts = session.execute(
        select(ScoreBin.positive, ScoreBin.bin, func.sum(ScoreBin.count))
        .where(
            ScoreBin.deployment_id == deployment_id,
            ScoreBin.hour_start >= start,
            ScoreBin.hour_start < end,
        )
        .group_by(ScoreBin.positive, ScoreBin.bin)
    ).all()
    positives, negatives = [0] * BINS, [0] * BINS
    for positive, index, count in counts:
        (positives if positive else negatives)[index] += int(count)
    n_pos, n_neg = sum(positives), sum(negatives)
    if not n_pos or not n_neg:
        return None
    below = 0  # negatives in lower bins
    pairs = 0.0
    for index in range(BINS):
        pairs += positives[index] * (below + negatives[index] / 2)
        below += negatives[index]
    return pairs / (n_pos * n_neg)
