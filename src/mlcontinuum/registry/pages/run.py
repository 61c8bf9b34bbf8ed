"""One run: what it tried, its code and data, parameters, tags, metrics with a chart of each
series, and a form that ends a running run."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.errors import ContinuumError
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.registry import queries, service
from mlcontinuum.registry.enums import RunStatus
from mlcontinuum.registry.permissions import RunsWrite
from mlcontinuum.registry.schemas import MetricValue, RunUpdate
from mlcontinuum.web.forms import Form, Posted, all_or_nothing, form_error, see_other
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
ENDINGS = [(s.value, s.value.capitalize()) for s in RunStatus if s.finished]
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


def _run_page(
    request: Request,
    db: Session,
    access: ProjectAccess,
    number: int,
    form: Form,
    saved: bool = False,
) -> Response:
    run = queries.get_run(db, access.project.id, number)
    series = queries.all_series(db, access.project.id, number)
    charts = {key: _chart_points(points) for key, points in series.items()}
    context = {
        "project": access.project,
        "run": run,
        "charts": charts,
        "max_points": MAX_CHART_POINTS,
        "endings": ENDINGS,
        "form": form,
        "saved": saved,
    }
    return render(request, "runs/run.html", context, status=form.status)


@routes.get("/projects/{project}/runs/{number}")
def run_page(
    request: Request, db: Db, access: ProjectRead, number: int, saved: bool = False
) -> Response:
    return _run_page(request, db, access, number, Form({"status": RunStatus.FINISHED.value}), saved)


@routes.post("/projects/{project}/runs/{number}/status")
def end_run(request: Request, db: Db, access: RunsWrite, number: int, posted: Posted) -> Response:
    form = Form(posted)
    try:
        with all_or_nothing(db):
            service.update_run(
                db, access, number, form.parse(RunUpdate, optional=("compute_cost",))
            )
    except ContinuumError as err:
        if not form_error(err):
            raise
        return _run_page(request, db, access, number, form.refuse(err))
    return see_other(f"/projects/{access.project.slug}/runs/{number}?saved=true")
