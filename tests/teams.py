"""The cast of the tests from releases on: a project with an owner, an ML engineer, a
stakeholder and a viewer, and helpers to register versions and release them. The `team`
fixture (tests/conftest.py) builds one.

Versions are releasable by default: they carry what the default release policy asks for (an
artifact scanned safe and a gate run whose required gates passed)."""

from __future__ import annotations

import struct
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Account, Accounts

API = "/api/v1/projects/{project}"
# The smallest safetensors file: an empty JSON header and no tensors. The scan reads it as safe.
SAFE_ARTIFACT = struct.pack("<Q", 2) + b"{}"
PASSED_GATES = {
    "results": [
        {
            "gate": "metric_threshold",
            "type_key": "continuum:gate:metric_threshold",
            "status": "passed",
            "message": "roc_auc 0.84 at least 0.8",
        }
    ]
}


class Team:
    """The project's people: the owner, an ML engineer, a stakeholder and a viewer."""

    def __init__(self, client: TestClient, accounts: Accounts, owner: Account, project: str):
        self.client, self.owner, self.project = client, owner, project
        self.engineer = self._member(accounts, "emma", "ml_engineer")
        self.customer = self._member(accounts, "sam", "stakeholder")
        self.viewer = self._member(accounts, "vic", "viewer")

    def _member(self, accounts: Accounts, name: str, role: str) -> Account:
        account = accounts.create(name)
        response = self.client.put(
            self.url("/members"), json={"username": name, "role": role}, headers=self.owner.headers
        )
        assert response.status_code == 200, response.text
        return account

    def url(self, rest: str) -> str:
        return API.format(project=self.project) + rest

    def post(self, who: Account, rest: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(self.url(rest), json=body, headers=who.headers)

    def get(self, who: Account, rest: str, **params: Any) -> Any:
        return self.client.get(self.url(rest), params=params, headers=who.headers)

    def version(self, *, releasable: bool = True) -> int:
        """A new version of churn-model, built from a run of its own; `releasable`: with a safe
        artifact and a passed gate run, so the default release policy lets it through."""
        run = self.post(self.owner, "/runs", {"name": "train"})
        assert run.status_code == 201, run.text
        body = {"runs": [run.json()["number"]]}
        created = self.post(self.owner, "/models/churn-model/versions", body)
        assert created.status_code == 201, created.text
        number: int = created.json()["version"]
        if releasable:
            self.artifact(number, SAFE_ARTIFACT)
            self.gates(number, PASSED_GATES)
        return number

    def artifact(self, number: int, data: bytes, filename: str = "model.safetensors") -> Any:
        uploaded = self.client.put(
            self.url(f"/models/churn-model/versions/{number}/artifact"),
            params={"filename": filename},
            content=data,
            headers={**self.owner.headers, "content-type": "application/octet-stream"},
        )
        assert uploaded.status_code == 200, uploaded.text
        return uploaded.json()

    def gates(self, number: int, run: dict[str, Any]) -> dict[str, Any]:
        """Record a gate run on the version (as `continuum check` uploads one)."""
        recorded = self.post(self.owner, f"/models/churn-model/versions/{number}/gate-runs", run)
        assert recorded.status_code == 201, recorded.text
        found: dict[str, Any] = recorded.json()
        return found

    def request(self, number: int, environment: str = "production", **extra: Any) -> Any:
        body = {"model_name": "churn-model", "version": number, "environment": environment}
        return self.post(self.owner, "/releases", {**body, **extra})

    def release(self, number: int, environment: str = "production") -> dict[str, Any]:
        """Requested by the owner, approved by the engineer and the customer."""
        requested = self.request(number, environment)
        assert requested.status_code == 201, requested.text
        release_id = requested.json()["id"]
        assert self.post(self.engineer, f"/releases/{release_id}/approve").status_code == 200
        approved = self.post(self.customer, f"/releases/{release_id}/approve")
        assert approved.status_code == 200, approved.text
        released: dict[str, Any] = approved.json()
        return released

    def status(self, number: int) -> str:
        found = self.get(self.owner, f"/models/churn-model/versions/{number}")
        value: str = found.json()["status"]
        return value
