"""Bad input gets a 4xx naming the field and the rule, and nothing is half-written."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mlcontinuum.charter.models import Kpi
from mlcontinuum.kernel.auth.models import Project
from mlcontinuum.kernel.events import Event
from mlcontinuum.kernel.storage.engine import transaction
from tests.conftest import Account

GOOD_KPI: dict[str, Any] = {
    "name": "AUC",
    "kind": "analytic",
    "direction": "higher_is_better",
    "baseline": 0.7,
    "target": 0.85,
    "alert_threshold": 0.8,
    "frequency": "weekly",
}


def _counts(app: FastAPI) -> tuple[int, int, int]:
    with transaction(app.state.session_factory) as db:
        return (
            db.scalar(select(func.count()).select_from(Project)) or 0,
            db.scalar(select(func.count()).select_from(Kpi)) or 0,
            db.scalar(select(func.count()).select_from(Event)) or 0,
        )


def _fields(response: Any) -> dict[str, str]:
    return {f["field"]: f["rule"] for f in response.json()["error"]["fields"]}


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"slug": "ok-slug", "name": ""}, "name", "string_too_short"),
        ({"slug": "ok-slug"}, "name", "missing"),
        ({"slug": "ok-slug", "name": "x" * 201}, "name", "string_too_long"),
        ({"slug": "Bad Slug!", "name": "n"}, "slug", "string_pattern_mismatch"),
        ({"slug": "ok-slug", "name": "n", "colour": "red"}, "colour", "extra_forbidden"),
        ({"slug": "ok-slug", "name": "n", "stage": "launch"}, "stage", "enum"),
        ({"slug": "ok-slug", "name": ["n"]}, "name", "string_type"),
        ({"slug": "ok-slug", "name": "n", "description": 5}, "description", "string_type"),
    ],
)
def test_bad_project_fields(
    app: FastAPI, client: TestClient, owner: Account, body: dict[str, Any], field: str, rule: str
) -> None:
    before = _counts(app)
    response = client.post("/api/v1/projects", json=body, headers=owner.headers)
    assert response.status_code == 422
    assert _fields(response).get(field) == rule, response.text
    assert field in response.json()["error"]["message"]
    assert _counts(app) == before


def test_duplicate_slug_is_a_conflict(
    app: FastAPI, client: TestClient, owner: Account, project: str
) -> None:
    before = _counts(app)
    response = client.post(
        "/api/v1/projects", json={"slug": project, "name": "Again"}, headers=owner.headers
    )
    assert response.status_code == 409
    assert _fields(response) == {"slug": "unique"}
    assert _counts(app) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"alert_threshold": 0.9}, "alert_threshold"),  # above the target of higher-is-better
        ({"baseline": "NaN"}, "baseline"),
        ({"target": "Infinity"}, "target"),
        ({"direction": "sideways"}, "direction"),
        ({"frequency": "sometimes"}, "frequency"),
        ({"name": "   "}, "name"),
        ({"unit": "u" * 41}, "unit"),
    ],
)
def test_bad_kpis(
    app: FastAPI,
    client: TestClient,
    owner: Account,
    project: str,
    change: dict[str, Any],
    field: str,
) -> None:
    before = _counts(app)
    response = client.post(
        f"/api/v1/projects/{project}/kpis", json={**GOOD_KPI, **change}, headers=owner.headers
    )
    assert response.status_code == 422, response.text
    assert field in _fields(response)
    assert _counts(app) == before


def test_kpi_update_keeps_the_threshold_rule(
    app: FastAPI, client: TestClient, owner: Account, project: str
) -> None:
    kpi = client.post(f"/api/v1/projects/{project}/kpis", json=GOOD_KPI, headers=owner.headers)
    before = _counts(app)
    response = client.patch(
        f"/api/v1/projects/{project}/kpis/{kpi.json()['id']}",
        json={"target": 0.75},  # now the existing threshold 0.8 would sit above the target
        headers=owner.headers,
    )
    assert response.status_code == 422
    assert _fields(response) == {"alert_threshold": "direction"}
    assert _counts(app) == before


def test_duplicate_kpi_name(app: FastAPI, client: TestClient, owner: Account, project: str) -> None:
    client.post(f"/api/v1/projects/{project}/kpis", json=GOOD_KPI, headers=owner.headers)
    before = _counts(app)
    again = client.post(f"/api/v1/projects/{project}/kpis", json=GOOD_KPI, headers=owner.headers)
    assert again.status_code == 409
    assert _fields(again) == {"name": "unique"}
    assert _counts(app) == before


HOSTILE_YAML = {
    "python object tag": "!!python/object/apply:os.system ['echo pwned']\n",
    "python tag inside": "continuum: charter/v1\nproject: !!python/name:os.system\n",
    "alias bomb": 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n',
    "not a mapping": "- just\n- a list\n",
    "broken syntax": "project: {name: [unclosed\n",
    "unknown key": "continuum: charter/v1\nproject: {name: P}\ncharter: {}\nextra: 1\n",
    "wrong version": "continuum: charter/v9\nproject: {name: P}\ncharter: {}\n",
    "wrong type": "continuum: charter/v1\nproject: {name: P}\ncharter: {}\nkpis: {a: 1}\n",
}


@pytest.mark.parametrize("case", sorted(HOSTILE_YAML))
def test_hostile_or_malformed_yaml_is_refused_whole(
    app: FastAPI, client: TestClient, owner: Account, project: str, case: str
) -> None:
    before = _counts(app)
    response = client.put(
        f"/api/v1/projects/{project}/charter.yaml",
        content=HOSTILE_YAML[case],
        headers={**owner.headers, "content-type": "application/yaml"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"]
    assert response.json()["error"]["fields"]
    assert _counts(app) == before


def test_half_valid_yaml_writes_nothing(
    app: FastAPI, client: TestClient, owner: Account, project: str
) -> None:
    """The project part is fine, a KPI is not: neither the project nor the charter changes."""
    document = (
        "continuum: charter/v1\n"
        "project: {name: Renamed}\n"
        "charter: {risks: new risk}\n"
        "kpis:\n"
        "- {name: A, kind: business, direction: higher_is_better, baseline: 1, target: 2,"
        " alert_threshold: 3, frequency: weekly}\n"
    )
    before = _counts(app)
    response = client.put(
        f"/api/v1/projects/{project}/charter.yaml",
        content=document,
        headers={**owner.headers, "content-type": "application/yaml"},
    )
    assert response.status_code == 422
    assert "kpis.0.alert_threshold" in _fields(response)
    assert _counts(app) == before
    assert client.get(f"/api/v1/projects/{project}", headers=owner.headers).json()["name"] != (
        "Renamed"
    )


def test_huge_bodies_are_refused_before_parsing(
    app: FastAPI, client: TestClient, owner: Account, project: str
) -> None:
    before = _counts(app)
    big = "x" * (app.state.settings.max_request_bytes + 1)
    response = client.patch(
        f"/api/v1/projects/{project}/charter",
        content=f'{{"risks": "{big}"}}',
        headers={**owner.headers, "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"

    def chunks() -> Any:
        for _ in range(40):
            yield b"y" * 32_768

    streamed = client.put(
        f"/api/v1/projects/{project}/charter.yaml",
        content=chunks(),
        headers={**owner.headers, "content-type": "application/yaml"},
    )
    assert streamed.status_code == 413
    assert _counts(app) == before


def test_malformed_json_and_wrong_content(client: TestClient, owner: Account) -> None:
    response = client.post(
        "/api/v1/projects",
        content=b"{not json",
        headers={**owner.headers, "content-type": "application/json"},
    )
    assert response.status_code == 422
    bad_page = client.get("/api/v1/projects?per_page=100000", headers=owner.headers)
    assert bad_page.status_code == 422
    assert _fields(bad_page) == {"query.per_page": "less_than_equal"}
    bad_id = client.delete("/api/v1/tokens/not-a-number", headers=owner.headers)
    assert bad_id.status_code == 422


@pytest.mark.parametrize("number", [2**31, 2**40, 2**70])
def test_ids_beyond_the_database_range_are_a_clear_422(
    client: TestClient, owner: Account, project: str, number: int
) -> None:
    for path in (f"/releases/{number}", f"/alerts/{number}", f"/runs/{number}"):
        response = client.get(f"/api/v1/projects/{project}{path}", headers=owner.headers)
        assert response.status_code in (404, 422), (path, response.text)
        if response.status_code == 422:
            assert response.json()["error"]["code"] == "out_of_range"
