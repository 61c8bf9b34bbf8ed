"""Webhook configuration through the API: the secret shown once, validation, permissions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.teams import Team
from tests.webhooks.conftest import Hooks

PUBLIC_URL = "https://hooks.example.com/services/T0/B0/token-in-the-path"


def test_the_secret_is_shown_once_and_never_logged(team: Team) -> None:
    created = team.post(team.owner, "/webhooks", {"name": "ops", "kind": "json", "url": PUBLIC_URL})
    assert created.status_code == 201, created.text
    hook = created.json()
    secret = hook["secret"]
    assert len(secret) >= 40
    assert hook["event_types"] == [
        "alert.opened",
        "alert.resolved",
        "change.decided",
        "retrain.requested",
    ]
    assert hook["enabled"] is True
    assert hook["created_by"] == "olivia"

    one = team.get(team.owner, f"/webhooks/{hook['id']}")
    listed = team.get(team.owner, "/webhooks")
    assert one.status_code == 200
    assert listed.status_code == 200
    assert "secret" not in one.json()
    assert listed.json()["total"] == 1
    assert "secret" not in listed.json()["items"][0]
    assert one.json()["url"] == PUBLIC_URL  # in full for those who configure webhooks

    log = team.get(team.owner, "/events", type="webhook.created")
    assert log.status_code == 200
    (event,) = log.json()["items"]
    assert secret not in log.text
    assert secret not in one.text
    assert secret not in listed.text
    # The permanent log names the receiver by origin only: the path may hold its own token.
    assert event["payload"]["url"] == "https://hooks.example.com/…"
    assert "token-in-the-path" not in log.text


def test_rotating_gives_a_new_secret_once(team: Team) -> None:
    hook = team.post(
        team.owner, "/webhooks", {"name": "ops", "kind": "json", "url": PUBLIC_URL}
    ).json()
    rotated = team.post(team.owner, f"/webhooks/{hook['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] != hook["secret"]
    assert "secret" not in team.get(team.owner, f"/webhooks/{hook['id']}").json()
    log = team.get(team.owner, "/events", type="webhook.secret_rotated")
    assert log.json()["total"] == 1
    assert rotated.json()["secret"] not in log.text


def test_kind_defaults_and_explicit_subscriptions(team: Team) -> None:
    def create(**body: Any) -> dict[str, Any]:
        response = team.post(team.owner, "/webhooks", {"url": PUBLIC_URL, **body})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    assert create(name="a", kind="retrain")["event_types"] == ["retrain.requested"]
    assert create(name="b", kind="slack")["event_types"] == [
        "alert.opened",
        "alert.resolved",
        "change.decided",
    ]
    everything = create(name="c", kind="json", event_types=["*"])
    assert everything["event_types"] == ["*"]
    repeated = create(name="d", kind="json", event_types=["alert.opened", "alert.opened"])
    assert repeated["event_types"] == ["alert.opened"]
    withdrawals = create(name="e", kind="slack", event_types=["change.withdrawn"])
    assert withdrawals["event_types"] == ["change.withdrawn"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"url": "ftp://hooks.example.com/x"}, "url", "only http and https"),
        ({"url": "https://user:pass@hooks.example.com/x"}, "url", "credentials"),
        ({"url": "http:///no-host"}, "url", "no host"),
        ({"url": "https://hooks.example.com/a b"}, "url", "spaces"),
        ({"url": "not a url at all"}, "url", ""),
        ({"event_types": ["alert.exploded"]}, "event_types", "unknown event type"),
        ({"event_types": []}, "event_types", "at least 1"),
        ({"kind": "retrain", "event_types": ["alert.opened"]}, "event_types", "only"),
        ({"kind": "teams"}, "kind", ""),
        ({"name": "  "}, "name", ""),
        ({"secret": "mine"}, "secret", "not permitted"),
        ({"url": "https://hooks.example.com/" + "x" * 2000}, "url", "2000"),
    ],
)
def test_bad_inputs_are_refused(team: Team, body: dict[str, Any], field: str, words: str) -> None:
    full = {"name": "hook", "kind": "json", "url": PUBLIC_URL, **body}
    response = team.post(team.owner, "/webhooks", full)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert field in [problem["field"] for problem in error["fields"]], error
    assert words in error["message"], error
    assert team.get(team.owner, "/webhooks").json()["total"] == 0


@pytest.mark.parametrize("allowed_networks", [[]])
@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("http://127.0.0.1:9000/hook", "127.0.0.1 refused (loopback)"),
        ("http://127.1/hook", "127.0.0.1) refused (loopback)"),
        ("http://2130706433/hook", "127.0.0.1) refused (loopback)"),
        ("http://[::ffff:127.0.0.1]/hook", "refused (loopback)"),
        ("http://[::1]/hook", "::1 refused (loopback)"),
        ("http://localhost:8080/hook", "localhost (127.0.0.1) refused (loopback)"),
        ("http://0.0.0.0/hook", "0.0.0.0 refused (unspecified)"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 refused (link-local)"),
        ("http://10.0.0.5/hook", "10.0.0.5 refused (private)"),
        ("http://[fd00::1]/hook", "fd00::1 refused (private)"),
        ("http://100.64.0.1/hook", "100.64.0.1 refused (shared)"),
    ],
)
def test_internal_addresses_are_refused_when_saved(team: Team, url: str, refusal: str) -> None:
    response = team.post(team.owner, "/webhooks", {"name": "x", "kind": "json", "url": url})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["fields"][0]["field"] == "url"
    assert refusal in error["message"]
    assert "CONTINUUM_WEBHOOK_ALLOWED_NETWORKS" in error["message"]


@pytest.mark.parametrize("allowed_networks", [[]])
def test_a_hostname_is_checked_at_delivery_and_an_update_is_checked_too(team: Team) -> None:
    # Without DNS at save time, a name is accepted; the outbox resolves and checks it.
    created = team.post(
        team.owner, "/webhooks", {"name": "x", "kind": "json", "url": "https://hooks.example.com/"}
    )
    assert created.status_code == 201, created.text
    moved = team.client.patch(
        team.url(f"/webhooks/{created.json()['id']}"),
        json={"url": "http://127.0.0.1/"},
        headers=team.owner.headers,
    )
    assert moved.status_code == 422
    assert "127.0.0.1 refused (loopback)" in moved.json()["error"]["message"]


@pytest.mark.parametrize("allowed_networks", [["10.20.0.0/16"]])
def test_an_allowed_network_may_be_saved(team: Team) -> None:
    inside = team.post(
        team.owner, "/webhooks", {"name": "in", "kind": "json", "url": "http://10.20.3.4/hook"}
    )
    assert inside.status_code == 201, inside.text
    outside = team.post(
        team.owner, "/webhooks", {"name": "out", "kind": "json", "url": "http://10.21.3.4/hook"}
    )
    assert outside.status_code == 422


def test_who_may_do_what(team: Team) -> None:
    body = {"name": "ops", "kind": "slack", "url": PUBLIC_URL}
    for who in (team.viewer, team.customer):
        denied = team.post(who, "/webhooks", body)
        assert denied.status_code == 403, denied.text
    created = team.post(team.engineer, "/webhooks", body)
    assert created.status_code == 201, created.text
    hook_id = created.json()["id"]

    seen = team.get(team.viewer, f"/webhooks/{hook_id}")
    assert seen.status_code == 200
    # Readers see where deliveries go, not the receiver's token in the path.
    assert seen.json()["url"] == "https://hooks.example.com/…"
    assert team.get(team.viewer, "/webhooks").json()["items"][0]["url"].endswith("/…")
    assert team.get(team.viewer, f"/webhooks/{hook_id}/deliveries").status_code == 200

    for method, rest in (
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/test"),
        ("POST", "/rotate-secret"),
    ):
        response = team.client.request(
            method,
            team.url(f"/webhooks/{hook_id}{rest}"),
            json={"enabled": False} if method == "PATCH" else None,
            headers=team.viewer.headers,
        )
        assert response.status_code == 403, (method, rest, response.text)


def test_update_disable_and_delete(hooks: Hooks, team: Team) -> None:
    hook = hooks.create(PUBLIC_URL, name="ops")
    path = f"/webhooks/{hook['id']}"

    def patch(body: dict[str, Any]) -> Any:
        return team.client.patch(team.url(path), json=body, headers=team.owner.headers)

    renamed = patch({"name": "operations", "event_types": ["alert.opened", "*"]})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "operations"
    assert renamed.json()["event_types"] == ["alert.opened", "*"]
    # Turning it into a retrain trigger drops subscriptions the kind cannot carry.
    retrain = patch({"kind": "retrain"})
    assert retrain.json()["event_types"] == ["retrain.requested"]
    assert patch({"event_types": ["alert.opened"]}).status_code == 422

    off = patch({"enabled": False})
    assert off.json()["enabled"] is False
    refused = team.post(team.owner, path + "/test")
    assert refused.status_code == 409
    assert "disabled" in refused.json()["error"]["message"]

    other = hooks.create(PUBLIC_URL, name="other")
    assert patch({"name": "other"}).status_code == 409

    updates = team.get(team.owner, "/events", type="webhook.updated").json()
    assert updates["total"] == 3
    assert updates["items"][-1]["payload"]["changes"] == {
        "name": "operations",
        "event_types": ["alert.opened", "*"],
    }

    gone = team.client.delete(team.url(path), headers=team.owner.headers)
    assert gone.status_code == 204
    assert team.get(team.owner, path).status_code == 404
    assert team.get(team.owner, path + "/deliveries").status_code == 404
    assert team.get(team.owner, "/events", type="webhook.deleted").json()["total"] == 1
    assert [h["id"] for h in team.get(team.owner, "/webhooks").json()["items"]] == [other["id"]]


def test_duplicate_names_conflict_and_other_projects_ids_are_unknown(
    hooks: Hooks, team: Team
) -> None:
    hook = hooks.create(PUBLIC_URL, name="ops")
    again = team.post(team.owner, "/webhooks", {"name": "ops", "kind": "json", "url": PUBLIC_URL})
    assert again.status_code == 409
    created = team.client.post(
        "/api/v1/projects", json={"slug": "other", "name": "Other"}, headers=team.owner.headers
    )
    assert created.status_code == 201
    elsewhere = team.client.get(
        f"/api/v1/projects/other/webhooks/{hook['id']}", headers=team.owner.headers
    )
    assert elsewhere.status_code == 404
    assert elsewhere.json()["error"]["message"] == f"no webhook {hook['id']} in this project"
