"""API routers: every route is a `GuardedRoute`, authenticated by bearer token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mlcontinuum.kernel.auth.guards import GuardedRoute


def api_router(**kwargs: Any) -> APIRouter:
    return APIRouter(route_class=GuardedRoute, **kwargs)
