"""Forms change projects, charters, KPIs, stakeholders and members; refused forms come back
with what was typed and the message next to the field, and nothing is written."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Account, Accounts
from tests.pagekit import KPI, Visit, add_kpi, add_member, field_error


def test_create_a_project_through_the_form(visit: Visit, owner: Account) -> None:
    me = visit(owner)
    form = me.get("/projects/new").text
    assert "Manage &amp; Trust" in form  # selects carry the enums' human labels
    assert "Business understanding" in form
    response = me.post(
        "/projects/new",
        {
            "slug": "fraud",
            "name": "Fraud",
            "customer": "Bank",
            "description": "",
            "stage": "build",
            "crisp_dm_phase": "modeling",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/projects/fraud"
    page = me.get("/projects/fraud").text
    assert "Build" in page
    assert "Modeling" in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "at least 1 character"),
        ({"slug": "Bad Slug!"}, "slug", "should match pattern"),
        ({"name": "x" * 201}, "name", "at most 200 characters"),
        ({"stage": "launch"}, "stage", "should be"),
    ],
)
def test_bad_project_forms_come_back_with_the_message_next_to_the_field(
    visit: Visit, owner: Account, fields: dict[str, str], field: str, message: str
) -> None:
    me = visit(owner)
    me.get("/projects/new")
    body = {"slug": "ok-slug", "name": "Fine", "stage": "scope"}
    body["crisp_dm_phase"] = "business_understanding"
    response = me.post("/projects/new", {**body, **fields})
    assert response.status_code == 422
    assert message in field_error(response.text, field)
    # What was typed is still there.
    typed = next(iter(fields.values()))
    if field != "stage":
        assert f'value="{typed}"' in response.text
    assert me.get("/projects").text.count("/projects/ok-slug") == 0


def test_a_duplicate_slug_is_refused_on_the_form(
    visit: Visit, owner: Account, project: str
) -> None:
    me = visit(owner)
    me.get("/projects/new")
    response = me.post(
        "/projects/new",
        {"slug": project, "name": "Second", "stage": "scope", "crisp_dm_phase": "modeling"},
    )
    assert response.status_code == 409
    assert field_error(response.text, "slug") == "choose another slug"
    assert "Second" not in me.get("/projects").text


def test_charter_edits_make_versions_that_can_be_compared(
    visit: Visit, owner: Account, project: str
) -> None:
    me = visit(owner)
    me.get(f"/projects/{project}/charter/edit")
    response = me.post(
        f"/projects/{project}/charter/edit",
        {"problem_statement": "Customers leave.\r\nWe do not know who.", "success_criteria": "x"},
    )
    assert response.status_code == 303
    me.get(f"/projects/{project}/charter/edit")
    me.post(
        f"/projects/{project}/charter/edit",
        {"problem_statement": "Customers leave.\nWe want to know who.", "success_criteria": "x"},
    )
    history = me.get(f"/projects/{project}/charter/history").text
    assert "edited problem statement, success criteria" in history
    assert 'name="from"' in history
    diff = me.get(f"/projects/{project}/charter/diff?from=2&to=3").text
    assert "charter.problem_statement" in diff
    assert "-We do not know who." in diff
    assert "+We want to know who." in diff
    overview = me.get(f"/projects/{project}").text
    assert "Customers leave." in overview
    assert "Version 3" in overview
    assert me.get(f"/projects/{project}/charter/diff?from=1&to=99").status_code == 404


def test_kpi_forms_add_edit_and_delete(visit: Visit, owner: Account, project: str) -> None:
    me = visit(owner)
    me.get(f"/projects/{project}/kpis")
    assert me.post(f"/projects/{project}/kpis", KPI).status_code == 303
    listing = me.get(f"/projects/{project}/kpis").text
    assert "Recall at capacity" in listing
    kpi_id = re.search(r"/kpis/(\d+)/edit", listing).group(1)  # type: ignore[union-attr]
    edited = me.post(f"/projects/{project}/kpis/{kpi_id}/edit", {**KPI, "target": "0.75"})
    assert edited.status_code == 303
    assert "0.75" in me.get(f"/projects/{project}/kpis").text
    # Without JavaScript, delete asks first ...
    asked = me.post(f"/projects/{project}/kpis/{kpi_id}/delete")
    assert asked.status_code == 200
    assert "Delete the KPI" in asked.text
    assert "Recall at capacity" in me.get(f"/projects/{project}/kpis").text
    # ... and the confirmation page's form deletes and goes back to the list ...
    kept = me.post(f"/projects/{project}/kpis", {**KPI, "name": "Second"})
    assert kept.status_code == 303
    confirmed = me.post(f"/projects/{project}/kpis/{kpi_id}/delete", {"confirm": "yes"})
    assert confirmed.status_code == 303
    assert "Recall at capacity" not in me.get(f"/projects/{project}/kpis").text
    listing = me.get(f"/projects/{project}/kpis").text
    kpi_id = re.search(r"/kpis/(\d+)/edit", listing).group(1)  # type: ignore[union-attr]
    # ... while htmx, having asked in the browser, removes the row in place.
    gone = me.post(
        f"/projects/{project}/kpis/{kpi_id}/delete",
        {"confirm": "yes"},
        headers={"HX-Request": "true"},
    )
    assert gone.status_code == 200
    assert gone.text == ""
    assert "No KPIs yet" in me.get(f"/projects/{project}/kpis").text
    assert me.post(f"/projects/{project}/kpis/{kpi_id}/delete").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"alert_threshold": "0.9"}, "alert_threshold", "must not be above the target"),
        ({"direction": "sideways"}, "direction", "should be"),
        ({"baseline": "lots"}, "baseline", "valid number"),
        ({"name": "k" * 121}, "name", "at most 120 characters"),
    ],
)
def test_bad_kpi_forms_are_refused_next_to_the_field(
    visit: Visit, owner: Account, project: str, fields: dict[str, str], field: str, message: str
) -> None:
    me = visit(owner)
    me.get(f"/projects/{project}/kpis")
    response = me.post(f"/projects/{project}/kpis", {**KPI, **fields})
    assert response.status_code == 422
    assert message in field_error(response.text, field)
    assert "No KPIs yet" in response.text  # nothing written


def test_kpi_edit_keeps_the_threshold_on_the_bad_side(
    client: TestClient, visit: Visit, owner: Account, project: str
) -> None:
    kpi_id = add_kpi(client, owner, project)
    me = visit(owner)
    me.get(f"/projects/{project}/kpis/{kpi_id}/edit")
    response = me.post(
        f"/projects/{project}/kpis/{kpi_id}/edit", {**KPI, "direction": "lower_is_better"}
    )
    assert response.status_code == 422
    assert "must not be below the target" in field_error(response.text, "alert_threshold")
    assert 'value="lower_is_better" selected' in response.text  # the typed choice is kept


def test_stakeholders_with_and_without_an_account(
    visit: Visit, client: TestClient, accounts: Accounts, owner: Account, project: str
) -> None:
    customer = accounts.create("carla")
    add_member(client, owner, project, customer, "stakeholder")  # the owner makes her a member
    me = visit(owner)
    me.get(f"/projects/{project}/stakeholders")
    listed = {
        "name": "Lee",
        "organisation": "Telco",
        "role": "Analyst",
        "contact": "",
        "username": "",
    }
    assert me.post(f"/projects/{project}/stakeholders", listed).status_code == 303
    user = {**listed, "name": "Carla", "username": "carla"}
    assert me.post(f"/projects/{project}/stakeholders", user).status_code == 303
    page = me.get(f"/projects/{project}/stakeholders").text
    assert page.count('class="badge good">user') == 1
    assert page.count('class="badge">listed') == 1
    again = me.post(f"/projects/{project}/stakeholders", listed)
    assert again.status_code == 409
    assert "listed once per organisation" in field_error(again.text, "name")
    nobody = me.post(
        f"/projects/{project}/stakeholders", {**listed, "name": "X", "username": "ghost"}
    )
    assert nobody.status_code == 422
    assert "create the account first" in field_error(nobody.text, "username")


def test_settings_update_the_project_and_its_members(
    visit: Visit, accounts: Accounts, owner: Account, project: str
) -> None:
    vic = accounts.create("vic")
    me = visit(owner)
    me.get(f"/projects/{project}/settings")
    saved = me.post(
        f"/projects/{project}/settings",
        {
            "name": "Churn 2",
            "customer": "Telco",
            "description": "d",
            "stage": "deploy",
            "crisp_dm_phase": "deployment",
        },
    )
    assert saved.status_code == 303
    assert "Churn 2" in me.get(f"/projects/{project}").text
    nameless = me.post(f"/projects/{project}/settings", {"name": "", "stage": "deploy"})
    assert nameless.status_code == 422
    assert "at least 1 character" in field_error(nameless.text, "name")
    assert (
        me.post(
            f"/projects/{project}/members", {"username": vic.username, "role": "viewer"}
        ).status_code
        == 303
    )
    assert visit(vic).get(f"/projects/{project}").status_code == 200
    assert (
        me.post(
            f"/projects/{project}/members", {"username": "vic", "role": "ml_engineer"}
        ).status_code
        == 303
    )
    assert "ML engineer" in me.get(f"/projects/{project}").text
    missing = me.post(f"/projects/{project}/members", {"username": "nobody", "role": "viewer"})
    assert missing.status_code == 422
    assert "no user" in missing.text
    last_owner = me.post(f"/projects/{project}/members/{owner.username}/remove")
    assert last_owner.status_code == 422
    assert "at least one owner" in last_owner.text
    assert me.post(f"/projects/{project}/members/vic/remove").status_code == 303
    assert visit(vic).get(f"/projects/{project}").status_code == 404
