"""The release policy blocks: a version whose latest gate run failed a required gate, whose
artifact is missing or unsafe, or whose data sources break the register's rules cannot be
requested (409 naming each unmet condition, nothing written), nor approved once it breaks the
policy; an owner's override with a reason lets it go on, as a counted policy exception. Every
test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import pickle
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from mlcontinuum.kernel.auth.models import Project
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.releases import queries
from mlcontinuum.webhooks import subscriptions
from tests.conftest import Accounts
from tests.teams import PASSED_GATES, SAFE_ARTIFACT, Team

FAILED_FAIRNESS = {
    "results": [
        PASSED_GATES["results"][0],
        {
            "gate": "fairness",
            "type_key": "continuum:gate:fairness",
            "status": "failed",
            "message": "equalized odds difference 0.31 above 0.1",
        },
    ]
}
REASON = "The customer's pilot starts Monday; the fairness fix ships in version 4."


class _Unsafe:
    """A pickle that would run a command if anything loaded it (the scan never does)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("true",))


def _problems(response: Any) -> list[tuple[str, str]]:
    return [(p["field"], p["message"]) for p in response.json()["error"]["fields"]]


def _gated(team: Team, run: dict[str, Any]) -> tuple[int, int]:
    """A version with a safe artifact and the gate run `run`; its number and the run's id."""
    number = team.version(releasable=False)
    team.artifact(number, SAFE_ARTIFACT)
    return number, team.gates(number, run)["id"]


