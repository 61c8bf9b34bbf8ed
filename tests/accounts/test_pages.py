"""API tokens, user accounts, and the audit trail page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import Account, Accounts
from tests.pagekit import Visit, add_kpi, field_error


def test_tokens_are_shown_once_and_can_be_revoked(
    client: TestClient, visit: Visit, owner: Account, project: str
) -> None:
    me = visit(owner)
    me.get("/account/tokens")
    created = me.post(
        "/account/tokens",
        {"name": "ci", "project": project, "role_ceiling": "viewer", "expires_in_days": "30"},
    )
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    secret = re.search(r'value="(cnt_[^"]+)"', created.text).group(1)  # type: ignore[union-attr]
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/api/v1/projects/{project}", headers=auth).status_code == 200
    listing = me.get("/account/tokens").text
    assert secret not in listing
    assert "ci" in listing
    row = re.search(r">ci</th>.*?/account/tokens/(\d+)/revoke", listing, re.S)
    assert row is not None
    token_id = row.group(1)
    assert me.post(f"/account/tokens/{token_id}/revoke").status_code == 303
    assert client.get(f"/api/v1/projects/{project}", headers=auth).status_code == 401
    bad = me.post("/account/tokens", {"name": "", "project": "nope", "expires_in_days": "0"})
    assert bad.status_code == 422
    assert "at least 1 character" in field_error(bad.text, "name")
    assert "greater than or equal to 1" in field_error(bad.text, "expires_in_days")
    unknown = me.post("/account/tokens", {"name": "x", "project": "nope"})
    assert "that you can see" in field_error(unknown.text, "project")


def test_admins_create_users_and_others_may_not(
    visit: Visit, accounts: Accounts, owner: Account
) -> None:
    admin = visit(accounts.create("ada", admin=True))
    assert "/admin/users" in admin.get("/projects").text
    assert "olivia" in admin.get("/admin/users").text
    body = {
        "username": "newbie",
        "email": "n@example.com",
        "full_name": "New",
        "password": "p" * 12,
    }
    assert admin.post("/admin/users", body).status_code == 303
    assert "newbie" in admin.get("/admin/users").text
    clash = admin.post("/admin/users", {**body, "email": "other@example.com"})
    assert clash.status_code == 409
    assert "choose another user name" in field_error(clash.text, "username")
    assert "p" * 12 not in clash.text  # the password is never sent back
    plain = visit(owner)
    assert "/admin/users" not in plain.get("/projects").text
    assert plain.get("/admin/users").status_code == 403
    assert plain.post("/admin/users", {**body, "username": "x2"}).status_code == 403


def test_audit_trail_filters_and_pages(
    client: TestClient, visit: Visit, owner: Account, project: str
) -> None:
    for number in range(60):
        add_kpi(client, owner, project, name=f"KPI {number:02d}")
    me = visit(owner)
    first = me.get(f"/projects/{project}/events?type=kpi.added&actor={owner.username}&verify=true")
    assert first.status_code == 200
    assert first.text.count("<code>kpi.added</code>") == 50
    assert "Page 1 of 2" in first.text
    next_link = re.search(r'rel="next" href="([^"]+)"', first.text).group(1)  # type: ignore[union-attr]
    assert "type=kpi.added" in next_link
    assert "actor=olivia" in next_link
    second = me.get(next_link.replace("&amp;", "&")).text
    assert second.count("<code>kpi.added</code>") == 10
    assert "name: KPI 00" in second  # oldest last
    later = me.get(f"/projects/{project}/events?since=2999-01-01T00:00").text
    assert "No events match" in later
    bad = me.get(f"/projects/{project}/events?until=yesterday")
    assert bad.status_code == 422
    assert 'id="until-error"' in bad.text
    assert "Hash chain intact" in first.text
    plain = me.get(f"/projects/{project}/events").text
    assert "Verify the hash chain" in plain
    assert "Hash chain intact" not in plain
