"""What a run's page shows: the run, and a chart of each of its metric series."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from mlcontinuum.registry import queries
from mlcontinuum.registry.schemas import MetricValue, RunPublic

# A chart is a sketch of the series' shape; the browser need not receive every point of a long
# one. The table beside it shows the exact last value.
MAX_CHART_POINTS = 500


def _chart_points(series: list[MetricValue]) -> list[tuple[int, float | None]]:
    """(step, value) pairs, thinned evenly to MAX_CHART_POINTS, always keeping the last point.
    NaN and infinities are None: the chart leaves a gap there."""
    stride = -(-len(series) // MAX_CHART_POINTS)
    kept = series[::stride]
    if kept[-1] is not series[-1]:
        kept.append(series[-1])
    return [(point.step, point.value) for point in kept]


@dataclass(frozen=True)
class RunView:
    run: RunPublic
    charts: dict[str, list[tuple[int, float | None]]]  # by metric key
    max_points: int


def run_view(session: Session, project_id: int, number: int) -> RunView:
    run = queries.get_run(session, project_id, number)
    series = queries.all_series(session, project_id, number)
    return RunView(
        run=run,
        charts={key: _chart_points(points) for key, points in series.items()},
        max_points=MAX_CHART_POINTS,
    )
