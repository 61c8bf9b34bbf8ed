"""Shared pieces of the page tests: a browser-like client that signs in through the real login
form and sends the CSRF token of the last page it loaded (as a browser submitting a form would),
a valid KPI form, set-up through the API, a check that a refused field shows its message
accessibly, and the `visit` fixture (registered for every test by tests/conftest.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Protocol

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import Account

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Visitor:
    """One person's browser: its own cookies, and the token of the last page it loaded."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        self.token = ""

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.client.get(url, **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        """Submit a form with the token, unless the test says `csrf=False`."""
        fields = dict(data or {})
        if kwargs.pop("csrf", True):
            if not self.token:
                self.get("/login")
            fields.setdefault("csrf_token", self.token)
        response: httpx.Response = self.client.post(url, data=fields, **kwargs)
        return response

    def sign_in(self, account: Account) -> Visitor:
        self.get("/login")
        response = self.post("/login", {"username": account.username, "password": account.password})
        assert response.status_code == 303, response.text
        return self

    def close(self) -> None:
        self.client.close()


class Visit(Protocol):
    """The `visit` fixture: `visit(account)` is signed in, `visit()` is signed out."""

    def __call__(self, account: Account | None = None) -> Visitor: ...


KPI = {
    "name": "Recall at capacity",
    "kind": "analytic",
    "unit": "ratio",
    "direction": "higher_is_better",
    "baseline": "0.55",
    "target": "0.7",
    "alert_threshold": "0.6",
    "measurement": "Top 5% of scored customers vs. churners next month",
    "frequency": "monthly",
}


def add_kpi(client: TestClient, owner: Account, project: str, **fields: Any) -> int:
    body = {**KPI, **fields}
    for key in ("baseline", "target", "alert_threshold"):
        body[key] = float(body[key])
    response = client.post(f"/api/v1/projects/{project}/kpis", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    kpi_id: int = response.json()["id"]
    return kpi_id


def add_stakeholder(client: TestClient, owner: Account, project: str) -> int:
    response = client.post(
        f"/api/v1/projects/{project}/stakeholders",
        json={"name": "Sam Customer", "organisation": "Telco", "role": "Sponsor"},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    person_id: int = response.json()["id"]
    return person_id


def add_member(
    client: TestClient, owner: Account, project: str, account: Account, role: str
) -> None:
    response = client.put(
        f"/api/v1/projects/{project}/members",
        json={"username": account.username, "role": role},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text


def field_error(html: str, field: str) -> str:
    """The message shown next to a field, checking the field points at it."""
    found = re.search(rf'<p class="field-error" id="f-{field}-error">([^<]*)</p>', html)
    assert found, f"no message next to {field}"
    tag = re.search(rf'<(?:input|select|textarea) id="f-{field}"[^>]*>', html)
    assert tag is not None
    assert 'aria-invalid="true"' in tag.group(0)
    assert f"f-{field}-error" in tag.group(0)
    assert 'role="alert"' in html
    return found.group(1)


@pytest.fixture
def visit(app: FastAPI) -> Iterator[Visit]:
    """`visit(account)` gives a signed-in Visitor; `visit()` a signed-out one."""
    opened: list[Visitor] = []

    def open_as(account: Account | None = None) -> Visitor:
        visitor = Visitor(app)
        opened.append(visitor)
        return visitor.sign_in(account) if account else visitor

    yield open_as
    for visitor in opened:
        visitor.close()
