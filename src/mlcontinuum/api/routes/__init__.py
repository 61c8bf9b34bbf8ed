"""API routers, one module per resource family; every router uses `GuardedRoute`."""

from __future__ import annotations

from fastapi import APIRouter

from mlcontinuum.api.guards import GuardedRoute


def router(**kwargs: object) -> APIRouter:
    return APIRouter(route_class=GuardedRoute, **kwargs)  # type: ignore[arg-type]
