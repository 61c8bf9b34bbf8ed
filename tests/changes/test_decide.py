"""Deciding change requests: a proposal counts as the proposer's approval for their side, the
approval that meets the policy decides it and creates its follow-up (a retrain trigger, a release
request for a chosen or the previous version, a plan note), closed requests refuse more, bad
decisions are refused. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.changes.conftest import Monitoring, events_of
from tests.teams import Team

ALL = ["retrain", "redeploy", "roll_back", "accept"]


def open_change(team: Team, deployment: int | None, options: list[str] = ALL, **extra: Any) -> int:
    body = {"title": "Retention fell", "options": options, "deployment_id": deployment, **extra}
    opened = team.post(team.owner, "/changes", body)
    assert opened.status_code == 201, opened.text
    change_id: int = opened.json()["id"]
    return change_id


def decide(team: Team, change_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Proposed by the ML engineer, approved by the customer: decided."""
    proposed = team.post(team.engineer, f"/changes/{change_id}/decision", body)
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["status"] == "proposed"
    approved = team.post(team.customer, f"/changes/{change_id}/approve", {"comment": "agreed"})
    assert approved.status_code == 200, approved.text
    decided: dict[str, Any] = approved.json()
    assert decided["status"] == "decided"
    return decided


def test_retrain_sends_a_retrain_trigger_with_the_evidence(
    team: Team, monitoring: Monitoring
) -> None:
    number = team.version()
    deployment = team.release(number)["deployment_id"]
    window = monitoring.window(team.project, deployment)
    evidence = [
        {"kind": "window", "window_id": window},
        {"kind": "metric", "name": "retention", "value": 0.81, "threshold": 0.85},
    ]
    change_id = open_change(team, deployment, evidence=evidence)

    proposed = team.post(
        team.engineer,
        f"/changes/{change_id}/decision",
        {"option": "retrain", "rationale": "  drift in contract mix  "},
    ).json()
    assert proposed["decision"] == "retrain"
    assert proposed["rationale"] == "drift in contract mix"
    assert proposed["proposed_by"] == "emma"
    assert proposed["proposed_at"] is not None
    assert proposed["approvers"] == ["emma"]
    assert proposed["policy"]["missing"] == {"ml_team": 0, "customer": 1}
    assert proposed["follow_up"] is None
    assert events_of(team, "retrain.requested") == []

    decided = team.post(team.customer, f"/changes/{change_id}/approve").json()
    assert decided["status"] == "decided"
    assert decided["decided_at"] is not None
    assert decided["approvers"] == ["emma", "sam"]
    assert [a["side"] for a in decided["approvals"]] == ["ml_team", "customer"]
    assert decided["policy"]["missing"] == {"ml_team": 0, "customer": 0}

    [trigger] = events_of(team, "retrain.requested")
    assert trigger["actor"] == "sam"
    assert trigger["payload"] == {
        "change_id": change_id,
        "deployment_id": deployment,
        "model": "churn-model",
        "version": number,
        "reason": "drift in contract mix",
        "evidence": decided["evidence"],
    }
    assert decided["follow_up"] == {
        "kind": "retrain",
        "id": trigger["id"],
        "event_seq": trigger["seq"],
    }
    [event] = events_of(team, "change.decided")
    assert event["payload"] == {
        "change_id": change_id,
        "option": "retrain",
        "rationale": "drift in contract mix",
        "approvers": ["emma", "sam"],
        "follow_up": decided["follow_up"],
    }
    assert [e["payload"] for e in events_of(team, "change.proposed")] == [
        {"change_id": change_id, "option": "retrain", "rationale": "drift in contract mix"}
    ]
    assert [e["payload"] for e in events_of(team, "change.approved")] == [
        {"change_id": change_id, "username": "emma", "side": "ml_team"},
        {"change_id": change_id, "username": "sam", "side": "customer"},
    ]
    assert team.get(team.viewer, f"/changes/{change_id}").json() == decided


def test_redeploy_requests_the_chosen_version_to_the_deployments_environment(
    team: Team,
) -> None:
    v1, v2 = team.version(), team.version()
    deployment = team.release(v1, "staging")["deployment_id"]
    change_id = open_change(team, deployment, ["redeploy", "accept"])
    decided = decide(
        team, change_id, {"option": "redeploy", "rationale": "v2 fixes it", "version": v2}
    )
    assert decided["version"] == v2
    follow_up = decided["follow_up"]
    assert follow_up["kind"] == "release"

    release = team.get(team.viewer, f"/releases/{follow_up['id']}").json()
    assert release["model_name"] == "churn-model"
    assert release["version"] == v2
    assert release["environment"] == "staging"
    assert release["strategy"] == "full"
    assert release["status"] == "pending"
    assert release["requested_by"] == "emma"  # the proposer, on whose behalf it is requested
    assert f"Change request {change_id} (redeploy)" in release["notes"]
    assert "v2 fixes it" in release["notes"]
    [requested] = events_of(team, "release.requested")[-1:]
    assert requested["seq"] == follow_up["event_seq"]
    assert requested["payload"]["release"] == follow_up["id"]
    # The release needs its own approvals: the proposer cannot approve it.
    assert team.post(team.engineer, f"/releases/{follow_up['id']}/approve").status_code == 403


