"""Runs: the sortable, paginated table with column choice, and a comparison of two to five runs.

One run's page is in `run_page.py`; this router must come first, or `/runs/compare` would be
taken for a run number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from mlcontinuum.api.deps import Page
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.errors import NotFound, ValidationFailed
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.registry import queries
from mlcontinuum.registry.enums import RunStatus
from mlcontinuum.registry.schemas import RunPage
from mlcontinuum.web.forms import choices
from mlcontinuum.web.paging import pager
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
PER_PAGE = 25
DEFAULT_SORT = "-started_at"
Filters = dict[str, str | list[str]]


@dataclass(frozen=True)
class SortLink:
    """A column header's link: the table sorted by it, the other way round if it already is."""

    url: str
    aria_sort: str | None  # "ascending" or "descending" on the column the table is sorted by


def _sort_links(path: str, filters: Filters, sort: str, keys: list[str]) -> dict[str, SortLink]:
    current, descending = sort.removeprefix("-"), sort.startswith("-")
    kept = {key: value for key, value in filters.items() if value and key != "sort"}
    links = {}
    for key in keys:
        if key == current:
            flipped = key if descending else f"-{key}"
            aria: str | None = "descending" if descending else "ascending"
        else:
            flipped, aria = key, None
        links[key] = SortLink(f"{path}?{urlencode({**kept, 'sort': flipped}, doseq=True)}", aria)
    return links


def _shown(found: RunPage) -> tuple[list[str], list[str]]:
    """The parameter and metric keys the table shows (the service left out unknown keys)."""
    params = [c.removeprefix("params.") for c in found.columns if c.startswith("params.")]
    metrics = [c.removeprefix("metrics.") for c in found.columns if c.startswith("metrics.")]
    return params, metrics


@routes.get("/projects/{project}/runs")
def run_list(
    request: Request,
    db: Db,
    access: ProjectRead,
    sort: Annotated[str, Query(max_length=260)] = DEFAULT_SORT,
    columns: Annotated[list[str] | None, Query(max_length=50)] = None,
    # The filter's "all statuses" option sends an empty value.
    status: RunStatus | Literal[""] = "",
    page: Page = 1,
) -> Response:
    chosen = [c for c in columns or () if c]
    found = queries.list_runs(
        db,
        access.project.id,
        sort=sort,
        columns=chosen,
        status=status or None,
        page=page,
        per_page=PER_PAGE,
    )
    params, metrics = _shown(found)
    filters: Filters = {"sort": sort, "columns": chosen, "status": status}
    sortable = [*queries.PLAIN_SORTS, *(f"params.{k}" for k in params)]
    sortable += [f"metrics.{k}" for k in metrics]
    context = {
        "project": access.project,
        "runs": found.items,
        "param_keys": found.param_keys,
        "metric_keys": found.metric_keys,
        "shown_params": params,
        "shown_metrics": metrics,
        "filters": filters,
        "statuses": choices(RunStatus),
        "default_metrics": queries.DEFAULT_METRIC_COLUMNS,
        "sorts": _sort_links(request.url.path, filters, sort, sortable),
        "pager": pager(request.url.path, filters, page=page, per_page=PER_PAGE, total=found.total),
    }
    return render(request, "runs/list.html", context)


@routes.get("/projects/{project}/runs/compare")
def compare_runs(
    request: Request,
    db: Db,
    access: ProjectRead,
    numbers: Annotated[list[int] | None, Query(alias="runs")] = None,
) -> Response:
    context: dict[str, object] = {"project": access.project}
    try:
        comparison = queries.compare(db, access.project.id, numbers or [])
    except (ValidationFailed, NotFound) as err:
        # A bad selection is fixed from the runs table, so the page says what is wrong and
        # leads back there rather than showing the bare error page.
        context["error"] = err.message
        return render(request, "runs/compare.html", context, status=err.status)
    context["comparison"] = comparison
    context["param_keys"] = sorted({key for run in comparison.runs for key in run.params})
    return render(request, "runs/compare.html", context)
