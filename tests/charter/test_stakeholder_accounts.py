"""Who approves for the customer: listing a person as a stakeholder never grants access. A
stakeholder record may show the account of someone who is already a member, but no path of the
charter (the API's create and update, the pages' add and edit forms, the YAML import) creates or
changes a membership; only the owner's member management does, and the customer's approver is
a member the owner made a stakeholder."""

from __future__ import annotations

from typing import Any

import yaml

from tests.conftest import Account, Accounts
from tests.pagekit import Visit
from tests.teams import Team


def _members(team: Team) -> dict[str, str]:
    found = team.get(team.owner, "/members").json()
    return {m["username"]: m["role"] for m in found}


def _role_events(team: Team) -> int:
    total: int = team.get(team.owner, "/events", type="member.role_set").json()["total"]
    return total


def _refused_as_non_member(response: Any, field: str = "username") -> None:
    assert response.status_code == 422, response.text
    (problem,) = response.json()["error"]["fields"]
    assert problem["field"] == field
    assert problem["rule"] == "not_a_member"
    assert "is not a member of this project" in problem["message"]


def _outsider_sees_nothing(team: Team, outsider: Account, release_id: int) -> None:
    assert team.get(outsider, "").status_code == 404
    assert team.post(outsider, f"/releases/{release_id}/approve").status_code == 404


def test_an_ml_engineer_cannot_make_an_account_a_customer_approver(
    team: Team, accounts: Accounts
) -> None:
    carla = accounts.create("carla")
    release_id = team.request(team.version()).json()["id"]
    members, role_events = _members(team), _role_events(team)
    person = {"name": "Carla Díaz", "organisation": "Telco", "username": "carla"}

    _refused_as_non_member(team.post(team.engineer, "/stakeholders", person))
    unknown = team.post(team.engineer, "/stakeholders", {**person, "username": "nobody"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["fields"][0]["rule"] == "exists"
    assert team.get(team.owner, "/stakeholders").json() == []  # nothing half-written
    listed = team.post(team.engineer, "/stakeholders", {**person, "username": None}).json()
    _refused_as_non_member(
        team.client.patch(
            team.url(f"/stakeholders/{listed['id']}"),
            json={"username": "carla"},
            headers=team.engineer.headers,
        )
    )
    assert team.get(team.owner, "/stakeholders").json()[0]["is_user"] is False
    assert _members(team) == members
    assert _role_events(team) == role_events
    _outsider_sees_nothing(team, carla, release_id)

    # The owner makes her a customer member; then the record may show her account, and she
    # approves for the customer because of her membership.
    assert (
        team.client.put(
            team.url("/members"),
            json={"username": "carla", "role": "stakeholder"},
            headers=team.owner.headers,
        ).status_code
        == 200
    )
    linked = team.client.patch(
        team.url(f"/stakeholders/{listed['id']}"),
        json={"username": "carla"},
        headers=team.engineer.headers,
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["is_user"] is True
    approved = team.post(carla, f"/releases/{release_id}/approve").json()
    assert approved["approvals"][0]["side"] == "customer"


def test_linking_a_members_account_never_changes_their_role(team: Team) -> None:
    release_id = team.request(team.version()).json()["id"]
    role_events = _role_events(team)
    added = team.post(
        team.engineer,
        "/stakeholders",
        {"name": "Vic", "organisation": "Telco", "role": "Sponsor", "username": "vic"},
    )
    assert added.status_code == 201, added.text
    assert added.json()["is_user"] is True
    assert _members(team)["vic"] == "viewer"
    assert _role_events(team) == role_events
    assert team.post(team.viewer, f"/releases/{release_id}/approve").status_code == 403


def test_the_charter_file_cannot_make_anyone_a_member(team: Team, accounts: Accounts) -> None:
    carla = accounts.create("carla")
    release_id = team.request(team.version()).json()["id"]
    team.post(team.owner, "/stakeholders", {"name": "Ana", "organisation": "Telco"})
    exported = team.client.get(team.url("/charter.yaml"), headers=team.engineer.headers).text
    before = team.get(team.owner, "/charter").json()["version"]
    document = yaml.safe_load(exported)
    document["stakeholders"][0]["username"] = "vic"
    document["stakeholders"].append({"name": "Carla", "organisation": "Telco", "username": "carla"})
    edited = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    imported = team.client.put(
        team.url("/charter.yaml"),
        content=edited,
        headers={**team.engineer.headers, "content-type": "application/yaml"},
    )
    _refused_as_non_member(imported, "stakeholders.1.username")
    assert team.get(team.owner, "/charter").json()["version"] == before
    assert [s["name"] for s in team.get(team.owner, "/stakeholders").json()] == ["Ana"]
    _outsider_sees_nothing(team, carla, release_id)
    # Members only: the same file without Carla links Vic's account, and Vic stays a viewer.
    document["stakeholders"].pop()
    without = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    applied = team.client.put(
        team.url("/charter.yaml"),
        content=without,
        headers={**team.engineer.headers, "content-type": "application/yaml"},
    )
    assert applied.status_code == 200, applied.text
    assert team.get(team.owner, "/stakeholders").json()[0]["username"] == "vic"
    assert _members(team)["vic"] == "viewer"


def test_the_stakeholder_forms_refuse_a_non_member(
    team: Team, accounts: Accounts, visit: Visit
) -> None:
    carla = accounts.create("carla")
    release_id = team.request(team.version()).json()["id"]
    base = f"/projects/{team.project}/stakeholders"
    engineer = visit(team.engineer)
    form = engineer.get(base).text
    assert "Listing a person grants no access" in form
    typed = {"name": "Carla", "organisation": "Telco", "role": "", "contact": "", "username": ""}
    refused = engineer.post(base, {**typed, "username": "carla"})
    assert refused.status_code == 422
    assert "is not a member of this project" in refused.text
    assert 'value="carla"' in refused.text  # what was typed is kept
    assert team.get(team.owner, "/stakeholders").json() == []

    assert engineer.post(base, typed).status_code == 303
    (listed,) = team.get(team.owner, "/stakeholders").json()
    engineer.get(f"{base}/{listed['id']}/edit")
    edited = engineer.post(f"{base}/{listed['id']}/edit", {**typed, "username": "carla"})
    assert edited.status_code == 422
    assert "is not a member of this project" in edited.text
    assert team.get(team.owner, "/stakeholders").json()[0]["is_user"] is False
    _outsider_sees_nothing(team, carla, release_id)
