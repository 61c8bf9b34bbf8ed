"""The data behind a deployment page's charts, from stored window evaluations: the time range
shown, the drift heatmap (features × windows), performance over time and the KPI trends.

The same structures feed the page's JSON block (drawn by `static/monitoring.js` with Chart.js)
and the tables next to the charts, so what the chart shows and what the table says never differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mlcontinuum.charter.schemas import KpiPublic
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.schemas import DriftMethodResult, WindowPublic

# How much one page of a deployment shows.
SLOTS = {Granularity.DAY: 14, Granularity.HOUR: 48}
# Drift scores are scaled so that 1 is the threshold (see the window evaluation).
DRIFT_THRESHOLD = 1.0
METRICS = {
    "binary": [("roc_auc", "ROC AUC"), ("accuracy", "Accuracy"), ("recall", "Recall")],
    "regression": [("mae", "MAE"), ("rmse", "RMSE")],
}


@dataclass(frozen=True)
class TimeRange:
    """Windows starting in [start, end). `latest_end` is where the newest page ends."""

    granularity: Granularity
    start: datetime
    end: datetime
    latest_end: datetime
    has_older: bool

    @property
    def span(self) -> timedelta:
        return self.granularity.length * SLOTS[self.granularity]

    @property
    def slots(self) -> list[datetime]:
        count = int((self.end - self.start) / self.granularity.length)
        return [self.start + self.granularity.length * i for i in range(count)]

    @property
    def older_end(self) -> datetime | None:
        return self.start if self.has_older else None

    @property
    def newer_end(self) -> datetime | None:
        if self.end >= self.latest_end:
            return None
        return min(self.end + self.span, self.latest_end)


def time_range(
    granularity: Granularity, end: datetime | None, *, now: datetime, first: datetime | None
) -> TimeRange:
    """The page of windows ending at `end` (default: the window holding `now`), from no earlier
    than `first` (the oldest window, or the deployment), one page long at most."""
    latest_end = granularity.start_of(now) + granularity.length
    span = granularity.length * SLOTS[granularity]
    oldest = granularity.start_of(first) if first is not None else latest_end - span
    if end is None or end >= latest_end:
        end = latest_end
    else:
        # Not before the oldest window starts: a page before it would be as empty, and a date
        # far enough back would leave the calendar once a page is taken off it.
        end = max(end, oldest)
        aligned = granularity.start_of(end)
        end = aligned if aligned == end else aligned + granularity.length
    start = end - span
    earliest = oldest if first is not None else start
    has_older = earliest < start
    if earliest > start:
        start = min(earliest, end - granularity.length)
    return TimeRange(granularity, start, end, latest_end, has_older)


def label(granularity: Granularity, start: datetime) -> str:
    """A window's name on an axis: its day, or its day and hour (UTC)."""
    if granularity is Granularity.DAY:
        return start.strftime("%d %b")
    return start.strftime("%d %b %H:%M")


def _by_start(windows: Sequence[WindowPublic]) -> dict[datetime, WindowPublic]:
    return {w.start: w for w in windows}


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def _method(m: DriftMethodResult) -> str:
    parts = [f"{m.method} {_number(m.value)}", f"threshold {_number(m.threshold)}"]
    if m.noise_floor is not None:
        parts.append(f"noise floor {_number(m.noise_floor)}")
    if m.p_value is not None:
        parts.append(f"p {_number(m.p_value)}")
    return ", ".join(parts) + (" (drifted)" if m.drifted else "")


