"""The data register's pages: sources with their live violations, add, edit and delete through
the forms, refused forms that write nothing, and read-only access for the customer's people."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Account, Accounts
from tests.pagekit import Visit, add_member, field_error

TODAY = datetime.now(UTC).date()
SOURCE = {
    "name": "CRM extract",
    "kind": "database",
    "owner": "Telco CRM team",
    "location": "crm://prod/customers",
    "description": "",
    "personal_data": "on",
    "personal_data_categories": "contact details, billing history",
    "lawful_basis": "contract",
    "retention_days": "365",
    "retention_starts_on": TODAY.isoformat(),
    "dpia_reference": "",
    "access_approved_by": "Data protection officer",
    "access_approved_on": TODAY.isoformat(),
}


def _sources(client: TestClient, owner: Account, project: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/projects/{project}/data-sources", headers=owner.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def test_add_edit_and_delete_a_source_through_the_forms(
    client: TestClient, visit: Visit, owner: Account, project: str
) -> None:
    me = visit(owner)
    empty = me.get(f"/projects/{project}/data")
    assert empty.status_code == 200
    assert "0 of 0</strong> sources compliant" in empty.text
    added = me.post(f"/projects/{project}/data", SOURCE)
    assert added.status_code == 303, added.text
    assert added.headers["location"] == f"/projects/{project}/data?saved=true"
    page = me.get(added.headers["location"]).text
    assert "1 of 1</strong> source compliant" in page
    assert "Yes: contact details, billing history" in page
    assert "Contract" in page
    assert '<span class="badge good">Compliant</span>' in page
    (stored,) = _sources(client, owner, project)
    assert stored["personal_data_categories"] == ["contact details", "billing history"]

    edit_url = f"/projects/{project}/data/{stored['id']}/edit"
    form = me.get(edit_url).text
    assert 'value="contact details, billing history"' in form
    assert 'id="f-personal_data" name="personal_data" type="checkbox" value="on" checked' in form
    # Health data without a DPIA breaks a rule; the register shows it with the rule's message.
    edited = me.post(edit_url, {**SOURCE, "special_categories": ["genetic", "health"]})
    assert edited.status_code == 303, edited.text
    page = me.get(f"/projects/{project}/data").text
    assert "0 of 1</strong> source compliant" in page
    assert '<span class="badge bad">Error</span> holds special categories (genetic, health)' in page
    assert "but names no DPIA" in page
    # Unticking the box and clearing the categories clears them (the form replaces the record).
    cleared = {**SOURCE, "personal_data_categories": "", "lawful_basis": ""}
    del cleared["personal_data"]
    assert me.post(edit_url, cleared).status_code == 303
    (stored,) = _sources(client, owner, project)
    assert stored["personal_data"] is False
    assert stored["special_categories"] == []
    assert stored["lawful_basis"] is None

    delete_url = f"/projects/{project}/data/{stored['id']}/delete"
    ask = me.post(delete_url)
    assert ask.status_code == 200
    assert "Remove “CRM extract” from the data register?" in ask.text
    assert _sources(client, owner, project) != []
    assert me.post(delete_url, {"confirm": "yes"}).status_code == 303
    assert _sources(client, owner, project) == []


def test_refused_forms_show_the_message_next_to_the_field_and_write_nothing(
    client: TestClient, visit: Visit, owner: Account, project: str
) -> None:
    me = visit(owner)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"lawful_basis": "because we can"}, "lawful_basis", "Input should be 'consent'"),
        ({"retention_days": "0"}, "retention_days", "greater than or equal to 1"),
        (
            {"personal_data": "", "special_categories": ["health"]},
            "personal_data_categories",
            "categories are listed but personal_data is false",
        ),
    ]
    for change, field, message in cases:
        me.get(f"/projects/{project}/data")
        body: dict[str, Any] = {**SOURCE, **change}
        if not body["personal_data"]:
            del body["personal_data"]
        response = me.post(f"/projects/{project}/data", body)
        assert response.status_code == 422, field
        assert message in html.unescape(field_error(response.text, field))
        assert 'value="contact details, billing history"' in response.text  # as typed
    assert _sources(client, owner, project) == []

    source = client.post(
        f"/api/v1/projects/{project}/data-sources",
        json={"name": "Survey", "kind": "survey"},
        headers=owner.headers,
    ).json()
    edit_url = f"/projects/{project}/data/{source['id']}/edit"
    me.get(edit_url)
    response = me.post(edit_url, {**SOURCE, "name": "Survey", "retention_days": "0"})
    assert response.status_code == 422
    assert "greater than or equal to 1" in field_error(response.text, "retention_days")
    assert _sources(client, owner, project)[0]["personal_data"] is False


def test_stakeholders_read_the_register_and_runs_but_change_nothing(
    client: TestClient, visit: Visit, accounts: Accounts, owner: Account, project: str
) -> None:
    expired = (TODAY - timedelta(days=400)).isoformat()
    source = client.post(
        f"/api/v1/projects/{project}/data-sources",
        json={
            "name": "Old CRM dump",
            "kind": "file",
            "personal_data": True,
            "lawful_basis": "consent",
            "retention_days": 30,
            "retention_starts_on": expired,
        },
        headers=owner.headers,
    ).json()
    for _ in range(2):
        started = client.post(
            f"/api/v1/projects/{project}/runs",
            json={"data_sources": ["Old CRM dump"]},
            headers=owner.headers,
        )
        assert started.status_code == 201, started.text
    customer = accounts.create("cora")
    add_member(client, owner, project, customer, "stakeholder")
    them = visit(customer)
    for page in ("/data", "/runs", "/runs/1", "/runs/compare?runs=1&runs=2"):
        response = them.get(f"/projects/{project}{page}")
        assert response.status_code == 200, page
        main = response.text.split("<main", 1)[1]
        assert 'method="post"' not in main, page
        assert "/edit" not in main, page
    register = them.get(f"/projects/{project}/data").text
    assert "retention period ended on" in register
    assert re.search(r'<h2>Understand</h2>\s*<ul>\s*<li><a href="/projects/churn/data"', register)
    assert re.search(r'<h2>Build</h2>\s*<ul>\s*<li><a href="/projects/churn/runs"', register)
    assert them.get(f"/projects/{project}/data/{source['id']}/edit").status_code == 403
    posts = {
        "/data": SOURCE,
        f"/data/{source['id']}/edit": SOURCE,
        f"/data/{source['id']}/delete": {"confirm": "yes"},
        "/runs/1/status": {"status": "finished"},
    }
    for page, body in posts.items():
        assert them.post(f"/projects/{project}{page}", body).status_code == 403, page
    assert len(_sources(client, owner, project)) == 1
    run = client.get(f"/api/v1/projects/{project}/runs/1", headers=owner.headers).json()
    assert run["status"] == "running"
