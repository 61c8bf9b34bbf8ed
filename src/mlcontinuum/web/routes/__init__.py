"""Page routers. Every one is guarded (GuardedRoute) and CSRF-protected on unsafe methods."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from mlcontinuum.api.guards import GuardedRoute
from mlcontinuum.web import csrf


def router() -> APIRouter:
    return APIRouter(
        route_class=GuardedRoute,
        dependencies=[Depends(csrf.protect)],
        include_in_schema=False,
    )


from mlcontinuum.web.routes import (  # noqa: E402 - modules need `router` above
    account,
    admin,
    audit,
    charter,
    data_sources,
    kpis,
    models,
    monitoring,
    project_settings,
    projects,
    releases,
    run_page,
    runs,
    session,
    stakeholders,
)

# `projects` declares /projects/new before /projects/{project}, so it must stay ahead of routers
# whose paths could shadow it; likewise `runs` (/runs/compare) ahead of `run_page` (/runs/{number}).
PAGE_ROUTERS = (
    session,
    projects,
    project_settings,
    charter,
    kpis,
    stakeholders,
    data_sources,
    runs,
    run_page,
    models,
    releases,
    monitoring,
    audit,
    account,
    admin,
)
