"""Who may see and post what: roles, other projects, signed-out visitors, CSRF, sign-in."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import Account, Accounts
from tests.pagekit import KPI, Visit, add_kpi, add_member, add_stakeholder


@pytest.mark.parametrize("role", ["viewer", "stakeholder"])
def test_readers_see_no_edit_controls_and_cannot_post(
    client: TestClient,
    visit: Visit,
    accounts: Accounts,
    owner: Account,
    project: str,
    role: str,
) -> None:
    kpi = add_kpi(client, owner, project)
    person = add_stakeholder(client, owner, project)
    reader = accounts.create("reed")
    add_member(client, owner, project, reader, role)
    them = visit(reader)
    for page in ("", "/charter", "/kpis", "/stakeholders", "/charter/history", "/events"):
        html = them.get(f"/projects/{project}{page}").text
        assert "<main" in html
        assert 'method="post"' not in html.split("<main", 1)[1], page
        assert "/edit" not in html, page
        assert "Settings and members" not in html, page
    for page in (
        "/charter/edit",
        f"/kpis/{kpi}/edit",
        f"/stakeholders/{person}/edit",
        "/settings",
    ):
        assert them.get(f"/projects/{project}{page}").status_code == 403, page
    posts = {
        "/charter/edit": {"problem_statement": "mine"},
        "/kpis": KPI,
        f"/kpis/{kpi}/edit": KPI,
        f"/kpis/{kpi}/delete": {"confirm": "yes"},
        "/stakeholders": {"name": "a", "organisation": "b"},
        f"/stakeholders/{person}/delete": {"confirm": "yes"},
        "/settings": {"name": "Mine"},
        "/members": {"username": "reed", "role": "owner"},
    }
    for page, body in posts.items():
        response = them.post(f"/projects/{project}{page}", body)
        assert response.status_code == 403, page
    assert len(client.get(f"/api/v1/projects/{project}/kpis", headers=owner.headers).json()) == 1


def test_another_users_project_answers_404(visit: Visit, accounts: Accounts, project: str) -> None:
    stranger = visit(accounts.create("sid"))
    for page in ("", "/charter", "/kpis", "/events", "/settings"):
        response = stranger.get(f"/projects/{project}{page}")
        assert response.status_code == 404, page
        assert "that you can see" in response.text
    assert stranger.post(f"/projects/{project}/kpis", KPI).status_code == 404
    assert "churn" not in stranger.get("/projects").text


def test_signed_out_visitors_are_sent_to_sign_in(visit: Visit, project: str) -> None:
    response = visit().get(f"/projects/{project}/kpis?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=%2Fprojects%2F{project}%2Fkpis%3Fx%3D1"


def test_posts_without_the_csrf_token_are_refused(
    client: TestClient, visit: Visit, owner: Account, project: str
) -> None:
    me = visit(owner)
    response = me.post(f"/projects/{project}/kpis", KPI, csrf=False)
    assert response.status_code == 403
    forged = me.post(f"/projects/{project}/kpis", {**KPI, "csrf_token": "f" * 64})
    assert forged.status_code == 403
    assert client.get(f"/api/v1/projects/{project}/kpis", headers=owner.headers).json() == []


def test_login_throttle_and_open_redirects(app: FastAPI, visit: Visit, accounts: Accounts) -> None:
    person = accounts.create("tim")
    limit = app.state.settings.login_max_failures
    door = visit()
    door.get("/login")
    for _ in range(limit):
        failed = door.post("/login", {"username": "tim", "password": "wrong"})
        assert failed.status_code == 401
    blocked = door.post("/login", {"username": "tim", "password": person.password})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    other = accounts.create("una")
    fresh = visit()
    fresh.get("/login?next=//evil.example")
    response = fresh.post(
        "/login",
        {"username": other.username, "password": other.password, "next": "//evil.example"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/projects"
    page = fresh.get("/login?next=https://evil.example/x")
    assert page.status_code == 303
    assert page.headers["location"] == "/projects"
