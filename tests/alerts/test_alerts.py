"""Alerts raised by evaluations: drift and data-quality rules, charter KPIs; de-duplication by
fingerprint; open → acknowledged → resolved with events and conflicts; who may act; listing.
Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np

from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.windows import mark_dirty
from mlcontinuum.profiles import Profile
from tests.monitoring.evaluation.helpers import DAY0, Monitor, frame, hour, profile_of

OPENED_PAYLOAD = {"alert_id", "severity", "title", "source", "deployment_id", "fingerprint"}


def _reference() -> Profile:
    return profile_of(frame(np.random.default_rng(1), 5_000))


def _rule(monitor: Monitor, kind: str = "drift", **params: Any) -> int:
    severity = params.pop("severity", "warning")
    created = monitor.team.post(
        monitor.team.owner,
        "/alert-rules",
        {"kind": kind, "name": f"{kind} rule", "severity": severity, "params": params},
    )
    assert created.status_code == 201, created.text
    rule_id: int = created.json()["id"]
    return rule_id


def _alerts(monitor: Monitor, **filters: Any) -> list[dict[str, Any]]:
    response = monitor.team.get(monitor.team.viewer, "/alerts", **filters)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_drift_alert_opens_once_and_counts_its_recurrences(monitor: Monitor) -> None:
    rng = np.random.default_rng(31)
    deployment = monitor.deploy(_reference())
    rule = _rule(monitor, granularity="hour")
    monitor.store_batch(deployment, hour(0), frame(rng, 1_500))
    monitor.evaluate(deployment)
    assert _alerts(monitor) == []

    monitor.store_batch(deployment, hour(3), frame(rng, 1_500, shifted=True))
    monitor.evaluate(deployment)
    (alert,) = _alerts(monitor)
    assert alert["source"] == "drift"
    assert alert["fingerprint"] == f"drift:{deployment}:{rule}"
    assert alert["severity"] == "warning"
    assert alert["status"] == "open"
    assert alert["occurrences"] == 1
    assert alert["deployment_id"] == deployment
    assert alert["rule_id"] == rule
    assert "monthly_charges" in alert["title"]
    assert "contract" in alert["title"]
    assert {c["column"] for c in alert["detail"]["columns"]} == {"monthly_charges", "contract"}
    assert all(c["score"] >= 1 for c in alert["detail"]["columns"])
    third = monitor.window_at(deployment, Granularity.HOUR, DAY0 + timedelta(hours=3))
    assert alert["window_id"] == third
    assert alert["detail"]["window_id"] == third

    monitor.store_batch(deployment, hour(4), frame(rng, 1_500, shifted=True))
    monitor.evaluate(deployment)
    (again,) = _alerts(monitor)
    assert again["id"] == alert["id"]
    assert again["occurrences"] == 2  # the hour rule ignores the (also drifted) day window
    assert again["window_id"] == monitor.window_at(
        deployment, Granularity.HOUR, DAY0 + timedelta(hours=4)
    )
    assert again["last_seen_at"] > alert["last_seen_at"]
    assert again["first_seen_at"] == alert["first_seen_at"]

    opened = monitor.events("alert.opened")
    assert len(opened) == 1
    assert opened[0]["actor"] == "system:evaluator"
    assert set(opened[0]["payload"]) == OPENED_PAYLOAD
    assert opened[0]["payload"]["alert_id"] == alert["id"]
    assert opened[0]["payload"]["fingerprint"] == alert["fingerprint"]

    # Labels arriving later re-evaluate the window for its performance, not its drift.
    with transaction(monitor.factory) as db:
        mark_dirty(db, monitor.window_row(third).project_id, deployment, [hour(4)])
    assert monitor.evaluate(deployment)["deployment_windows"] == 2
    assert _alerts(monitor)[0]["occurrences"] == 2


def test_drift_rules_watch_their_columns_minimum_and_switch(monitor: Monitor) -> None:
    rng = np.random.default_rng(32)
    deployment = monitor.deploy(_reference())
    _rule(monitor, granularity="hour", columns=["tenure"])  # tenure never moves
    _rule(monitor, granularity="hour", min_drifted_features=3)  # two features move
    disabled = _rule(monitor, granularity="hour")
    monitor.team.client.patch(
        monitor.team.url(f"/alert-rules/{disabled}"),
        json={"enabled": False},
        headers=monitor.team.owner.headers,
    )
    _rule(monitor)  # day windows: fires on the day
    monitor.store_batch(deployment, hour(3), frame(rng, 2_000, shifted=True))
    monitor.evaluate(deployment)
    (alert,) = _alerts(monitor)
    assert alert["detail"]["granularity"] == "day"
    two = _rule(monitor, granularity="hour", min_drifted_features=2, columns=["contract", "tenure"])
    monitor.store_batch(deployment, hour(5), frame(rng, 2_000, shifted=True))
    monitor.evaluate(deployment)
    assert {a["rule_id"] for a in _alerts(monitor)} == {alert["rule_id"]}
    assert two not in {a["rule_id"] for a in _alerts(monitor)}


def test_a_data_quality_rule_raises_on_failed_checks(monitor: Monitor) -> None:
    rng = np.random.default_rng(33)
    deployment = monitor.deploy(_reference())
    everything = _rule(monitor, "data_quality", granularity="hour", severity="critical")
    _rule(monitor, "data_quality", granularity="hour", checks=["unseen_categories"])
    data = frame(rng, 1_000)
    data.loc[: len(data) // 2, "monthly_charges"] = np.nan  # half the charges go missing
    monitor.store_batch(deployment, hour(2), data)
    monitor.evaluate(deployment)
    (alert,) = _alerts(monitor)
    assert alert["source"] == "data_quality"
    assert alert["fingerprint"] == f"quality:{deployment}:{everything}"
    assert alert["severity"] == "critical"
    assert [c["name"] for c in alert["detail"]["checks"]] == ["missing_rate"]
    assert "monthly_charges" in alert["detail"]["checks"][0]["details"][0]
    (window,) = monitor.windows(deployment, "hour")
    assert window["failed_checks"] == 1


def test_kpi_alerts_follow_the_charter(monitor: Monitor) -> None:
    retention = monitor.add_kpi()  # business, daily, alert below 0.75
    latency = monitor.add_kpi(
        name="scoring latency",
        kind="analytic",
        unit="ms",
        direction="lower_is_better",
        baseline=200,
        target=100,
        alert_threshold=150,
        frequency="hourly",
    )
    for at, kpi, value in [
        (hour(1), retention, 0.70),
        (hour(2), retention, 0.72),
        (hour(1), latency, 180.0),
        (hour(2), latency, 190.0),
        (hour(3), latency, 120.0),
    ]:
        monitor.store_kpi(kpi, at, value)
    deployment = monitor.deploy(None)
    monitor.evaluate(deployment)
    alerts = {a["kpi_id"]: a for a in _alerts(monitor)}
    assert set(alerts) == {retention, latency}
    business, analytic = alerts[retention], alerts[latency]
    assert business["source"] == "kpi"
    assert business["fingerprint"] == f"kpi:{retention}"
    assert business["severity"] == "critical"
    assert business["occurrences"] == 1  # judged on the day window only
    assert business["deployment_id"] is None
    assert "below its alert threshold" in business["title"]
    assert business["detail"]["value"] == 0.71
    assert analytic["severity"] == "warning"
    assert analytic["occurrences"] == 2  # hourly: hours 1 and 2, not hour 3, not the day
    assert "above its alert threshold" in analytic["title"]
    assert len(monitor.events("alert.opened")) == 2


def _breach(monitor: Monitor, deployment: int, name: str) -> dict[str, Any]:
    """A business KPI below its threshold, evaluated: its alert."""
    kpi = monitor.add_kpi(name=name)
    monitor.store_kpi(kpi, hour(1), 0.5)
    monitor.evaluate(deployment)
    return next(a for a in _alerts(monitor) if a["kpi_id"] == kpi)


def _act(monitor: Monitor, who: Any, alert_id: int, step: str, **body: Any) -> Any:
    return monitor.team.post(who, f"/alerts/{alert_id}/{step}", body or None)


def test_alerts_go_open_acknowledged_resolved_on_the_record(monitor: Monitor) -> None:
    team = monitor.team
    deployment = monitor.deploy(None)
    first = _breach(monitor, deployment, "retention")
    second = _breach(monitor, deployment, "renewals")
    # Re-evaluating the day for the second KPI is no recurrence of the first.
    assert [a["occurrences"] for a in _alerts(monitor, status="open")] == [1, 1]

    acked = _act(monitor, team.customer, first["id"], "acknowledge")
    assert acked.status_code == 200, acked.text
    assert acked.json()["status"] == "acknowledged"
    assert acked.json()["acknowledged_by"] == "sam"
    assert acked.json()["acknowledged_at"] is not None

    twice = _act(monitor, team.engineer, first["id"], "acknowledge")
    assert twice.status_code == 409
    assert twice.json()["error"]["message"] == (
        f"alert {first['id']} is acknowledged; only an open alert can be acknowledged"
    )

    resolved = _act(monitor, team.engineer, first["id"], "resolve", resolution="retrained")
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["resolved_by"] == "emma"
    assert resolved.json()["resolution"] == "retrained"

    for step in ("acknowledge", "resolve"):
        late = _act(monitor, team.owner, first["id"], step)
        assert late.status_code == 409, step
        assert "resolved" in late.json()["error"]["message"]

    direct = _act(monitor, team.owner, second["id"], "resolve")  # open → resolved
    assert direct.status_code == 200, direct.text
    assert direct.json()["resolution"] == ""

    trail = monitor.events("alert.opened", "alert.acknowledged", "alert.resolved")
    assert [(e["type"], e["actor"], e["payload"]) for e in trail[2:]] == [
        ("alert.acknowledged", "sam", {"alert_id": first["id"]}),
        ("alert.resolved", "emma", {"alert_id": first["id"], "resolution": "retrained"}),
        ("alert.resolved", "olivia", {"alert_id": second["id"], "resolution": ""}),
    ]

    # The problem comes back: a resolved alert stays resolved and a new one opens.
    monitor.store_kpi(first["kpi_id"], hour(2), 0.4)
    monitor.evaluate(deployment)
    reopened = _alerts(monitor, status="open")
    assert len(reopened) == 1
    assert reopened[0]["id"] not in {first["id"], second["id"]}
    assert reopened[0]["fingerprint"] == first["fingerprint"]
    assert len(monitor.events("alert.opened")) == 3


def test_who_may_act_on_alerts(monitor: Monitor) -> None:
    team = monitor.team
    deployment = monitor.deploy(None)
    alert = _breach(monitor, deployment, "retention")
    for step in ("acknowledge", "resolve"):
        refused = _act(monitor, team.viewer, alert["id"], step)
        assert refused.status_code == 403
        assert "alerts:manage" in refused.json()["error"]["message"]
    assert _act(monitor, team.customer, alert["id"], "acknowledge").status_code == 200
    assert _act(monitor, team.customer, alert["id"], "resolve").status_code == 200
    assert _act(monitor, team.owner, 999_999, "acknowledge").status_code == 404
    missing = team.get(team.viewer, "/alerts/999999")
    assert missing.status_code == 404
    assert "no alert 999999" in missing.json()["error"]["message"]
    too_long = _act(monitor, team.owner, alert["id"], "resolve", resolution="x" * 5_001)
    assert too_long.status_code == 422
    # A viewer cannot evaluate or configure, only read.
    assert team.post(team.viewer, f"/deployments/{deployment}/evaluate").status_code == 403
    assert team.post(team.customer, f"/deployments/{deployment}/evaluate").status_code == 403


def test_severity_rises_when_the_rule_is_raised(monitor: Monitor) -> None:
    rng = np.random.default_rng(34)
    deployment = monitor.deploy(_reference())
    rule = _rule(monitor, granularity="hour")
    monitor.store_batch(deployment, hour(3), frame(rng, 1_500, shifted=True))
    monitor.evaluate(deployment)
    assert _alerts(monitor)[0]["severity"] == "warning"
    monitor.team.client.patch(
        monitor.team.url(f"/alert-rules/{rule}"),
        json={"severity": "critical"},
        headers=monitor.team.owner.headers,
    )
    monitor.store_batch(deployment, hour(4), frame(rng, 1_500, shifted=True))
    monitor.evaluate(deployment)
    (alert,) = _alerts(monitor)
    assert alert["severity"] == "critical"
    assert alert["occurrences"] == 2
    assert len(monitor.events("alert.opened")) == 1


def test_alerts_are_listed_with_filters_newest_first(monitor: Monitor) -> None:
    rng = np.random.default_rng(35)
    deployment = monitor.deploy(_reference())
    _rule(monitor, granularity="hour")
    monitor.store_batch(deployment, hour(3), frame(rng, 1_500, shifted=True))
    monitor.evaluate(deployment)
    kpi_alert = _breach(monitor, deployment, "retention")
    drift_alert = next(a for a in _alerts(monitor) if a["source"] == "drift")
    _act(monitor, monitor.team.owner, drift_alert["id"], "acknowledge")

    assert [a["id"] for a in _alerts(monitor)] == [kpi_alert["id"], drift_alert["id"]]
    assert [a["id"] for a in _alerts(monitor, status="open")] == [kpi_alert["id"]]
    both = _alerts(monitor, status=["open", "acknowledged"])
    assert len(both) == 2
    assert [a["id"] for a in _alerts(monitor, deployment_id=deployment)] == [drift_alert["id"]]
    assert [a["id"] for a in _alerts(monitor, source="kpi")] == [kpi_alert["id"]]
    assert [a["id"] for a in _alerts(monitor, severity="critical")] == [kpi_alert["id"]]
    page = monitor.team.get(monitor.team.viewer, "/alerts", per_page=1, page=2).json()
    assert page["total"] == 2
    assert [a["id"] for a in page["items"]] == [drift_alert["id"]]
    one = monitor.team.get(monitor.team.viewer, f"/alerts/{kpi_alert['id']}")
    assert one.status_code == 200
    assert one.json()["fingerprint"] == f"kpi:{kpi_alert['kpi_id']}"
    bad = monitor.team.get(monitor.team.viewer, "/alerts", status="closed")
    assert bad.status_code == 422
