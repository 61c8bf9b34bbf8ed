"""Opening change requests: by a person with each kind of evidence, from an alert (evidence,
deployment and title taken from it; one undecided request per alert), bad evidence and bad
references refused with 422, reading and listing. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.changes.conftest import (
    DAY,
    DRIFTED_EVALUATION,
    Monitoring,
    drift_rule,
    events_of,
    kpi_evaluation,
    quality_rule,
)
from tests.conftest import Accounts
from tests.monitoring.evaluation.helpers import Monitor
from tests.pagekit import add_kpi
from tests.teams import Team

OPTIONS = ["retrain", "roll_back", "accept"]


def person_body(**extra: Any) -> dict[str, Any]:
    return {"title": "Contract mix shifted", "options": OPTIONS, **extra}


def test_a_person_opens_a_request_with_each_kind_of_evidence(
    team: Team, monitoring: Monitoring
) -> None:
    deployment = team.release(team.version())["deployment_id"]
    window = monitoring.window(team.project, deployment, DRIFTED_EVALUATION)
    body = person_body(
        what_changed="Two-year contracts doubled since week five.",
        deployment_id=deployment,
        evidence=[
            {"kind": "window", "window_id": window},
            {"kind": "metric", "name": "roc_auc", "value": 0.71, "window_start": DAY.isoformat()},
            {"kind": "metric", "name": "retention", "value": 0.82, "threshold": 0.85},
            {"kind": "chart", "deployment_id": deployment, "granularity": "day"},
            {"kind": "note", "text": "  Marketing ran a two-year promotion.  "},
        ],
    )
    opened = team.post(team.customer, "/changes", body)
    assert opened.status_code == 201, opened.text
    change = opened.json()
    assert change["status"] == "open"
    assert change["opened_by"] == "sam"
    assert change["deployment_id"] == deployment
    assert change["alert_id"] is None
    assert change["options"] == OPTIONS
    assert change["what_changed"] == "Two-year contracts doubled since week five."
    assert change["decision"] is None
    assert change["follow_up"] is None
    assert change["policy"]["missing"] == {"ml_team": 1, "customer": 1}
    window_item, auc, retention, chart, note = change["evidence"]
    assert window_item == {
        "kind": "window",
        "window_id": window,
        "deployment_id": deployment,
        "granularity": "day",
        "start": "2026-11-02T00:00:00Z",
    }
    assert auc["value"] == 0.71
    assert auc["threshold"] is None
    assert auc["window_start"] == "2026-11-02T10:30:00Z"
    assert retention == {
        "kind": "metric",
        "name": "retention",
        "value": 0.82,
        "threshold": 0.85,
        "window_start": None,
    }
    assert chart == {"kind": "chart", "deployment_id": deployment, "granularity": "day"}
    assert note == {"kind": "note", "text": "Marketing ran a two-year promotion."}

    read = team.get(team.viewer, f"/changes/{change['id']}")
    assert read.status_code == 200
    assert read.json() == change
    [event] = events_of(team, "change.opened")
    assert event["actor"] == "sam"
    assert event["payload"] == {
        "change_id": change["id"],
        "title": "Contract mix shifted",
        "alert_id": None,
    }


def test_a_project_window_needs_no_deployment(team: Team, monitoring: Monitoring) -> None:
    window = monitoring.window(team.project, None)
    body = person_body(evidence=[{"kind": "window", "window_id": window}], options=["accept"])
    opened = team.post(team.engineer, "/changes", body)
    assert opened.status_code == 201, opened.text
    assert opened.json()["evidence"][0]["deployment_id"] is None
    assert opened.json()["deployment_id"] is None


def test_evidence_must_refer_to_this_projects_records(
    team: Team, monitoring: Monitoring, client: TestClient, accounts: Accounts
) -> None:
    deployment = team.release(team.version())["deployment_id"]
    stranger = accounts.create("otto")
    created = client.post(
        "/api/v1/projects", json={"slug": "other", "name": "Other"}, headers=stranger.headers
    )
    assert created.status_code == 201, created.text
    foreign_window = monitoring.window("other", None)
    own_window = monitoring.window(team.project, deployment)

    foreign = team.post(
        team.owner,
        "/changes",
        person_body(evidence=[{"kind": "window", "window_id": foreign_window}]),
    )
    assert foreign.status_code == 422, foreign.text
    assert foreign.json()["error"]["fields"][0]["field"] == "evidence.0.window_id"
    assert f"no monitoring window {foreign_window}" in foreign.json()["error"]["message"]

    unknown = team.post(
        team.owner,
        "/changes",
        person_body(
            evidence=[
                {"kind": "window", "window_id": own_window},
                {"kind": "chart", "deployment_id": deployment + 100},
                {"kind": "window", "window_id": own_window + 100},
            ]
        ),
    )
    assert unknown.status_code == 422, unknown.text
    fields = [f["field"] for f in unknown.json()["error"]["fields"]]
    assert fields == ["evidence.1.deployment_id", "evidence.2.window_id"]
    assert team.get(team.viewer, "/changes").json()["total"] == 0  # nothing was written


@pytest.mark.parametrize(
    "evidence",
    [
        {"kind": "screenshot", "url": "http://example.com/a.png"},
        {"name": "auc", "value": 0.7},
        {"kind": "metric", "name": "auc"},
        {"kind": "metric", "name": "", "value": 0.7},
        {"kind": "metric", "name": "auc", "value": 0.7, "window_start": "2026-11-02T10:00:00"},
        {"kind": "metric", "name": "auc", "value": 0.7, "colour": "red"},
        {"kind": "chart", "deployment_id": 1, "granularity": "week"},
        {"kind": "note", "text": "   "},
        {"kind": "window"},
    ],
    ids=[
        "unknown-kind",
        "no-kind",
        "metric-without-value",
        "metric-without-name",
        "naive-window-start",
        "unknown-field",
        "unknown-granularity",
        "blank-note",
        "window-without-id",
    ],
)
def test_malformed_evidence_is_422(team: Team, evidence: dict[str, Any]) -> None:
    response = team.post(team.owner, "/changes", person_body(evidence=[evidence]))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"][0]["field"].startswith("evidence.0")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"options": OPTIONS}, "title"),
        ({"title": "x"}, "options"),
        ({"title": "x", "options": []}, "options"),
        ({"title": "x", "options": ["retrain", "retrain"]}, "options"),
        ({"title": "x", "options": ["rewrite"]}, "options.0"),
        ({"title": "  ", "options": OPTIONS}, "title"),
        ({"title": "x", "options": OPTIONS, "owner": "me"}, "owner"),
    ],
    ids=[
        "no-title",
        "no-options",
        "empty-options",
        "repeated-option",
        "unknown-option",
        "blank-title",
        "unknown-field",
    ],
)
def test_a_persons_request_needs_a_title_and_options(
    team: Team, body: dict[str, Any], field: str
) -> None:
    response = team.post(team.owner, "/changes", body)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["message"]


def test_the_deployment_must_belong_to_the_project(team: Team) -> None:
    response = team.post(team.owner, "/changes", person_body(deployment_id=99))
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "deployment_id"


def drift_alert(team: Team, monitoring: Monitoring, deployment: int) -> tuple[int, int]:
    """The drift alert a drifted day window of `deployment` raises; (alert id, window id)."""
    drift_rule(team)
    window = monitoring.window(team.project, deployment, DRIFTED_EVALUATION)
    [alert] = monitoring.raise_alerts(window)
    return alert, window


def test_a_drift_alert_brings_its_window_deployment_scores_and_title(
    team: Team, monitoring: Monitoring
) -> None:
    deployment = team.release(team.version())["deployment_id"]
    alert, window = drift_alert(team, monitoring, deployment)
    title = team.get(team.viewer, f"/alerts/{alert}").json()["title"]
    assert "monthly_charges" in title

    note = {"kind": "note", "text": "Sales confirm the promotion."}
    opened = team.post(team.engineer, "/changes", {"alert_id": alert, "evidence": [note]})
    assert opened.status_code == 201, opened.text
    change = opened.json()
    assert change["title"] == title
    assert change["alert_id"] == alert
    assert change["deployment_id"] == deployment
    assert change["options"] == ["retrain", "redeploy", "roll_back", "accept"]
    kinds = [item["kind"] for item in change["evidence"]]
    assert kinds == ["note", "window", "chart", "metric", "metric", "note"]
    about, window_item, chart, contract, charges, added = change["evidence"]
    assert f"Alert {alert} (warning, drift)" in about["text"]
    assert window_item["window_id"] == window
    assert window_item["deployment_id"] == deployment
    assert chart == {"kind": "chart", "deployment_id": deployment, "granularity": "day"}
    # The drifted columns, most drifted first, against the scaled threshold of 1.
    assert (contract["name"], contract["value"], contract["threshold"]) == (
        "drift score: contract",
        2.4,
        1.0,
    )
    assert (charges["name"], charges["value"]) == ("drift score: monthly_charges", 1.8)
    assert charges["window_start"] == "2026-11-02T00:00:00Z"
    assert added == note
    [event] = events_of(team, "change.opened")
    assert event["payload"] == {"change_id": change["id"], "title": title, "alert_id": alert}


def test_a_kpi_alert_brings_its_value_against_the_threshold(
    team: Team, monitoring: Monitoring, monitor: Monitor
) -> None:
    deployment = team.release(team.version())["deployment_id"]
    kpi = monitor.add_kpi()
    window = monitoring.window(team.project, None, kpi_evaluation(kpi, 0.7))
    [alert] = monitoring.raise_alerts(window)
    # A KPI alert is about the project; the person names the deployment the change acts on.
    opened = team.post(
        team.customer,
        "/changes",
        {"alert_id": alert, "title": "Retention fell", "deployment_id": deployment},
    )
    assert opened.status_code == 201, opened.text
    change = opened.json()
    assert change["title"] == "Retention fell"
    assert change["deployment_id"] == deployment
    metric = next(item for item in change["evidence"] if item["kind"] == "metric")
    assert (metric["name"], metric["value"], metric["threshold"]) == ("KPI: retention", 0.7, 0.75)
    assert metric["window_start"] == "2026-11-02T00:00:00Z"
    window_item = next(item for item in change["evidence"] if item["kind"] == "window")
    assert window_item["deployment_id"] is None
    assert not any(item["kind"] == "chart" for item in change["evidence"])


def test_a_data_quality_alert_brings_its_failed_checks(team: Team, monitoring: Monitoring) -> None:
    deployment = team.release(team.version())["deployment_id"]
    quality_rule(team)
    window = monitoring.window(team.project, deployment, DRIFTED_EVALUATION)
    [alert] = monitoring.raise_alerts(window)
    change = team.post(team.owner, "/changes", {"alert_id": alert}).json()
    notes = [item["text"] for item in change["evidence"] if item["kind"] == "note"]
    assert "Data check missing_rate failed: 3 columns miss more than 5 %" in notes


def test_an_alert_has_at_most_one_undecided_request(team: Team, monitoring: Monitoring) -> None:
    alert, _ = drift_alert(team, monitoring, team.release(team.version())["deployment_id"])
    first = team.post(team.owner, "/changes", {"alert_id": alert}).json()
    again = team.post(team.customer, "/changes", {"alert_id": alert})
    assert again.status_code == 409, again.text
    assert f"change request {first['id']} (open)" in again.json()["error"]["message"]

    proposed = team.post(
        team.owner, f"/changes/{first['id']}/decision", {"option": "accept", "rationale": "ok"}
    )
    assert proposed.status_code == 200, proposed.text
    still = team.post(team.customer, "/changes", {"alert_id": alert})
    assert still.status_code == 409
    assert "(proposed)" in still.json()["error"]["message"]

    assert team.post(team.owner, f"/changes/{first['id']}/withdraw").status_code == 200
    reopened = team.post(team.customer, "/changes", {"alert_id": alert})
    assert reopened.status_code == 201, reopened.text
    listed = team.get(team.viewer, "/changes", alert_id=alert).json()
    assert [item["id"] for item in listed["items"]] == [reopened.json()["id"], first["id"]]


def test_alert_references_are_checked(
    team: Team, monitoring: Monitoring, client: TestClient, accounts: Accounts
) -> None:
    deployment = team.release(team.version())["deployment_id"]
    other_deployment = team.release(team.version(), "staging")["deployment_id"]
    stranger = accounts.create("otto")
    client.post("/api/v1/projects", json={"slug": "other", "name": "O"}, headers=stranger.headers)
    kpi = add_kpi(client, stranger, "other", frequency="daily")
    [foreign] = monitoring.raise_alerts(monitoring.window("other", None, kpi_evaluation(kpi, 0.5)))
    response = team.post(team.owner, "/changes", {"alert_id": foreign})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "alert_id"
    assert f"no alert {foreign}" in response.json()["error"]["message"]

    ours, _ = drift_alert(team, monitoring, deployment)
    mismatch = team.post(
        team.owner, "/changes", {"alert_id": ours, "deployment_id": other_deployment}
    )
    assert mismatch.status_code == 422
    assert mismatch.json()["error"]["fields"][0]["field"] == "deployment_id"
    assert team.get(team.viewer, "/changes").json()["total"] == 0


def test_list_filters_and_pages_newest_first(team: Team) -> None:
    production = team.release(team.version())["deployment_id"]
    staging = team.release(team.version(), "staging")["deployment_id"]
    ids = [
        team.post(team.owner, "/changes", person_body(title=f"c{n}", deployment_id=d)).json()["id"]
        for n, d in enumerate([production, staging, production, None])
    ]
    team.post(team.owner, f"/changes/{ids[0]}/withdraw")
    everything = team.get(team.viewer, "/changes").json()
    assert [item["id"] for item in everything["items"]] == ids[::-1]
    assert everything["total"] == 4
    second = team.get(team.viewer, "/changes", page=2, per_page=3).json()
    assert [item["id"] for item in second["items"]] == [ids[0]]
    assert second["total"] == 4
    on_production = team.get(team.viewer, "/changes", deployment_id=production).json()
    assert [item["id"] for item in on_production["items"]] == [ids[2], ids[0]]
    still_open = team.get(team.viewer, "/changes", status="open").json()
    assert [item["id"] for item in still_open["items"]] == [ids[3], ids[2], ids[1]]
    withdrawn = team.get(team.viewer, "/changes", status="withdrawn", deployment_id=production)
    assert [item["id"] for item in withdrawn.json()["items"]] == [ids[0]]
    assert team.get(team.viewer, "/changes", status="maybe").status_code == 422


def test_viewers_read_but_do_not_open(team: Team) -> None:
    assert team.post(team.viewer, "/changes", person_body()).status_code == 403
    change = team.post(team.owner, "/changes", person_body()).json()
    assert team.get(team.viewer, f"/changes/{change['id']}").status_code == 200
    assert team.get(team.viewer, "/changes/999").status_code == 404


def test_another_projects_change_answers_404(
    team: Team, client: TestClient, accounts: Accounts
) -> None:
    change = team.post(team.owner, "/changes", person_body()).json()
    stranger = accounts.create("otto")
    client.post("/api/v1/projects", json={"slug": "other", "name": "O"}, headers=stranger.headers)
    other = f"/api/v1/projects/other/changes/{change['id']}"
    assert client.get(other, headers=stranger.headers).status_code == 404
    body = {"option": "accept", "rationale": "mine now"}
    decision = client.post(f"{other}/decision", json=body, headers=stranger.headers)
    assert decision.status_code == 404
    assert client.post(f"{other}/withdraw", headers=stranger.headers).status_code == 404
