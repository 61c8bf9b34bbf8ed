"""Deny by default: every route declares a permission, and anonymous callers get nothing."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

from mlcontinuum.app import PUBLIC_PATHS, all_routes, unguarded_routes
from mlcontinuum.kernel.auth.guards import GuardedRoute
from mlcontinuum.kernel.auth.permissions import PUBLIC
from tests.conftest import Account, Accounts


def test_every_route_declares_a_permission(app: FastAPI) -> None:
    assert unguarded_routes(app) == []
    declared = [r for _, r in all_routes(app) if isinstance(r, GuardedRoute)]
    assert len(declared) > 20  # the walk really found the app's routes


def test_a_route_without_a_guard_cannot_be_built() -> None:
    router = APIRouter(route_class=GuardedRoute)
    with pytest.raises(RuntimeError, match="deny by default"):

        @router.get("/oops")
        def oops() -> dict[str, str]:
            return {}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_anonymous_callers_reach_only_public_routes(app: FastAPI, client: TestClient) -> None:
    checked = 0
    for path, route in all_routes(app):
        if isinstance(route, Mount) or not isinstance(route, GuardedRoute):
            continue
        for method in sorted(route.methods or ()):
            response = client.request(method, _concrete(path), follow_redirects=False)
            checked += 1
            public = route.guard.permission is PUBLIC
            if path.startswith("/api/"):
                allowed = {200} if public else {401}
            elif method != "GET":  # every unsafe page request first needs its CSRF token
                allowed = {403}
            else:  # pages send signed-out visitors to the sign-in page
                allowed = {200, 303} if public else {303}
            assert response.status_code in allowed, (method, path, response.status_code)
            if response.status_code == 303 and not public:
                assert response.headers["location"].startswith("/login")
    assert checked > 20
    assert "/api/openapi.json" in PUBLIC_PATHS


def test_another_projects_ids_answer_404(
    client: TestClient, accounts: Accounts, owner: Account, project: str
) -> None:
    kpi = client.post(
        f"/api/v1/projects/{project}/kpis",
        json={
            "name": "AUC",
            "kind": "analytic",
            "direction": "higher_is_better",
            "baseline": 0.7,
            "target": 0.8,
            "alert_threshold": 0.75,
            "frequency": "weekly",
        },
        headers=owner.headers,
    ).json()
    rival = accounts.create("rita")
    mine = client.post(
        "/api/v1/projects", json={"slug": "rival", "name": "Rival"}, headers=rival.headers
    )
    assert mine.status_code == 201
    # Rita owns "rival" but may not reach churn's KPI through her own project's URL ...
    through_own = client.patch(
        f"/api/v1/projects/rival/kpis/{kpi['id']}", json={"target": 0.9}, headers=rival.headers
    )
    assert through_own.status_code == 404
    # ... nor through churn's.
    direct = client.get(f"/api/v1/projects/{project}/kpis", headers=rival.headers)
    assert direct.status_code == 404
    assert direct.json()["error"]["message"] == "no project 'churn' that you can see"
    missing = client.get("/api/v1/projects/no-such-project", headers=rival.headers)
    assert missing.json()["error"]["message"] == "no project 'no-such-project' that you can see"
