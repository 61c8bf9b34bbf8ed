"""Every page renders for its owner, and lists page through their items."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Account
from tests.pagekit import Visit, add_kpi, add_stakeholder


def test_every_page_renders_for_the_owner(
    client: TestClient, visit: Visit, owner: Account, project: str
) -> None:
    kpi = add_kpi(client, owner, project)
    person = add_stakeholder(client, owner, project)
    me = visit(owner)
    pages = [
        "/projects",
        "/projects/new",
        f"/projects/{project}",
        f"/projects/{project}/settings",
        f"/projects/{project}/charter",
        f"/projects/{project}/charter/edit",
        f"/projects/{project}/charter/history",
        f"/projects/{project}/charter/diff?from=1&to=3",
        f"/projects/{project}/kpis",
        f"/projects/{project}/kpis/{kpi}/edit",
        f"/projects/{project}/stakeholders",
        f"/projects/{project}/stakeholders/{person}/edit",
        f"/projects/{project}/events",
        "/account/tokens",
    ]
    for page in pages:
        response = me.get(page)
        assert response.status_code == 200, (page, response.text)
        assert "<main" in response.text
    overview = me.get(f"/projects/{project}").text
    assert "Churn prediction" in overview
    assert "Recall at capacity" in overview
    assert "+0.15" in overview  # derived lift
    assert "+27.3 %" in overview
    assert "Sam Customer" in overview
    assert "listed" in overview
    assert "Edit project settings" in overview
    events = me.get(f"/projects/{project}/events").text
    assert "Verify the hash chain" in events
    verified = me.get(f"/projects/{project}/events?verify=true").text
    assert "Hash chain intact" in verified
    assert "kpi.added" in events


def test_project_list_paginates_and_shows_the_role(
    visit: Visit, client: TestClient, owner: Account
) -> None:
    for number in range(27):
        response = client.post(
            "/api/v1/projects",
            json={"slug": f"p{number:02d}", "name": f"Project {number:02d}"},
            headers=owner.headers,
        )
        assert response.status_code == 201
    me = visit(owner)
    first = me.get("/projects").text
    assert "Project 00" in first
    assert "Project 25" not in first
    assert "Page 1 of 2" in first
    assert '<span class="badge">Owner</span>' in first
    second = me.get("/projects?page=2").text
    assert "Project 26" in second
    assert 'rel="prev"' in second
