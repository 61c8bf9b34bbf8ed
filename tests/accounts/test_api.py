"""Authentication and roles: hashed secrets, scoped and expiring tokens, ceilings, throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from mlcontinuum.kernel.auth import service
from mlcontinuum.kernel.auth.models import ApiToken, User
from mlcontinuum.kernel.errors import AuthenticationRequired, TooManyRequests
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.kernel.storage.engine import transaction
from tests.conftest import PASSWORD, Account, Accounts


def _new_token(client: TestClient, account: Account, **body: object) -> str:
    response = client.post("/api/v1/tokens", json={"name": "t", **body}, headers=account.headers)
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_passwords_use_argon2_and_token_secrets_are_not_stored(
    app: FastAPI, client: TestClient, owner: Account
) -> None:
    token = _new_token(client, owner)
    with transaction(app.state.session_factory) as db:
        user = db.scalars(select(User).where(User.username == owner.username)).one()
        stored = db.scalars(select(ApiToken)).all()
    assert user.password_hash.startswith("$argon2id$")
    secret = token.split("_", 2)[2]
    assert all(secret not in (t.secret_hash + t.public_id) for t in stored)
    listed = client.get("/api/v1/tokens", headers=owner.headers).json()
    assert all("token" not in item for item in listed)  # shown once, never listed


def test_revoked_and_expired_tokens_are_refused(
    app: FastAPI, client: TestClient, owner: Account
) -> None:
    token = _new_token(client, owner)
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    token_id = client.get("/api/v1/tokens", headers=owner.headers).json()[-1]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=owner.headers).status_code == 200
    refused = client.get("/api/v1/me", headers=_bearer(token))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error"]["message"]

    expiring = _new_token(client, owner, expires_in_days=1)
    with app.state.engine.begin() as connection:
        connection.execute(
            update(ApiToken)
            .where(ApiToken.name == "t", ApiToken.revoked_at.is_(None))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert client.get("/api/v1/me", headers=_bearer(expiring)).status_code == 401


def test_malformed_and_forged_tokens_are_refused(client: TestClient, owner: Account) -> None:
    prefix, public_id, _ = owner.token.split("_", 2)
    for header in (
        "Bearer nonsense",
        f"Bearer {prefix}_{public_id}_wrongsecret",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
    ):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
    assert client.get("/api/v1/me").status_code == 401


def test_project_scoped_token_sees_only_its_project(
    client: TestClient, owner: Account, project: str
) -> None:
    other = client.post(
        "/api/v1/projects", json={"slug": "fraud", "name": "Fraud"}, headers=owner.headers
    )
    assert other.status_code == 201
    scoped = _bearer(_new_token(client, owner, project=project))
    listed = client.get("/api/v1/projects", headers=scoped).json()
    assert [p["slug"] for p in listed["items"]] == [project]
    assert client.get("/api/v1/projects/fraud", headers=scoped).status_code == 404
    assert client.get(f"/api/v1/projects/{project}/charter", headers=scoped).status_code == 200
    created = client.post("/api/v1/projects", json={"slug": "x2", "name": "X"}, headers=scoped)
    assert created.status_code == 403
    assert client.post("/api/v1/tokens", json={"name": "n"}, headers=scoped).status_code == 403


def test_role_ceiling_caps_what_an_owner_token_may_do(
    client: TestClient, owner: Account, project: str
) -> None:
    viewer_token = _bearer(_new_token(client, owner, role_ceiling="viewer"))
    assert client.get(f"/api/v1/projects/{project}/kpis", headers=viewer_token).status_code == 200
    denied = client.patch(
        f"/api/v1/projects/{project}/charter",
        json={"risks": "none"},
        headers=viewer_token,
    )
    assert denied.status_code == 403
    assert "ceiling" in denied.json()["error"]["message"]


def test_roles_decide_what_members_may_do(
    client: TestClient, accounts: Accounts, owner: Account, project: str
) -> None:
    customer = accounts.create("carla")
    engineer = accounts.create("ed")
    outsider = accounts.create("oscar")
    for account, role in ((customer, "stakeholder"), (engineer, "ml_engineer")):
        response = client.put(
            f"/api/v1/projects/{project}/members",
            json={"username": account.username, "role": role},
            headers=owner.headers,
        )
        assert response.status_code == 200, response.text
    edit = {"problem_statement": "Churn is too high."}
    url = f"/api/v1/projects/{project}/charter"
    assert client.patch(url, json=edit, headers=engineer.headers).status_code == 200
    assert client.patch(url, json=edit, headers=customer.headers).status_code == 403
    assert client.get(url, headers=customer.headers).status_code == 200
    assert client.get(url, headers=outsider.headers).status_code == 404
    members_url = f"/api/v1/projects/{project}/members"
    promote = {"username": "oscar", "role": "owner"}
    assert client.put(members_url, json=promote, headers=engineer.headers).status_code == 403
    listed = client.get("/api/v1/projects", headers=outsider.headers).json()
    assert listed["total"] == 0


def test_the_last_owner_cannot_step_down(client: TestClient, owner: Account, project: str) -> None:
    response = client.put(
        f"/api/v1/projects/{project}/members",
        json={"username": owner.username, "role": "viewer"},
        headers=owner.headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["rule"] == "last_owner"


def test_admin_routes_need_an_instance_admin(client: TestClient, accounts: Accounts) -> None:
    admin = accounts.create("root", admin=True)
    plain = accounts.create("paula")
    body = {"username": "newbie", "email": "n@example.com", "password": "long enough pw"}
    assert client.post("/api/v1/users", json=body, headers=plain.headers).status_code == 403
    assert client.post("/api/v1/users", json=body, headers=admin.headers).status_code == 201
    short = {**body, "username": "n2", "email": "n2@example.com", "password": "short"}
    assert client.post("/api/v1/users", json=short, headers=admin.headers).status_code == 422


def test_failed_logins_are_throttled(app: FastAPI, accounts: Accounts) -> None:
    accounts.create("tess")
    throttle = service.Throttle(max_failures=3, window=timedelta(minutes=15))
    for _ in range(3):
        # As the login page does: the failure is caught inside the transaction, which commits.
        with transaction(app.state.session_factory) as db, pytest.raises(AuthenticationRequired):
            service.authenticate(db, "tess", "wrong", client="10.0.0.1", throttle=throttle)
    with transaction(app.state.session_factory) as db, pytest.raises(TooManyRequests) as raised:
        # Even the right password waits until the window has passed.
        service.authenticate(db, "tess", PASSWORD, client="10.0.0.2", throttle=throttle)
    assert raised.value.retry_after_seconds == 900