def test_roll_back_requests_the_version_the_deployment_replaced(team: Team) -> None:
    v1, v2 = team.version(), team.version()
    team.release(v1)
    replacing = team.release(v2)["deployment_id"]
    assert team.status(v1) == "archived"
    change_id = open_change(team, replacing, ["roll_back", "retrain"])

    proposed = team.post(
        team.owner, f"/changes/{change_id}/decision", {"option": "roll_back", "rationale": "v2 bad"}
    ).json()
    assert proposed["version"] == v1
    decided = team.post(team.customer, f"/changes/{change_id}/approve").json()
    assert decided["status"] == "decided"
    follow_up = decided["follow_up"]
    assert follow_up["kind"] == "release"
    # Both sides decided to put v1 back: it is restored from archived to candidate.
    assert team.status(v1) == "candidate"
    release = team.get(team.viewer, f"/releases/{follow_up['id']}").json()
    assert (release["version"], release["environment"]) == (v1, "production")
    assert release["requested_by"] == "olivia"
    assert "(roll back)" in release["notes"]

    # The release goes through its own approvals and puts v1 back into production.
    assert team.post(team.engineer, f"/releases/{follow_up['id']}/approve").status_code == 200
    assert team.post(team.customer, f"/releases/{follow_up['id']}/approve").status_code == 200
    assert team.status(v1) == "in_production"
    assert team.status(v2) == "archived"


def test_roll_back_needs_a_replaced_version(team: Team) -> None:
    deployment = team.release(team.version())["deployment_id"]
    change_id = open_change(team, deployment)
    response = team.post(
        team.owner, f"/changes/{change_id}/decision", {"option": "roll_back", "rationale": "x"}
    )
    assert response.status_code == 409, response.text
    assert "nothing to roll back to" in response.json()["error"]["message"]
    assert team.get(team.viewer, f"/changes/{change_id}").json()["status"] == "open"


def test_accept_writes_a_plan_note(team: Team) -> None:
    change_id = open_change(team, None, ["accept", "retrain"])
    decided = decide(team, change_id, {"option": "accept", "rationale": "seasonal, will revert"})
    notes = team.get(team.viewer, "/plan-notes").json()
    assert notes["total"] == 1
    [note] = notes["items"]
    assert note["change_id"] == change_id
    assert note["text"] == "Retention fell: seasonal, will revert"
    assert note["created_by"] == "emma"
    assert decided["follow_up"]["kind"] == "plan_note"
    assert decided["follow_up"]["id"] == note["id"]
    [added] = events_of(team, "plan.note_added")
    assert added["seq"] == decided["follow_up"]["event_seq"]
    assert added["payload"] == {
        "note_id": note["id"],
        "change_id": change_id,
        "text": "Retention fell: seasonal, will revert",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"option": "accept"},
        {"option": "accept", "rationale": ""},
        {"option": "accept", "rationale": "   "},
        {"option": "redeploy", "rationale": "x"},
        {"option": "accept", "rationale": "x", "version": 1},
        {"option": "rebuild", "rationale": "x"},
        {"option": "accept", "rationale": "x", "approvers": ["emma"]},
    ],
    ids=[
        "no-rationale",
        "empty-rationale",
        "blank-rationale",
        "redeploy-without-version",
        "version-without-redeploy",
        "unknown-option",
        "unknown-field",
    ],
)
def test_malformed_decisions_are_422(team: Team, body: dict[str, Any]) -> None:
    change_id = open_change(team, team.release(team.version())["deployment_id"])
    response = team.post(team.owner, f"/changes/{change_id}/decision", body)
    assert response.status_code == 422, response.text
    assert team.get(team.viewer, f"/changes/{change_id}").json()["status"] == "open"


def test_the_option_must_be_one_the_request_considered(team: Team) -> None:
    change_id = open_change(team, None, ["accept"])
    response = team.post(
        team.owner, f"/changes/{change_id}/decision", {"option": "retrain", "rationale": "x"}
    )
    assert response.status_code == 422
    assert "'retrain' is not among the options" in response.json()["error"]["message"]
    assert response.json()["error"]["fields"][0]["field"] == "option"


