"""Bad input to the release policy: overriding without a reason or without the right (an ML
engineer, a stakeholder, a viewer, an owner's token narrowed below owner), a policy naming an
unknown gate, a negative or impossible approval count. Each answers a 4xx naming the field, and
nothing is half-written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Account
from tests.teams import Team

FAILED = {
    "results": [
        {
            "gate": "data_validation",
            "type_key": "continuum:gate:data_validation",
            "status": "failed",
            "message": "3 rows with a negative tenure",
        }
    ]
}


def _field(response: Any) -> str:
    field: str = response.json()["error"]["fields"][0]["field"]
    return field


def _blocked_request(team: Team) -> int:
    """A pending request whose version has failed a required gate since it was requested."""
    number = team.version()
    release_id: int = team.request(number).json()["id"]
    team.gates(number, FAILED)
    return release_id


def _narrowed(team: Team, ceiling: str) -> Account:
    """The owner, acting through a token whose role ceiling is `ceiling`."""
    created = team.client.post(
        "/api/v1/tokens",
        json={"name": f"ci-{ceiling}", "role_ceiling": ceiling},
        headers=team.owner.headers,
    )
    assert created.status_code == 201, created.text
    return Account(team.owner.username, team.owner.password, created.json()["token"])


def _overrides(team: Team) -> list[Any]:
    items: list[Any] = team.get(team.owner, "/events", type="release.policy_overridden").json()[
        "items"
    ]
    return items


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}], ids=str)
def test_an_override_needs_a_written_reason(team: Team, body: dict[str, str]) -> None:
    release_id = _blocked_request(team)
    refused = team.post(team.owner, f"/releases/{release_id}/override", body)
    assert refused.status_code == 422
    assert _field(refused) == "reason"
    assert team.get(team.viewer, f"/releases/{release_id}").json()["override"] is None
    assert _overrides(team) == []


def test_only_an_owner_overrides_and_never_through_a_narrowed_token(team: Team) -> None:
    release_id = _blocked_request(team)
    narrowed = _narrowed(team, "ml_engineer")
    for who in (team.engineer, team.customer, team.viewer, narrowed):
        refused = team.post(who, f"/releases/{release_id}/override", {"reason": "ship it"})
        assert refused.status_code == 403, who.username
    assert (
        "ceiling"
        in team.post(narrowed, f"/releases/{release_id}/override", {"reason": "ship it"}).json()[
            "error"
        ]["message"]
    )
    assert _overrides(team) == []
    assert team.get(team.viewer, f"/releases/{release_id}").json()["override"] is None


def test_requesting_with_an_override_needs_an_owner_and_a_reason(team: Team) -> None:
    number = team.version(releasable=False)
    body = {"model_name": "churn-model", "version": number, "environment": "production"}
    by_engineer = team.post(team.engineer, "/releases", {**body, "override_reason": "ship it"})
    assert by_engineer.status_code == 403
    assert "only an owner may override" in by_engineer.json()["error"]["message"]
    narrowed = _narrowed(team, "ml_engineer")
    by_token = team.post(narrowed, "/releases", {**body, "override_reason": "ship it"})
    assert by_token.status_code == 403
    assert "token limited to ml_engineer" in by_token.json()["error"]["message"]
    blank = team.post(team.owner, "/releases", {**body, "override_reason": "  "})
    assert blank.status_code == 422
    assert _field(blank) == "override_reason"
    assert team.get(team.owner, "/releases").json()["total"] == 0
    assert _overrides(team) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"required_gates": ["fairness", "speed"]}, "required_gates"),
        ({"required_gates": ["Fairness!"]}, "required_gates.0"),
        ({"ml_team_approvals": -1}, "ml_team_approvals"),
        ({"customer_approvals": -2}, "customer_approvals"),
        ({"customer_approvals": 11}, "customer_approvals"),
        ({"ml_team_approvals": 0, "customer_approvals": 0}, "ml_team_approvals"),
        ({"ml_team_approvals": None}, "ml_team_approvals"),
        ({"block_unsafe_artifact": "sometimes"}, "block_unsafe_artifact"),
        ({"approvals": 2}, "approvals"),
    ],
    ids=[
        "unknown-gate",
        "malformed-gate",
        "negative-ml-team",
        "negative-customer",
        "too-many",
        "no-approval-at-all",
        "null-count",
        "not-a-boolean",
        "unknown-field",
    ],
)
def test_a_bad_policy_is_refused_naming_the_field(
    team: Team, body: dict[str, Any], field: str
) -> None:
    refused = team.client.patch(
        team.url("/release-policies/production"), json=body, headers=team.owner.headers
    )
    assert refused.status_code == 422, refused.text
    assert _field(refused) == field
    if field == "required_gates":
        assert "no gate named 'speed'" in refused.json()["error"]["message"]
        assert "fairness" in refused.json()["error"]["message"]  # the known gates are listed
    policy = team.get(team.viewer, "/release-policies/production").json()
    assert policy["default"] is True  # nothing half-written
    events = team.get(team.owner, "/events", type="release.policy_updated").json()
    assert events["total"] == 0


def test_only_owners_change_the_policy_and_environments_are_known(team: Team) -> None:
    body = {"ml_team_approvals": 2}
    for who in (team.engineer, team.customer, team.viewer, _narrowed(team, "ml_engineer")):
        refused = team.client.patch(
            team.url("/release-policies/production"), json=body, headers=who.headers
        )
        assert refused.status_code == 403
    unknown = team.client.patch(
        team.url("/release-policies/qa"), json=body, headers=team.owner.headers
    )
    assert unknown.status_code == 422
    assert team.get(team.viewer, "/release-policies/qa").status_code == 422
    check = team.get(team.viewer, "/release-policies/production/check", model_name="churn-model")
    assert check.status_code == 422  # the version is missing
    missing = team.get(
        team.viewer, "/release-policies/production/check", model_name="churn-model", version=9
    )
    assert missing.status_code == 404