def heatmap(tr: TimeRange, windows: Sequence[WindowPublic]) -> dict[str, Any]:
    """Features × windows; a cell's value is the window's drift score for the feature (1 is
    the threshold), None when the feature was skipped. Most drifted features first."""
    found = _by_start(windows)
    labels = [label(tr.granularity, s) for s in tr.slots]
    cells: list[dict[str, Any]] = []
    worst: dict[str, float] = {}
    status: list[str] = []
    for slot, name in zip(tr.slots, labels, strict=True):
        window = found.get(slot)
        evaluation = window.evaluation if window else None
        if window is None:
            status.append("no data")
        elif evaluation is None:
            status.append("waiting for evaluation")
        elif evaluation.error:
            status.append(evaluation.error)
        elif evaluation.reference is None:
            status.append(evaluation.notes[0] if evaluation.notes else "nothing to compare")
        else:
            status.append("")
        for column in evaluation.drift if evaluation else []:
            worst[column.column] = max(worst.get(column.column, -1.0), column.score or -1.0)
            cells.append(
                {
                    "x": name,
                    "y": column.column,
                    "v": column.score,
                    "drifted": column.drifted,
                    "skipped": column.skipped,
                    "methods": [_method(m) for m in column.methods],
                }
            )
    features = sorted(worst, key=lambda f: (-worst[f], f))
    return {
        "x": labels,
        "y": features,
        "threshold": DRIFT_THRESHOLD,
        "cells": cells,
        "status": status,
    }


def heatmap_rows(data: dict[str, Any]) -> list[tuple[str, list[dict[str, Any] | None]]]:
    """The heatmap as table rows: each feature with its cell (or None) in every window."""
    at = {(cell["y"], cell["x"]): cell for cell in data["cells"]}
    return [(feature, [at.get((feature, x)) for x in data["x"]]) for feature in data["y"]]


def performance(tr: TimeRange, windows: Sequence[WindowPublic]) -> dict[str, Any] | None:
    """Each metric per window (None where no prediction has a label yet) and the labelled
    share; None when no window in the range has labels."""
    found = _by_start(windows)
    judged = [
        w.evaluation.performance
        for w in windows
        if w.evaluation is not None and w.evaluation.performance is not None
    ]
    if not judged:
        return None
    task = judged[-1].task
    names = METRICS[task]
    series: dict[str, list[float | None]] = {key: [] for key, _ in names}
    share: list[float | None] = []
    rows: list[dict[str, Any]] = []
    for slot in tr.slots:
        window = found.get(slot)
        perf = window.evaluation.performance if window and window.evaluation else None
        if perf is not None and perf.task != task:
            perf = None
        predictions = perf.predictions if perf else (window.rows if window else 0)
        labelled = perf.labelled if perf else 0
        share.append(labelled / predictions if perf and predictions else None)
        values = {key: perf.metrics.get(key) if perf else None for key, _ in names}
        for key, _ in names:
            series[key].append(values[key])
        if window is not None:
            rows.append(
                {
                    "label": label(tr.granularity, slot),
                    "predictions": predictions,
                    "labelled": labelled,
                    "share": share[-1],
                    "metrics": values,
                }
            )
    return {
        "task": task,
        "x": [label(tr.granularity, s) for s in tr.slots],
        "metrics": [{"key": key, "name": name, "values": series[key]} for key, name in names],
        "labelled_share": share,
        "rows": rows,
    }


def kpi_trends(
    tr: TimeRange, windows: Sequence[WindowPublic], kpis: Sequence[KpiPublic]
) -> list[dict[str, Any]]:
    """Each charter KPI's mean per window against its alert threshold and target."""
    found = _by_start(windows)
    trends = []
    for kpi in kpis:
        values: list[float | None] = []
        breached: list[bool | None] = []
        for slot in tr.slots:
            window = found.get(slot)
            outcomes = window.evaluation.kpis if window and window.evaluation else []
            outcome = next((o for o in outcomes if o.kpi_id == kpi.id), None)
            values.append(outcome.value if outcome else None)
            breached.append(outcome.breached if outcome else None)
        trends.append(
            {
                "id": kpi.id,
                "name": kpi.name,
                "unit": kpi.unit,
                "direction": kpi.direction.value,
                "threshold": kpi.alert_threshold,
                "target": kpi.target,
                "x": [label(tr.granularity, s) for s in tr.slots],
                "values": values,
                "breached": breached,
                "measured": sum(v is not None for v in values),
            }
        )
    return trends