def _events(team: Team, type: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = team.get(team.owner, "/events", type=type).json()["items"]
    return found


def test_each_environment_has_the_default_policy_until_an_owner_changes_it(team: Team) -> None:
    listed = team.get(team.viewer, "/release-policies")
    assert listed.status_code == 200
    assert [p["environment"] for p in listed.json()] == ["staging", "production"]
    for policy in listed.json():
        assert policy["required_gates"] is None
        assert (policy["ml_team_approvals"], policy["customer_approvals"]) == (1, 1)
        assert policy["block_unsafe_artifact"] is True
        assert policy["block_noncompliant_data"] is True
        assert policy["default"] is True
    changed = team.client.patch(
        team.url("/release-policies/staging"),
        json={"customer_approvals": 0, "required_gates": ["metric_threshold"]},
        headers=team.owner.headers,
    )
    assert changed.status_code == 200, changed.text
    staging = team.get(team.viewer, "/release-policies/staging").json()
    assert staging["customer_approvals"] == 0
    assert staging["ml_team_approvals"] == 1  # not sent: kept
    assert staging["required_gates"] == ["metric_threshold"]
    assert staging["default"] is False
    assert staging["updated_by"] == "olivia"
    assert team.get(team.viewer, "/release-policies/production").json()["default"] is True
    (updated,) = _events(team, "release.policy_updated")
    assert updated["payload"]["environment"] == "staging"
    assert updated["payload"]["changes"] == {
        "required_gates": ["metric_threshold"],
        "customer_approvals": 0,
    }


def test_a_version_without_gate_run_or_artifact_cannot_be_requested(team: Team) -> None:
    number = team.version(releasable=False)
    refused = team.request(number)
    assert refused.status_code == 409
    assert _problems(refused) == [
        ("gates", "gates: no gate run for this version"),
        ("artifact", "artifact scan: no artifact uploaded"),
    ]
    message = refused.json()["error"]["message"]
    assert "breaks the production release policy" in message
    assert "no gate run" in message
    assert "no artifact uploaded" in message
    # Nothing written: no request, no event.
    assert team.get(team.owner, "/releases").json()["total"] == 0
    assert _events(team, "release.requested") == []
    staging = team.request(number, "staging")
    assert staging.status_code == 409  # the default policy holds for staging too


def test_a_required_gate_that_failed_on_the_latest_run_blocks(team: Team) -> None:
    number, run_id = _gated(team, FAILED_FAIRNESS)
    check = team.get(
        team.viewer,
        "/release-policies/production/check",
        model_name="churn-model",
        version=number,
    ).json()
    assert check["ready"] is False
    assert check["unmet"] == [
        f"gate:fairness failed on gate run {run_id}",
        "approvals: ML team 0 of 1",
        "approvals: customer 0 of 1",
    ]
    met = [c["message"] for c in check["conditions"] if c["met"]]
    assert met == [
        f"gate:metric_threshold passed on gate run {run_id}",
        "artifact scan: safe",
        "data sources: none in the version's lineage or the register",
    ]
    refused = team.request(number)
    assert refused.status_code == 409
    assert _problems(refused) == [("gates", f"gate:fairness failed on gate run {run_id}")]

    # The latest run decides: fairness advisory there, the release may be requested.
    advisory = {"results": [FAILED_FAIRNESS["results"][0], {**FAILED_FAIRNESS["results"][1]}]}
    advisory["results"][1]["required"] = False
    team.gates(number, advisory)
    assert team.request(number).status_code == 201


def test_named_gates_must_have_run_and_passed_whatever_the_gates_file_says(team: Team) -> None:
    patched = team.client.patch(
        team.url("/release-policies/production"),
        json={"required_gates": ["fairness", "security"]},
        headers=team.owner.headers,
    )
    assert patched.status_code == 200, patched.text
    advisory_failure = {**FAILED_FAIRNESS["results"][1], "required": False}
    number, run_id = _gated(team, {"results": [advisory_failure]})
    refused = team.request(number)
    assert _problems(refused) == [
        ("gates", f"gate:fairness failed on gate run {run_id}"),
        ("gates", f"gate:security did not run on gate run {run_id}"),
    ]
    # No gate condition at all: the same version may be requested.
    team.client.patch(
        team.url("/release-policies/production"),
        json={"required_gates": []},
        headers=team.owner.headers,
    )
    assert team.request(number).status_code == 201


def test_an_unsafe_artifact_blocks_unless_the_policy_ignores_artifacts(team: Team) -> None:
    number = team.version(releasable=False)
    team.gates(number, PASSED_GATES)
    assert (
        team.artifact(number, pickle.dumps(_Unsafe()), "model.pkl")["artifact"]["scan_verdict"]
        == "unsafe"
    )
    refused = team.request(number, "staging")
    assert _problems(refused) == [("artifact", "artifact scan: unsafe")]
    team.client.patch(
        team.url("/release-policies/staging"),
        json={"block_unsafe_artifact": False},
        headers=team.owner.headers,
    )
    assert team.request(number, "staging").status_code == 201
    assert team.request(number, "production").status_code == 409


def _source(team: Team, name: str, *, lawful: bool) -> None:
    source: dict[str, Any] = {
        "name": name,
        "kind": "database",
        "personal_data": True,
        "personal_data_categories": ["contact details"],
    }
    if lawful:
        source |= {
            "lawful_basis": "contract",
            "retention_days": 365,
            "retention_starts_on": "2026-01-01",
            "access_approved_by": "DPO",
            "access_approved_on": "2026-01-02",
        }
    created = team.post(team.owner, "/data-sources", source)
    assert created.status_code == 201, created.text


def test_a_non_compliant_data_source_of_the_lineage_or_else_the_register_blocks(
    team: Team,
) -> None:
    _source(team, "crm", lawful=False)
    _source(team, "billing", lawful=True)
    # Built from billing only: crm, not in its lineage, does not matter.
    run = team.post(team.owner, "/runs", {"name": "train", "data_sources": ["billing"]}).json()
    created = team.post(team.owner, "/models/churn-model/versions", {"runs": [run["number"]]})
    number = created.json()["version"]
    team.artifact(number, SAFE_ARTIFACT)
    team.gates(number, PASSED_GATES)
    check = team.get(
        team.viewer, "/release-policies/production/check", model_name="churn-model", version=number
    ).json()
    assert [c["message"] for c in check["conditions"] if c["condition"] == "data_sources"] == [
        "data source 'billing': compliant"
    ]
    assert team.request(number).status_code == 201

    # No lineage: every source of the register must be compliant.
    unlinked = team.version()
    refused = team.request(unlinked)
    assert refused.status_code == 409
    assert _problems(refused) == [
        (
            "data_sources",
            "data source 'crm': holds personal data but records no lawful basis (GDPR Art. 6)",
        )
    ]
    team.client.patch(
        team.url("/release-policies/production"),
        json={"block_noncompliant_data": False},
        headers=team.owner.headers,
    )
    assert team.request(unlinked).status_code == 201


def test_approving_a_request_that_broke_its_policy_since_is_refused(team: Team) -> None:
    number = team.version()
    release_id = team.request(number).json()["id"]
    failed = team.gates(number, FAILED_FAIRNESS)
    refused = team.post(team.engineer, f"/releases/{release_id}/approve", {"comment": "ok"})
    assert refused.status_code == 409
    assert _problems(refused) == [
        ("gates", f"gate:fairness failed on gate run {failed['id']}"),
        ("approvals", "approvals: ML team 0 of 1"),
        ("approvals", "approvals: customer 0 of 1"),
    ]
    assert f"approving release request {release_id} breaks" in refused.json()["error"]["message"]
    read = team.get(team.viewer, f"/releases/{release_id}").json()
    assert read["approvals"] == []  # nothing half-written
    assert read["check"]["ready"] is False
    assert _events(team, "release.approval") == []
    # A passing run later: approvals count again, and the release deploys.
    team.gates(number, PASSED_GATES)
    assert team.post(team.engineer, f"/releases/{release_id}/approve").status_code == 200
    done = team.post(team.customer, f"/releases/{release_id}/approve")
    assert done.json()["status"] == "approved"
    assert team.status(number) == "in_production"


def test_the_approvals_a_policy_asks_for_deploy_the_release(team: Team, accounts: Accounts) -> None:
    team.client.patch(
        team.url("/release-policies/production"),
        json={"ml_team_approvals": 2, "customer_approvals": 0},
        headers=team.owner.headers,
    )
    number = team.version()
    requested = team.post(
        team.engineer,
        "/releases",
        {"model_name": "churn-model", "version": number, "environment": "production"},
    ).json()
    assert requested["policy"] == {"required": {"ml_team": 2}, "missing": {"ml_team": 2}}
    first = team.post(team.owner, f"/releases/{requested['id']}/approve").json()
    assert first["status"] == "pending"
    assert first["policy"]["missing"] == {"ml_team": 1}
    # The customer's approval does not stand in for the ML team's second one.
    assert (
        team.post(team.customer, f"/releases/{requested['id']}/approve").json()["status"]
        == "pending"
    )
    other = accounts.create("otis")
    team.client.put(
        team.url("/members"),
        json={"username": "otis", "role": "ml_engineer"},
        headers=team.owner.headers,
    )
    done = team.post(other, f"/releases/{requested['id']}/approve").json()
    assert done["status"] == "approved"


def _project_id(app: FastAPI, slug: str) -> int:
    with transaction(app.state.session_factory) as db:
        found = db.scalar(select(Project.id).where(Project.slug == slug))
    assert found is not None
    return found


def test_an_owner_override_lets_a_blocked_release_go_on_as_a_policy_exception(
    team: Team, app: FastAPI
) -> None:
    number, run_id = _gated(team, FAILED_FAIRNESS)
    requested = team.request(number, override_reason=f"  {REASON} ")
    assert requested.status_code == 201, requested.text
    release = requested.json()
    waived = [f"gate:fairness failed on gate run {run_id}"]
    assert release["override"]["by"] == "olivia"
    assert release["override"]["reason"] == REASON
    assert release["override"]["unmet"] == waived
    check = team.get(team.viewer, f"/releases/{release['id']}").json()["check"]
    assert check["ready"] is True
    assert f"gate:fairness failed on gate run {run_id}" in check["unmet"]  # still shown
    # Approvals are still needed, from both sides, and the requester still may not approve.
    assert team.post(team.owner, f"/releases/{release['id']}/approve").status_code == 403
    assert team.post(team.engineer, f"/releases/{release['id']}/approve").status_code == 200
    done = team.post(team.customer, f"/releases/{release['id']}/approve").json()
    assert done["status"] == "approved"

    (event,) = _events(team, "release.policy_overridden")
    assert event["actor"] == "olivia"
    assert event["payload"] == {
        "release": release["id"],
        "model": "churn-model",
        "version": number,
        "environment": "production",
        "reason": REASON,
        "unmet": waived,
    }
    project_id = _project_id(app, team.project)
    with transaction(app.state.session_factory) as db:
        (exception,) = queries.policy_exceptions(db, project_id)
        later = queries.policy_exceptions(db, project_id, since=utcnow() + timedelta(minutes=1))
    assert exception.release_id == release["id"]
    assert (exception.model_name, exception.version) == ("churn-model", number)
    assert exception.overridden_by == "olivia"
    assert exception.reason == REASON
    assert exception.unmet == waived
    assert exception.deployment_id == done["deployment_id"]
    assert later == []


def test_an_owner_overrides_a_pending_request_once_and_only_when_it_breaks_the_policy(
    team: Team,
) -> None:
    number = team.version()
    release_id = team.request(number).json()["id"]
    nothing = team.post(team.owner, f"/releases/{release_id}/override", {"reason": REASON})
    assert nothing.status_code == 409
    assert _problems(nothing)[0][0] == "reason"
    assert "nothing to override" in nothing.json()["error"]["message"]
    team.gates(number, FAILED_FAIRNESS)
    overridden = team.post(team.owner, f"/releases/{release_id}/override", {"reason": REASON})
    assert overridden.status_code == 200, overridden.text
    assert overridden.json()["override"]["reason"] == REASON
    again = team.post(team.owner, f"/releases/{release_id}/override", {"reason": "again"})
    assert again.status_code == 409
    assert "already overridden by olivia" in again.json()["error"]["message"]
    assert team.post(team.engineer, f"/releases/{release_id}/approve").status_code == 200
    assert len(_events(team, "release.policy_overridden")) == 1
    # A request that meets the policy cannot be requested with an override either.
    fine = team.request(team.version(), override_reason=REASON)
    assert fine.status_code == 409
    assert _problems(fine)[0][0] == "override_reason"


def test_webhooks_may_subscribe_to_policy_exceptions() -> None:
    assert subscriptions.known("release.policy_overridden") == "release.policy_overridden"
