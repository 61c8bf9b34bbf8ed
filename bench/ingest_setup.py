"""A fresh Continuum database with one production deployment to ingest into, built through the
real API (in-process), as a team would: an owner, an ML engineer and a customer stakeholder, a
run, a version, and a release approved by both sides."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from mlcontinuum.app import create_app
from mlcontinuum.kernel.auth import service as auth_service
from mlcontinuum.kernel.auth.schemas import TokenCreate, UserCreate
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.engine import transaction

PROJECT = "bench"


@dataclass(frozen=True)
class Target:
    """Where the bench sends its batches: the batches path and a token allowed to."""

    batches_path: str
    token: str
    deployment_id: int


def _account(settings_app: Any, username: str, *, admin: bool = False) -> str:
    with transaction(settings_app.state.session_factory) as db:
        user = auth_service.create_user(
            db,
            UserCreate(
                username=username,
                email=f"{username}@bench.example",
                full_name=username.capitalize(),
                password="bench-password-not-secret",
                is_admin=admin,
            ),
            actor="bench",
        )
        created = auth_service.create_token(
            db, auth_service.principal_of(user), TokenCreate(name="bench"), project_id=None
        )
    return created.token


def prepare(settings: Settings) -> Target:
    """Migrate the database in `settings` and create the project and its deployment."""
    app = create_app(settings.model_copy(update={"background_workers": False}))
    try:
        tokens = {name: _account(app, name) for name in ("owner", "engineer", "customer")}
        with TestClient(app) as client:

            def call(who: str, method: str, path: str, body: Any = None) -> Any:
                answer = client.request(
                    method,
                    f"/api/v1{path}",
                    json=body,
                    headers={"Authorization": f"Bearer {tokens[who]}"},
                )
                assert answer.status_code < 300, answer.text
                return answer.json()

            call("owner", "POST", "/projects", {"slug": PROJECT, "name": "Ingest bench"})
            base = f"/projects/{PROJECT}"
            for name, role in (("engineer", "ml_engineer"), ("customer", "stakeholder")):
                call("owner", "PUT", base + "/members", {"username": name, "role": role})
            run = call("engineer", "POST", base + "/runs", {"name": "train"})
            version = call(
                "engineer", "POST", base + "/models/bench-model/versions", {"runs": [run["number"]]}
            )
            release = call(
                "engineer",
                "POST",
                base + "/releases",
                {
                    "model_name": "bench-model",
                    "version": version["version"],
                    "environment": "production",
                },
            )
            for who in ("owner", "customer"):
                call(who, "POST", f"{base}/releases/{release['id']}/approve")
            deployment = call("owner", "GET", base + "/deployments")["items"][0]
    finally:
        app.state.engine.dispose()
    return Target(
        batches_path=f"/api/v1{base}/deployments/{deployment['id']}/batches",
        token=tokens["engineer"],
        deployment_id=deployment["id"],
    )
