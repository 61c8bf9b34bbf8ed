"""Page routers: every page is a `PageRoute` (guarded, authenticated by the session cookie) and
CSRF-protected on unsafe methods; pages stay out of the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from mlcontinuum.kernel.auth.guards import PageRoute
from mlcontinuum.web import csrf


def page_router() -> APIRouter:
    return APIRouter(
        route_class=PageRoute,
        dependencies=[Depends(csrf.protect)],
        include_in_schema=False,
    )
