"""Model versions: content-addressed artifacts, safety scans that never run the model,
immutability, reference profiles, status moves, lineage and the generated model card."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sklearn.linear_model import LogisticRegression

from mlcontinuum.profiles import build_profile, dumps
from tests.conftest import Account

VERSIONS = "/api/v1/projects/{project}/models/churn-model/versions"


class _Payload:
    """A pickle that would create a file if anything ever loaded it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def _skops_model() -> bytes:
    x = np.random.default_rng(1).random((60, 3))
    data: bytes = sio.dumps(LogisticRegression().fit(x, x[:, 0] > 0.5))
    return data


def _url(project: str, rest: str = "") -> str:
    return VERSIONS.format(project=project) + rest


def _version(client: TestClient, owner: Account, project: str, **body: Any) -> dict[str, Any]:
    response = client.post(_url(project), json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _upload(
    client: TestClient, owner: Account, project: str, version: int, data: bytes, name: str
) -> Any:
    return client.put(
        _url(project, f"/{version}/artifact"),
        params={"filename": name},
        content=data,
        headers={**owner.headers, "content-type": "application/octet-stream"},
    )


def test_a_malicious_pickle_is_flagged_and_never_run(
    app: FastAPI, client: TestClient, owner: Account, project: str, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    _version(client, owner, project)
    response = _upload(client, owner, project, 1, pickle.dumps(_Payload(marker)), "model.pkl")
    assert response.status_code == 200, response.text
    artifact = response.json()["artifact"]
    assert artifact["scan_verdict"] == "unsafe"
    assert any("system" in finding for finding in artifact["scan_findings"])
    assert not marker.exists()
    downloaded = client.get(_url(project, "/1/artifact"), headers=owner.headers)
    assert downloaded.headers["x-continuum-scan"] == "unsafe"
    assert not marker.exists()


def test_a_skops_model_is_stored_by_its_hash_and_scanned_safe(
    app: FastAPI, client: TestClient, owner: Account, project: str
) -> None:
    data = _skops_model()
    _version(client, owner, project)
    artifact = _upload(client, owner, project, 1, data, "model.skops").json()["artifact"]
    assert artifact["scan_verdict"] == "safe"
    assert artifact["format"] == "skops"
    stored = app.state.artifacts.path_of(artifact["sha256"])
    assert stored.read_bytes() == data
    assert artifact["sha256"] in str(stored)  # content-addressed, no client name on disk
    downloaded = client.get(_url(project, "/1/artifact"), headers=owner.headers)
    assert downloaded.content == data
    assert 'filename="model.skops"' in downloaded.headers["content-disposition"]


def test_a_versions_artifact_never_changes(
    client: TestClient, owner: Account, project: str
) -> None:
    data = _skops_model()
    _version(client, owner, project)
    assert _upload(client, owner, project, 1, data, "m.skops").status_code == 200
    assert _upload(client, owner, project, 1, data, "m.skops").status_code == 200  # a retry
    other = _upload(client, owner, project, 1, data + b"x", "m.skops")
    assert other.status_code == 409
    assert "new version" in other.json()["error"]["message"]


@pytest.mark.parametrize(
    "name",
    [
        "../model.pkl",
        "%2e%2e%2fmodel.pkl",
        "%252e%252e%252fmodel.pkl",
        "..\\model.pkl",
        "/etc/passwd",
        "C:model.pkl",
        "model\x00.pkl",
        "sub/dir/model.pkl",
        "",
    ],
)
def test_unsafe_file_names_are_refused(
    app: FastAPI, client: TestClient, owner: Account, project: str, name: str
) -> None:
    _version(client, owner, project)
    response = _upload(client, owner, project, 1, b"weights", name)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"][0]["field"] in ("filename", "query.filename")
    assert client.get(_url(project, "/1"), headers=owner.headers).json()["artifact"] is None
    incoming = app.state.artifacts.root / "incoming"
    assert not incoming.exists() or list(incoming.iterdir()) == []


def test_artifacts_over_the_limit_leave_nothing_behind(
    app: FastAPI, client: TestClient, owner: Account, project: str
) -> None:
    app.state.settings.max_artifact_bytes = 4096
    _version(client, owner, project)

    def chunks() -> Any:
        for _ in range(10):
            yield b"z" * 1024

    response = client.put(
        _url(project, "/1/artifact"),
        params={"filename": "big.bin"},
        content=chunks(),
        headers={**owner.headers, "content-type": "application/octet-stream"},
    )
    assert response.status_code == 413
    assert client.get(_url(project, "/1"), headers=owner.headers).json()["artifact"] is None
    root = app.state.artifacts.root
    assert [p for p in root.rglob("*") if p.is_file()] == []


def test_reference_profile_and_lineage(client: TestClient, owner: Account, project: str) -> None:
    h = owner.headers
    client.post(
        f"/api/v1/projects/{project}/data-sources",
        json={"name": "CRM extract", "kind": "file"},
        headers=h,
    )
    client.post(
        f"/api/v1/projects/{project}/runs",
        json={"hypothesis": "tenure matters", "data_sources": ["CRM extract"]},
        headers=h,
    )
    first = _version(client, owner, project, runs=[1], evaluation_metrics={"roc_auc": 0.81})
    assert first["data_sources"] == ["CRM extract"]
    second = _version(client, owner, project, runs=[1], parent_version=1)
    assert second["version"] == 2
    assert second["parent_version"] == 1
    frame = pd.DataFrame({"tenure": np.arange(100.0), "contract": ["monthly", "yearly"] * 50})
    profile = dumps(build_profile(frame))
    stored = client.put(
        _url(project, "/2/reference-profile"),
        content=profile,
        headers={**h, "content-type": "application/octet-stream"},
    )
    assert stored.status_code == 200, stored.text
    assert stored.json()["reference_profile"] == {"rows": 100, "columns": ["tenure", "contract"]}
    garbage = client.put(
        _url(project, "/2/reference-profile"),
        content=pickle.dumps({"not": "a profile"}),
        headers={**h, "content-type": "application/octet-stream"},
    )
    assert garbage.status_code == 422
    assert "not a valid Continuum profile" in garbage.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"runs": [42]}, "runs"),
        ({"evaluation_metrics": {"auc": "NaN"}}, "evaluation_metrics.auc"),
        ({"parent_version": 0}, "parent_version"),
        ({"weights_inline": "..."}, "weights_inline"),
    ],
)
def test_bad_versions_are_refused(
    client: TestClient, owner: Account, project: str, body: dict[str, Any], field: str
) -> None:
    response = client.post(_url(project), json=body, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == field
    assert client.get(f"/api/v1/projects/{project}/models", headers=owner.headers).json() == []


def test_status_moves_and_what_only_releases_may_do(
    client: TestClient, owner: Account, project: str
) -> None:
    _version(client, owner, project)
    approve = client.patch(_url(project, "/1"), json={"status": "approved"}, headers=owner.headers)
    assert approve.status_code == 409
    assert "release" in approve.json()["error"]["message"]
    archived = client.patch(_url(project, "/1"), json={"status": "archived"}, headers=owner.headers)
    assert archived.json()["status"] == "archived"
    back = client.patch(_url(project, "/1"), json={"status": "candidate"}, headers=owner.headers)
    assert back.json()["status"] == "candidate"
    models = client.get(f"/api/v1/projects/{project}/models", headers=owner.headers).json()
    assert [(m["name"], m["versions"]) for m in models] == [("churn-model", 1)]


def test_model_card_reads_the_charter_and_the_register(
    client: TestClient, owner: Account, project: str
) -> None:
    h = owner.headers
    client.patch(
        f"/api/v1/projects/{project}/charter",
        json={"success_criteria": "AUC of at least 0.84 on the latest month."},
        headers=h,
    )
    client.post(
        f"/api/v1/projects/{project}/kpis",
        json={
            "name": "ROC AUC",
            "kind": "analytic",
            "direction": "higher_is_better",
            "baseline": 0.74,
            "target": 0.84,
            "alert_threshold": 0.8,
            "frequency": "monthly",
        },
        headers=h,
    )
    client.post(
        f"/api/v1/projects/{project}/data-sources",
        json={"name": "CRM extract", "kind": "file", "personal_data": True},
        headers=h,
    )
    client.post(
        f"/api/v1/projects/{project}/runs", json={"data_sources": ["CRM extract"]}, headers=h
    )
    _version(
        client,
        owner,
        project,
        runs=[1],
        evaluation_metrics={"roc_auc": 0.82},
        limitations="Trained on one region only.",
    )
    card = client.get(_url(project, "/1/card.md"), headers=h)
    assert card.headers["content-type"].startswith("text/markdown")
    text = card.text
    assert "# Model card: churn-model version 1" in text
    assert "AUC of at least 0.84 on the latest month." in text
    assert "| ROC AUC | analytic | 0.84  | 0.8 | 0.82 | between threshold and target |" in text
    assert "**CRM extract** (file): NOT compliant" in text
    assert "no lawful basis" in text
    assert "Trained on one region only." in text
