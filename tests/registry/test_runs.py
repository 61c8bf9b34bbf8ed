"""Runs through the API: start, batched logging, non-finite metrics, limits, tables, comparison."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from mlcontinuum.registry.schemas import MAX_BATCH_METRICS, MAX_BATCH_PARAMS, MAX_PARAMS_PER_RUN
from tests.conftest import Account, Accounts

KPI = {
    "name": "ROC AUC",
    "kind": "analytic",
    "direction": "higher_is_better",
    "baseline": 0.74,
    "target": 0.84,
    "alert_threshold": 0.8,
    "frequency": "monthly",
}


def _url(project: str, rest: str = "") -> str:
    return f"/api/v1/projects/{project}/runs{rest}"


@pytest.fixture
def charter_ready(client: TestClient, owner: Account, project: str) -> str:
    client.post(f"/api/v1/projects/{project}/kpis", json=KPI, headers=owner.headers)
    client.post(
        f"/api/v1/projects/{project}/data-sources",
        json={"name": "CRM extract", "kind": "file"},
        headers=owner.headers,
    )
    return project


def _start(client: TestClient, owner: Account, project: str, **body: Any) -> dict[str, Any]:
    response = client.post(_url(project), json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run


def test_a_run_from_start_to_finish(client: TestClient, owner: Account, charter_ready: str) -> None:
    project = charter_ready
    run = _start(
        client,
        owner,
        project,
        hypothesis="Adding tenure buckets lifts AUC above 0.80",
        kpi="ROC AUC",
        git_commit="3f2a9c1",
        git_dirty=False,
        data_sources=["CRM extract"],
        params={"model": "gradient boosting", "max_depth": 4},
    )
    assert run["number"] == 1
    assert run["name"] == "run 1"
    assert run["status"] == "running"
    assert run["kpi"] == "ROC AUC"
    assert run["data_sources"] == ["CRM extract"]
    assert run["params"] == {"max_depth": "4", "model": "gradient boosting"}
    logged = client.post(
        _url(project, "/1/log"),
        json={
            "params": {"learning_rate": 0.05},
            "tags": {"stage": "tuning"},
            "metrics": [
                {"key": "val/auc", "value": v, "step": s} for s, v in enumerate([0.71, 0.78, 0.82])
            ],
        },
        headers=owner.headers,
    )
    assert logged.json() == {"params": 1, "tags": 1, "metrics": 3}
    finished = client.patch(
        _url(project, "/1"),
        json={"status": "finished", "compute_cost": 1.25},
        headers=owner.headers,
    ).json()
    assert finished["status"] == "finished"
    assert finished["duration_seconds"] >= 0
    assert finished["compute_cost"] == 1.25
    assert finished["metrics"]["val/auc"]["value"] == 0.82
    series = client.get(_url(project, "/1/metrics/val/auc"), headers=owner.headers).json()
    assert [p["value"] for p in series] == [0.71, 0.78, 0.82]
    late = client.post(
        _url(project, "/1/log"), json={"metrics": [{"key": "x", "value": 1}]}, headers=owner.headers
    )
    assert late.status_code == 409
    trail = client.get(
        f"/api/v1/projects/{project}/events?type=run.started&type=run.finished",
        headers=owner.headers,
    ).json()
    assert [e["type"] for e in trail["items"]] == ["run.finished", "run.started"]


def test_nan_and_infinite_metrics_are_kept_as_such(
    client: TestClient, owner: Account, project: str
) -> None:
    _start(client, owner, project)
    body = '{"metrics": [{"key": "loss", "value": 0.5, "step": 0}, {"key": "loss", "value": NaN, "step": 1}, {"key": "grad", "value": Infinity}, {"key": "lr_min", "value": -Infinity}]}'  # noqa: E501
    response = client.post(
        _url(project, "/1/log"),
        content=body,
        headers={**owner.headers, "content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    run = client.get(_url(project, "/1"), headers=owner.headers).json()
    shown = {key: m["display"] for key, m in run["metrics"].items()}
    assert shown == {"loss": "NaN", "grad": "Infinity", "lr_min": "-Infinity"}
    assert run["metrics"]["loss"]["value"] is None
    series = client.get(_url(project, "/1/metrics/loss"), headers=owner.headers).json()
    assert [p["display"] for p in series] == ["0.5", "NaN"]


def test_parameters_do_not_change_once_logged(
    client: TestClient, owner: Account, project: str
) -> None:
    _start(client, owner, project, params={"max_depth": 4})
    same = client.post(
        _url(project, "/1/log"), json={"params": {"max_depth": 4}}, headers=owner.headers
    )
    assert same.json()["params"] == 0  # a retried batch changes nothing
    other = client.post(
        _url(project, "/1/log"), json={"params": {"max_depth": 6}}, headers=owner.headers
    )
    assert other.status_code == 409
    assert other.json()["error"]["fields"][0]["field"] == "params.max_depth"
    tags = client.post(_url(project, "/1/log"), json={"tags": {"note": "a"}}, headers=owner.headers)
    retag = client.post(
        _url(project, "/1/log"), json={"tags": {"note": "b"}}, headers=owner.headers
    )
    assert tags.status_code == retag.status_code == 200
    assert client.get(_url(project, "/1"), headers=owner.headers).json()["tags"] == {"note": "b"}


def test_thousands_of_parameters_within_the_limits(
    client: TestClient, owner: Account, project: str
) -> None:
    _start(client, owner, project)
    for batch in range(15):  # 3,000 parameters in batches of the maximum size
        params = {f"p{batch}_{i}": i for i in range(MAX_BATCH_PARAMS)}
        response = client.post(
            _url(project, "/1/log"), json={"params": params}, headers=owner.headers
        )
        assert response.status_code == 200
    assert len(client.get(_url(project, "/1"), headers=owner.headers).json()["params"]) == 3000
    too_many = {f"q{i}": i for i in range(MAX_BATCH_PARAMS + 1)}
    refused = client.post(_url(project, "/1/log"), json={"params": too_many}, headers=owner.headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["field"] == "params"
    assert MAX_PARAMS_PER_RUN > 3000


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"metrics": [{"key": "../etc/passwd", "value": 1}]}, "metrics.0.key"),
        ({"metrics": [{"key": "/abs", "value": 1}]}, "metrics.0.key"),
        ({"metrics": [{"key": "a\\b", "value": 1}]}, "metrics.0.key"),
        ({"metrics": [{"key": "nul\u0000", "value": 1}]}, "metrics.0.key"),
        ({"metrics": [{"key": "%2e%2e/x", "value": 1}]}, "metrics.0.key"),
        ({"metrics": [{"key": "ok", "value": 1, "step": -1}]}, "metrics.0.step"),
        ({"metrics": [{"key": "ok", "value": "high"}]}, "metrics.0.value"),
        ({"metrics": [{"key": "k", "value": 1}] * (MAX_BATCH_METRICS + 1)}, "metrics"),
        ({"params": {"k": "v" * 6001}}, "params"),
        ({"params": {"bad\nkey": 1}}, "params.bad\nkey.[key]"),
        ({"weights": [1, 2]}, "weights"),
    ],
)
def test_bad_batches_are_refused_whole(
    client: TestClient, owner: Account, project: str, body: dict[str, Any], field: str
) -> None:
    _start(client, owner, project)
    response = client.post(_url(project, "/1/log"), json=body, headers=owner.headers)
    assert response.status_code == 422, response.text
    assert field in {f["field"] for f in response.json()["error"]["fields"]}
    assert client.get(_url(project, "/1"), headers=owner.headers).json()["metrics"] == {}


def test_start_refuses_unknown_kpis_and_sources(
    client: TestClient, owner: Account, project: str
) -> None:
    for body, field in (
        ({"kpi": "Happiness"}, "kpi"),
        ({"data_sources": ["Nowhere"]}, "data_sources"),
        ({"git_commit": "not-a-sha"}, "git_commit"),
    ):
        response = client.post(_url(project), json=body, headers=owner.headers)
        assert response.status_code == 422
        assert response.json()["error"]["fields"][0]["field"] == field
    assert client.get(_url(project), headers=owner.headers).json()["total"] == 0


def test_runs_table_sorts_by_a_metric_and_picks_columns(
    client: TestClient, owner: Account, project: str
) -> None:
    for auc, depth in ((0.78, 3), (0.83, 5), (0.80, 4)):
        run = _start(client, owner, project, params={"max_depth": depth})
        client.post(
            _url(project, f"/{run['number']}/log"),
            json={"metrics": [{"key": "auc", "value": auc}]},
            headers=owner.headers,
        )
    _start(client, owner, project)  # no AUC yet: sorts last
    table = client.get(
        _url(project),
        params={"sort": "-metrics.auc", "columns": ["params.max_depth", "metrics.auc"]},
        headers=owner.headers,
    ).json()
    assert [r["number"] for r in table["items"]] == [2, 3, 1, 4]
    assert table["items"][0]["params"] == {"max_depth": "5"}
    assert table["metric_keys"] == ["auc"]
    assert table["param_keys"] == ["max_depth"]
    ascending = client.get(
        _url(project),
        params={"sort": "metrics.auc", "per_page": 2, "page": 1},
        headers=owner.headers,
    ).json()
    assert [r["number"] for r in ascending["items"]] == [1, 3]
    assert ascending["total"] == 4
    bad = client.get(_url(project), params={"sort": "shoe_size"}, headers=owner.headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "sort"


def test_compare_two_to_five_runs(client: TestClient, owner: Account, project: str) -> None:
    for depth in (3, 5, 5):
        _start(client, owner, project, params={"max_depth": depth, "seed": 7})
    compared = client.get(
        _url(project, "/compare?runs=1&runs=2&runs=3"), headers=owner.headers
    ).json()
    assert [r["number"] for r in compared["runs"]] == [1, 2, 3]
    assert compared["differing_params"] == ["max_depth"]
    one = client.get(_url(project, "/compare?runs=1"), headers=owner.headers)
    assert one.status_code == 422
    missing = client.get(_url(project, "/compare?runs=1&runs=9"), headers=owner.headers)
    assert missing.status_code == 404


def test_only_the_ml_team_writes_runs(
    client: TestClient, accounts: Accounts, owner: Account, project: str
) -> None:
    customer = accounts.create("carla")
    client.put(
        f"/api/v1/projects/{project}/members",
        json={"username": "carla", "role": "stakeholder"},
        headers=owner.headers,
    )
    assert client.post(_url(project), json={}, headers=customer.headers).status_code == 403
    _start(client, owner, project)
    assert client.get(_url(project, "/1"), headers=customer.headers).status_code == 200
    outsider = accounts.create("oscar")
    assert client.get(_url(project, "/1"), headers=outsider.headers).status_code == 404


def test_an_external_id_makes_starting_a_run_idempotent(
    client: TestClient, owner: Account, project: str
) -> None:
    body = {"external_id": "mlflow:0a1b2c", "params": {"alpha": 1}}
    first = client.post(_url(project), json=body, headers=owner.headers)
    again = client.post(_url(project), json=body, headers=owner.headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"] == 1
    assert client.get(_url(project), headers=owner.headers).json()["total"] == 1
    version = {"external_id": "mlflow:churn-model/3", "runs": [1]}
    url = f"/api/v1/projects/{project}/models/churn-model/versions"
    assert client.post(url, json=version, headers=owner.headers).status_code == 201
    repeated = client.post(url, json=version, headers=owner.headers)
    assert repeated.status_code == 200
    assert repeated.json()["version"] == 1


def test_a_run_profile_must_be_a_continuum_profile(
    client: TestClient, owner: Account, project: str
) -> None:
    _start(client, owner, project)
    refused = client.put(
        _url(project, "/1/reference-profile"),
        content=b"\x80\x04not a profile",
        headers={**owner.headers, "content-type": "application/octet-stream"},
    )
    assert refused.status_code == 422
    assert (
        client.get(_url(project, "/1"), headers=owner.headers).json()["reference_profile"] is None
    )
