"""Alert rules: create with defaults, change, delete, each on the record; bad kinds, parameters
and check names are refused with 422s that name what is known; only owners and ML engineers
configure rules. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.monitoring.evaluation.helpers import Monitor

DRIFT = {"kind": "drift", "name": "Any drift"}


def _create(monitor: Monitor, body: dict[str, Any]) -> Any:
    return monitor.team.post(monitor.team.owner, "/alert-rules", body)


def test_rules_are_created_with_defaults_changed_and_deleted(monitor: Monitor) -> None:
    team = monitor.team
    created = _create(monitor, DRIFT)
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule["severity"] == "warning"
    assert rule["enabled"] is True
    assert rule["created_by"] == "olivia"
    assert rule["params"] == {"min_drifted_features": 1, "granularity": "day", "columns": []}

    quality = _create(
        monitor,
        {
            "kind": "data_quality",
            "name": "Missing values",
            "severity": "critical",
            "params": {"checks": ["missing_rate", "missing_rate"], "granularity": "hour"},
        },
    )
    assert quality.status_code == 201, quality.text
    assert quality.json()["params"] == {"checks": ["missing_rate"], "granularity": "hour"}

    changed = team.client.patch(
        team.url(f"/alert-rules/{rule['id']}"),
        json={"params": {"min_drifted_features": 2, "columns": ["tenure"]}, "enabled": False},
        headers=team.engineer.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["params"] == {
        "min_drifted_features": 2,
        "granularity": "day",
        "columns": ["tenure"],
    }
    assert changed.json()["enabled"] is False

    listed = team.get(team.viewer, "/alert-rules").json()
    assert [r["name"] for r in listed] == ["Any drift", "Missing values"]

    deleted = team.client.delete(team.url(f"/alert-rules/{rule['id']}"), headers=team.owner.headers)
    assert deleted.status_code == 204
    again = team.client.delete(team.url(f"/alert-rules/{rule['id']}"), headers=team.owner.headers)
    assert again.status_code == 404
    assert f"no alert rule {rule['id']}" in again.json()["error"]["message"]

    trail = monitor.events("alert_rule.created", "alert_rule.updated", "alert_rule.deleted")
    assert [(e["type"], e["actor"]) for e in trail] == [
        ("alert_rule.created", "olivia"),
        ("alert_rule.created", "olivia"),
        ("alert_rule.updated", "emma"),
        ("alert_rule.deleted", "olivia"),
    ]
    assert trail[2]["payload"]["changes"]["enabled"] is False


def test_a_patch_that_changes_nothing_writes_no_event(monitor: Monitor) -> None:
    rule = _create(monitor, DRIFT).json()
    same = monitor.team.client.patch(
        monitor.team.url(f"/alert-rules/{rule['id']}"),
        json={"name": "Any drift", "severity": "warning"},
        headers=monitor.team.owner.headers,
    )
    assert same.status_code == 200
    assert len(monitor.events("alert_rule.updated")) == 0


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"kind": "latency", "name": "x"}, "kind", ["drift", "data_quality"]),
        ({"kind": "drift", "name": ""}, "name", ["at least 1"]),
        (
            {"kind": "drift", "name": "x", "params": {"min_drifted": 2}},
            "params.min_drifted",
            ["unknown parameter", "min_drifted_features", "granularity", "columns"],
        ),
        (
            {"kind": "drift", "name": "x", "params": {"min_drifted_features": 0}},
            "params.min_drifted_features",
            ["greater than or equal to 1"],
        ),
        (
            {"kind": "drift", "name": "x", "params": {"granularity": "week"}},
            "params.granularity",
            ["hour", "day"],
        ),
        (
            {"kind": "data_quality", "name": "x", "params": {"checks": ["nulls", "row_count"]}},
            "params.checks",
            # row_count is a registered check, but windows skip it (see monitoring/assess.py)
            ["unknown data check(s): nulls, row_count", "missing_rate", "unseen_categories"],
        ),
        (
            {"kind": "data_quality", "name": "x", "params": {"columns": ["a"]}},
            "params.columns",
            ["unknown parameter", "checks", "granularity"],
        ),
        ({"kind": "drift", "name": "x", "severity": "fatal"}, "severity", ["critical"]),
        ({"kind": "drift", "name": "x", "colour": "red"}, "colour", ["Extra inputs"]),
    ],
)
def test_bad_rules_are_refused_naming_what_is_known(
    monitor: Monitor, body: dict[str, Any], field: str, words: list[str]
) -> None:
    response = _create(monitor, body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert field in [f["field"] for f in error["fields"]], error
    text = error["message"] + " ".join(f["message"] for f in error["fields"])
    for word in words:
        assert word in text, (word, text)
    assert monitor.team.get(monitor.team.owner, "/alert-rules").json() == []


def test_a_patch_is_validated_against_the_rules_kind(monitor: Monitor) -> None:
    rule = _create(monitor, DRIFT).json()
    response = monitor.team.client.patch(
        monitor.team.url(f"/alert-rules/{rule['id']}"),
        json={"params": {"checks": ["missing_rate"]}},
        headers=monitor.team.owner.headers,
    )
    assert response.status_code == 422
    assert "invalid params for a drift rule" in response.json()["error"]["message"]


def test_only_owners_and_ml_engineers_configure_rules(monitor: Monitor) -> None:
    team = monitor.team
    for who in (team.customer, team.viewer):
        assert team.post(who, "/alert-rules", DRIFT).status_code == 403
    assert team.post(team.engineer, "/alert-rules", DRIFT).status_code == 201
    rule_id = team.get(team.viewer, "/alert-rules").json()[0]["id"]
    patched = team.client.patch(
        team.url(f"/alert-rules/{rule_id}"), json={"enabled": False}, headers=team.customer.headers
    )
    assert patched.status_code == 403
    removed = team.client.delete(team.url(f"/alert-rules/{rule_id}"), headers=team.viewer.headers)
    assert removed.status_code == 403
