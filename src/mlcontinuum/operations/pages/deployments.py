"""A deployment's monitoring page, and the project's production health."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.auth.guards import ProjectRead
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.operations.pages.shared import ALERT_NOTICES, AlertDone, Refused, variables
from mlcontinuum.operations.views_deployment import deployment_view
from mlcontinuum.operations.views_health import health_view
from mlcontinuum.web.forms import Form
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()
End = Annotated[datetime | None, Query(description="Show the windows starting before this time.")]


def render_deployment(
    request: Request,
    db: Session,
    access: ProjectAccess,
    deployment_id: int,
    *,
    granularity: Granularity = Granularity.DAY,
    end: datetime | None = None,
    done: str = "",
    refused: Refused | None = None,
) -> Response:
    """The deployment's page; with `refused`, the form about one of its alerts that failed."""
    view = deployment_view(db, access, deployment_id, granularity, end)
    context = {
        "project": access.project,
        **variables(view),
        "refused": refused,
        "blank": Form(),
        "notice": ALERT_NOTICES.get(done),
    }
    status = refused.form.status if refused else 200
    return render(request, "monitoring/deployment.html", context, status=status)


@routes.get("/projects/{project}/deployments/{deployment_id}")
def deployment_page(
    request: Request,
    db: Db,
    access: ProjectRead,
    deployment_id: int,
    granularity: Granularity = Granularity.DAY,
    end: End = None,
    done: AlertDone = "",
) -> Response:
    return render_deployment(
        request, db, access, deployment_id, granularity=granularity, end=end, done=done
    )


@routes.get("/projects/{project}/health")
def health_page(request: Request, db: Db, access: ProjectRead) -> Response:
    context = {"project": access.project, "health": health_view(db, access)}
    return render(request, "monitoring/health.html", context)
