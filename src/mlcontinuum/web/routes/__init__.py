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


from mlcontinuum.web.routes import session  # noqa: E402 - modules need `router` above

PAGE_ROUTERS = (session,)