def test_deployment_options_need_a_deployment_and_a_known_version(team: Team) -> None:
    without = open_change(team, None)
    response = team.post(
        team.owner, f"/changes/{without}/decision", {"option": "retrain", "rationale": "x"}
    )
    assert response.status_code == 422
    assert "acts on a deployment" in response.json()["error"]["message"]

    with_deployment = open_change(team, team.release(team.version())["deployment_id"])
    unknown = team.post(
        team.owner,
        f"/changes/{with_deployment}/decision",
        {"option": "redeploy", "rationale": "x", "version": 42},
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["fields"][0]["field"] == "version"


def test_one_approval_per_person(team: Team) -> None:
    change_id = open_change(team, None)
    team.post(team.owner, f"/changes/{change_id}/decision", {"option": "accept", "rationale": "x"})
    own = team.post(team.owner, f"/changes/{change_id}/approve")
    assert own.status_code == 409
    assert "you proposed this decision" in own.json()["error"]["message"]

    # A second ML-team approval does not stand in for the customer's.
    second = team.post(team.engineer, f"/changes/{change_id}/approve")
    assert second.status_code == 200, second.text
    assert second.json()["status"] == "proposed"
    assert second.json()["policy"]["missing"] == {"ml_team": 0, "customer": 1}
    again = team.post(team.engineer, f"/changes/{change_id}/approve")
    assert again.status_code == 409
    assert "already approved" in again.json()["error"]["message"]
    assert team.get(team.viewer, f"/changes/{change_id}").json()["approvers"] == [
        "olivia",
        "emma",
    ]


def test_nothing_to_approve_before_a_proposal(team: Team) -> None:
    change_id = open_change(team, None)
    response = team.post(team.customer, f"/changes/{change_id}/approve")
    assert response.status_code == 409
    assert "no proposed decision" in response.json()["error"]["message"]


def test_a_new_proposal_replaces_the_old_and_its_approvals(team: Team) -> None:
    deployment = team.release(team.version())["deployment_id"]
    change_id = open_change(team, deployment)
    team.post(
        team.engineer, f"/changes/{change_id}/decision", {"option": "retrain", "rationale": "a"}
    )
    team.post(team.owner, f"/changes/{change_id}/approve")
    counter = team.post(
        team.customer, f"/changes/{change_id}/decision", {"option": "accept", "rationale": "b"}
    )
    assert counter.status_code == 200, counter.text
    assert counter.json()["decision"] == "accept"
    assert counter.json()["proposed_by"] == "sam"
    assert counter.json()["approvers"] == ["sam"]
    assert counter.json()["policy"]["missing"] == {"ml_team": 1, "customer": 0}
    decided = team.post(team.engineer, f"/changes/{change_id}/approve").json()
    assert decided["status"] == "decided"
    assert decided["follow_up"]["kind"] == "plan_note"
    assert events_of(team, "retrain.requested") == []


def test_a_decided_request_takes_no_more_decisions_or_approvals(team: Team) -> None:
    change_id = open_change(team, None)
    decide(team, change_id, {"option": "accept", "rationale": "fine"})
    late = team.post(team.owner, f"/changes/{change_id}/approve")
    assert late.status_code == 409
    assert "already decided" in late.json()["error"]["message"]
    assert late.json()["error"]["fields"][0]["rule"] == "decided"
    again = team.post(
        team.owner, f"/changes/{change_id}/decision", {"option": "accept", "rationale": "more"}
    )
    assert again.status_code == 409
    assert team.post(team.owner, f"/changes/{change_id}/withdraw").status_code == 409
    assert team.get(team.viewer, "/plan-notes").json()["total"] == 1
    assert len(events_of(team, "change.decided")) == 1


def test_viewers_do_not_decide(team: Team) -> None:
    change_id = open_change(team, None)
    decision = {"option": "accept", "rationale": "x"}
    assert team.post(team.viewer, f"/changes/{change_id}/decision", decision).status_code == 403
    team.post(team.owner, f"/changes/{change_id}/decision", decision)
    assert team.post(team.viewer, f"/changes/{change_id}/approve").status_code == 403
    assert team.post(team.viewer, f"/changes/{change_id}/withdraw").status_code == 403
    assert team.get(team.viewer, f"/changes/{change_id}").json()["status"] == "proposed"


def test_withdraw_by_the_opener_or_an_owner(team: Team) -> None:
    by_customer = team.post(
        team.customer, "/changes", {"title": "t", "options": ["accept"]}
    ).json()["id"]
    refused = team.post(team.engineer, f"/changes/{by_customer}/withdraw")
    assert refused.status_code == 403
    assert "only the person who opened" in refused.json()["error"]["message"]
    withdrawn = team.post(team.customer, f"/changes/{by_customer}/withdraw", {"reason": "dup"})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    [event] = events_of(team, "change.withdrawn")
    assert event["payload"] == {"change_id": by_customer, "reason": "dup"}
    assert event["actor"] == "sam"

    decision = {"option": "accept", "rationale": "x"}
    closed = team.post(team.owner, f"/changes/{by_customer}/decision", decision)
    assert closed.status_code == 409
    assert "already withdrawn" in closed.json()["error"]["message"]
    assert team.post(team.customer, f"/changes/{by_customer}/withdraw").status_code == 409

    by_engineer = team.post(team.engineer, "/changes", {"title": "t", "options": ["accept"]})
    change_id = by_engineer.json()["id"]
    team.post(team.engineer, f"/changes/{change_id}/decision", decision)
    assert team.post(team.owner, f"/changes/{change_id}/withdraw").status_code == 200
    assert team.post(team.customer, f"/changes/{change_id}/approve").status_code == 409
    assert team.get(team.viewer, "/plan-notes").json()["total"] == 0
