"""The SDK's release calls against a live server: request, approvals, self-approval refused,
deployments, rollback and DORA figures, the release policy (read, change, check, override) come
back as the server's typed schemas."""

from __future__ import annotations

import pytest

from mlcontinuum.releases.schemas import ReleasePolicyUpdate
from mlcontinuum.sdk import Client, ConflictError, PermissionDeniedError
from tests.teams import Team


def test_release_flow_through_the_sdk(team: Team, live_server: str) -> None:
    v1, v2 = team.version(), team.version()
    owner = Client(live_server, team.owner.token)
    engineer = Client(live_server, team.engineer.token)
    customer = Client(live_server, team.customer.token)
    with owner, engineer, customer:
        for number in (v1, v2):
            release = owner.request_release(
                team.project,
                {"model_name": "churn-model", "version": number, "environment": "production"},
            )
            with pytest.raises(PermissionDeniedError):
                owner.approve_release(team.project, release.id)
            engineer.approve_release(team.project, release.id, "metrics hold")
            with pytest.raises(ConflictError):
                engineer.approve_release(team.project, release.id)
            done = customer.approve_release(team.project, release.id)
            assert done.status == "approved"
        assert done.deployment_id is not None
        assert owner.get_release(team.project, release.id).evidence is not None
        assert owner.release_page(team.project, status="approved").total == 2
        restored = engineer.rollback(team.project, done.deployment_id, "latency")
        assert restored.rollback
        assert restored.version == v1
        assert owner.deployment_page(team.project, environment="production").total == 3
        figures = customer.dora(team.project, days=30)
        assert figures.deployments == 2
        assert figures.rollbacks == 1
        assert figures.change_failure_rate == pytest.approx(0.5)


def test_the_release_policy_through_the_sdk(team: Team, live_server: str) -> None:
    number = team.version(releasable=False)
    owner = Client(live_server, team.owner.token)
    engineer = Client(live_server, team.engineer.token)
    body = {"model_name": "churn-model", "version": number, "environment": "production"}
    with owner, engineer:
        assert [p.environment for p in engineer.release_policies(team.project)] == [
            "staging",
            "production",
        ]
        check = engineer.check_release(team.project, "churn-model", number, "production")
        assert check.ready is False
        assert check.unmet[:2] == [
            "gates: no gate run for this version",
            "artifact scan: no artifact uploaded",
        ]
        with pytest.raises(ConflictError) as refused:
            engineer.request_release(team.project, body)
        assert [p.field for p in refused.value.fields] == ["gates", "artifact"]

        loosened = ReleasePolicyUpdate(required_gates=[], block_unsafe_artifact=False)
        with pytest.raises(PermissionDeniedError):
            engineer.update_release_policy(team.project, "staging", loosened)
        staging = owner.update_release_policy(team.project, "staging", loosened)
        assert staging.required_gates == []
        assert staging.ml_team_approvals == 1  # not sent: kept
        assert owner.release_policy(team.project, "staging") == staging
        staged = engineer.request_release(team.project, {**body, "environment": "staging"})
        assert staged.status == "pending"

        by_exception = owner.request_release(team.project, {**body, "override_reason": "pilot"})
        assert by_exception.override is not None
        assert by_exception.override.unmet == check.unmet[:2]
        with pytest.raises(ConflictError):
            owner.override_release(team.project, by_exception.id, "again")
        with pytest.raises(PermissionDeniedError):
            engineer.override_release(team.project, staged.id, "mine")
