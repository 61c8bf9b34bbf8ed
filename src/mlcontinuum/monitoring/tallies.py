"""Tallies: per-(deployment, hour) totals of predictions and labels, kept by ingest, from which a
window's performance is computed without reading a prediction row.

A batch adds its row count to its hour; a label adds its prediction's contribution (labelled,
the confusion matrix at 0.5, |error| and error², and for a 0/1 label of a score in [0, 1] one
count in that label's 100-bin score histogram). A corrected label first takes away what the
earlier label added. So a window's performance reads at most 24 tally rows and 24 × 200 bins,
whether it holds a thousand predictions or ten million.

Every change is written in the transaction that writes the rows it counts, as one additive
upsert per row (`count = count + excluded.count`): concurrent writers on PostgreSQL add up, and
none overwrites another. Rows are upserted in key order, so two writers never wait for each
other in a cycle. Ingest reads the earlier label of a corrected prediction under a row lock, so
two corrections of one prediction never both take away the same earlier label.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from mlcontinuum.monitoring.models import PerformanceHour, ScoreBin
from mlcontinuum.monitoring.windows import dialect_insert

BINS = 100
CUTOFF = 0.5


def score_bin(value: float) -> int:
    """The histogram bin, 0..99, of a score in [0, 1]; 1.0 falls in the last bin."""
    return min(int(value * BINS), BINS - 1)


def binary(value: float, label: float) -> bool:
    """Whether a labelled prediction fits a binary task: a score in [0, 1], a label of 0 or 1."""
    return 0.0 <= value <= 1.0 and label in (0.0, 1.0)


@dataclass
class _Totals:
    """What a write adds to one hour's `PerformanceHour` (negative parts take away)."""

    predictions: int = 0
    labelled: int = 0
    non_binary: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    abs_error: float = 0.0
    squared_error: float = 0.0


class Tallies:
    """The changes one write makes to the tallies of one deployment; `write` stores them."""

    def __init__(self, deployment_id: int) -> None:
        self.deployment_id = deployment_id
        self._hours: dict[datetime, _Totals] = {}
        self._bins: Counter[tuple[datetime, bool, int]] = Counter()

    def predictions(self, hour: datetime, count: int) -> None:
        """`count` predictions made in `hour` were logged."""
        self._hour(hour).predictions += count

    def label(self, hour: datetime, value: float, label: float, *, sign: int = 1) -> None:
        """A prediction of `hour` with `value` got `label` (sign 1), or lost it (sign -1)."""
        totals = self._hour(hour)
        error = value - label
        predicted = value >= CUTOFF
        positive = label == 1.0
        totals.labelled += sign
        totals.abs_error += sign * abs(error)
        totals.squared_error += sign * error * error
        totals.true_positives += sign * (predicted and positive)
        totals.false_positives += sign * (predicted and not positive)
        totals.false_negatives += sign * (not predicted and positive)
        if binary(value, label):
            self._bins[(hour, positive, score_bin(value))] += sign
        else:
            totals.non_binary += sign

    def relabel(self, hour: datetime, value: float, old: float | None, new: float) -> None:
        """A prediction's label changed from `old` (None: it had none) to `new`."""
        if old == new:
            return
        if old is not None:
            self.label(hour, value, old, sign=-1)
        self.label(hour, value, new)

    def write(self, session: Session) -> None:
        """Add the changes to the stored tallies, creating rows that do not exist yet."""
        hours = [
            {"deployment_id": self.deployment_id, "hour_start": hour, **vars(totals)}
            for hour, totals in sorted(self._hours.items())
        ]
        bins = [
            {
                "deployment_id": self.deployment_id,
                "hour_start": hour,
                "positive": positive,
                "bin": index,
                "count": count,
            }
            for (hour, positive, index), count in sorted(self._bins.items())
            if count
        ]
        _add(session, PerformanceHour, [f.name for f in fields(_Totals)], hours)
        _add(session, ScoreBin, ["count"], bins)

    def _hour(self, hour: datetime) -> _Totals:
        return self._hours.setdefault(hour, _Totals())


def _add(
    session: Session,
    model: type[PerformanceHour] | type[ScoreBin],
    counted: list[str],
    rows: list[dict[str, Any]],
) -> None:
    """Insert `rows`, or add their `counted` columns to the rows already there."""
    if not rows:
        return
    statement = dialect_insert(session, model)
    table = model.__table__
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[column.name for column in table.primary_key],
            set_={name: table.c[name] + statement.excluded[name] for name in counted},
        ),
        rows,
    )
