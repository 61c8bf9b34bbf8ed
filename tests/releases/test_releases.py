"""Releases: requests with evidence, approvals by policy (no self-approval, one approval per
person), deployments and version statuses, rejection, rollback, and DORA figures computed from
records with known timestamps. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.registry.models import Run
from mlcontinuum.releases.models import Deployment
from tests.conftest import Accounts
from tests.teams import Team


def test_full_flow_deploys_after_both_sides_approve(team: Team) -> None:
    v1, v2 = team.version(), team.version()
    team.release(v1)
    assert team.status(v1) == "in_production"

    requested = team.request(v2, notes="better recall")
    assert requested.status_code == 201, requested.text
    release = requested.json()
    assert release["status"] == "pending"
    assert release["policy"]["missing"] == {"ml_team": 1, "customer": 1}

    read = team.get(team.customer, f"/releases/{release['id']}").json()
    assert read["evidence"]["model_card"].startswith("# Model card: churn-model version 2")
    assert read["evidence"]["gate_run"]["status"] == "passed"  # what the policy asks for
    assert read["evidence"]["data_sources"] == []

    after_engineer = team.post(team.engineer, f"/releases/{release['id']}/approve").json()
    assert after_engineer["status"] == "pending"
    assert after_engineer["policy"]["missing"] == {"ml_team": 0, "customer": 1}
    assert team.status(v2) == "candidate"

    done = team.post(team.customer, f"/releases/{release['id']}/approve", {"comment": "ok"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "approved"
    assert done.json()["deployment_id"] is not None
    assert team.status(v2) == "in_production"
    assert team.status(v1) == "archived"

    deployment = team.get(team.viewer, "/deployments").json()["items"][0]
    assert deployment["version"] == v2
    assert deployment["environment"] == "production"
    assert deployment["strategy"] == "full"
    assert deployment["requested_by"] == "olivia"
    assert deployment["approved_by"] == ["emma", "sam"]

    audit = team.get(team.owner, "/events", per_page=200).json()["items"]
    types = {event["type"] for event in audit}
    assert {"release.requested", "release.approval", "release.approved"} <= types
    assert {"deployment.recorded", "model.status_changed"} <= types


def test_staging_approves_and_canary_keeps_the_live_version(team: Team) -> None:
    v1, v2 = team.version(), team.version()
    team.release(v1, "staging")
    assert team.status(v1) == "approved"
    team.release(v1)
    canary = team.request(v2, strategy="canary", traffic_share=0.1)
    assert canary.status_code == 201, canary.text
    team.post(team.engineer, f"/releases/{canary.json()['id']}/approve")
    team.post(team.customer, f"/releases/{canary.json()['id']}/approve")
    assert team.status(v2) == "in_production"
    assert team.status(v1) == "in_production"  # it still serves the other 90 %


def test_nobody_approves_their_own_request(team: Team) -> None:
    release_id = team.request(team.version()).json()["id"]
    response = team.post(team.owner, f"/releases/{release_id}/approve")
    assert response.status_code == 403
    assert "own release request" in response.json()["error"]["message"]


def test_the_same_person_approves_once(team: Team) -> None:
    release_id = team.request(team.version()).json()["id"]
    assert team.post(team.engineer, f"/releases/{release_id}/approve").status_code == 200
    again = team.post(team.engineer, f"/releases/{release_id}/approve")
    assert again.status_code == 409
    assert "already approved" in again.json()["error"]["message"]


def test_a_second_open_request_for_the_same_target_conflicts(team: Team) -> None:
    number = team.version()
    assert team.request(number).status_code == 201
    assert team.request(number).status_code == 409
    assert team.request(number, "staging").status_code == 201


@pytest.mark.parametrize(
    "extra",
    [{"strategy": "canary"}, {"strategy": "full", "traffic_share": 0.5}],
    ids=["canary-without-share", "share-without-canary"],
)
def test_traffic_share_only_and_always_for_canary(team: Team, extra: dict[str, Any]) -> None:
    assert team.request(team.version(), **extra).status_code == 422


def test_share_must_be_between_zero_and_one(team: Team) -> None:
    response = team.request(team.version(), strategy="canary", traffic_share=1.0)
    assert response.status_code == 422


def test_unknown_version_is_404(team: Team) -> None:
    assert team.request(42).status_code == 404


def test_rejection_closes_the_request(team: Team) -> None:
    number = team.version()
    release_id = team.request(number).json()["id"]
    assert team.post(team.customer, f"/releases/{release_id}/reject", {}).status_code == 422
    rejected = team.post(team.customer, f"/releases/{release_id}/reject", {"reason": "not yet"})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "not yet"
    assert team.post(team.engineer, f"/releases/{release_id}/approve").status_code == 409
    assert team.status(number) == "candidate"
    listed = team.get(team.viewer, "/releases", status="rejected").json()
    assert [item["id"] for item in listed["items"]] == [release_id]
    assert team.get(team.viewer, "/releases", status="pending").json()["total"] == 0


def test_stakeholders_and_viewers_cannot_request(team: Team) -> None:
    number = team.version()
    body = {"model_name": "churn-model", "version": number, "environment": "staging"}
    assert team.post(team.customer, "/releases", body).status_code == 403
    assert team.post(team.viewer, "/releases", body).status_code == 403
    release_id = team.request(number).json()["id"]
    assert team.post(team.viewer, f"/releases/{release_id}/approve").status_code == 403


def test_another_projects_ids_answer_404(
    team: Team, client: TestClient, accounts: Accounts
) -> None:
    release = team.release(team.version())
    stranger = accounts.create("otto")
    created = client.post(
        "/api/v1/projects", json={"slug": "other", "name": "Other"}, headers=stranger.headers
    )
    assert created.status_code == 201, created.text
    other = "/api/v1/projects/other"
    assert (
        client.get(f"{other}/releases/{release['id']}", headers=stranger.headers).status_code == 404
    )
    approve = client.post(f"{other}/releases/{release['id']}/approve", headers=stranger.headers)
    assert approve.status_code == 404
    rollback = client.post(
        f"{other}/deployments/{release['deployment_id']}/rollback",
        json={"reason": "x"},
        headers=stranger.headers,
    )
    assert rollback.status_code == 404


def test_rollback_restores_the_previous_version_and_dora_counts_it(
    team: Team, app: FastAPI
) -> None:
    v1, v2, v3 = team.version(), team.version(), team.version()
    first = team.release(v1)["deployment_id"]
    second = team.release(v2)["deployment_id"]
    assert (
        team.post(team.customer, f"/deployments/{second}/rollback", {"reason": "x"}).status_code
        == 403
    )
    rolled = team.post(team.engineer, f"/deployments/{second}/rollback", {"reason": "errors up"})
    assert rolled.status_code == 201, rolled.text
    restore = rolled.json()
    assert restore["version"] == v1
    assert restore["rollback"]
    assert restore["rollback_of"] == second
    assert team.status(v1) == "in_production"
    assert team.status(v2) == "archived"
    again = team.post(team.engineer, f"/deployments/{second}/rollback", {"reason": "again"})
    assert again.status_code == 409
    third = team.release(v3)["deployment_id"]

    # Known times: runs start days before their versions deploy, the rollback comes 2 h late.
    now = datetime.now(UTC).replace(microsecond=0)
    started = {1: now - timedelta(days=20), 2: now - timedelta(days=9), 3: now - timedelta(days=6)}
    deployed = {
        first: now - timedelta(days=14),
        second: now - timedelta(days=7),
        restore["id"]: now - timedelta(days=7) + timedelta(hours=2),
        third: now - timedelta(days=1),
    }
    with transaction(app.state.session_factory) as db:
        for number, at in started.items():
            db.execute(update(Run).where(Run.number == number).values(started_at=at))
        for deployment_id, at in deployed.items():
            db.execute(
                update(Deployment).where(Deployment.id == deployment_id).values(deployed_at=at)
            )

    figures = team.get(team.viewer, "/dora", days=28).json()
    assert figures["deployments"] == 3
    assert figures["rollbacks"] == 1
    assert figures["deployment_frequency_per_week"] == pytest.approx(3 / 4)
    assert figures["change_failure_rate"] == pytest.approx(1 / 3)
    assert figures["time_to_restore_median_seconds"] == pytest.approx(2 * 3600)
    lead = [
        deployed[first] - started[1],
        deployed[second] - started[2],
        deployed[third] - started[3],
    ]
    assert figures["lead_time_median_seconds"] == pytest.approx(
        median(t.total_seconds() for t in lead)
    )
    recent = team.get(team.viewer, "/dora", days=3).json()
    assert recent["deployments"] == 1
    assert recent["change_failure_rate"] == 0
    assert recent["time_to_restore_median_seconds"] is None
    staging = team.get(team.viewer, "/dora", days=28, environment="staging").json()
    assert staging["deployments"] == 0
    assert staging["change_failure_rate"] is None
