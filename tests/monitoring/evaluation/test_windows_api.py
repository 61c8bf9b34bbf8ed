"""The window API: newest first, filtered by granularity and time, paginated; evaluate-now for
owners and ML engineers only; unknown deployments and bad parameters answer clear 4xx; the
background job evaluates every dirty window once. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from tests.monitoring.evaluation.helpers import DAY0, Monitor, frame, hour, profile_of


def _iso(n: int) -> str:
    return (DAY0 + timedelta(hours=n)).isoformat().replace("+00:00", "Z")


def test_windows_are_listed_newest_first_with_filters(monitor: Monitor) -> None:
    rng = np.random.default_rng(51)
    deployment = monitor.deploy(profile_of(frame(rng, 2_000)))
    for n in (0, 1, 2, 3, 25):
        monitor.store_batch(deployment, hour(n), frame(rng, 200), with_predictions=False)
    before = monitor.team.get(
        monitor.team.viewer, f"/deployments/{deployment}/windows", granularity="hour"
    ).json()
    assert before["total"] == 5
    assert all(w["evaluation"] is None and w["dirty"] for w in before["items"])

    monitor.evaluate(deployment)
    url = f"/deployments/{deployment}/windows"
    listed = monitor.team.get(monitor.team.viewer, url, granularity="hour").json()
    assert [w["start"] for w in listed["items"]] == [_iso(n) for n in (25, 3, 2, 1, 0)]
    assert listed["items"][0]["end"] == _iso(26)
    assert listed["items"][0]["scope"] == "deployment"
    assert listed["items"][0]["deployment_id"] == deployment

    days = monitor.team.get(monitor.team.viewer, url).json()  # day windows by default
    assert [w["start"] for w in days["items"]] == [_iso(24), _iso(0)]
    assert [w["batches"] for w in days["items"]] == [1, 4]

    ranged = monitor.team.get(
        monitor.team.viewer, url, granularity="hour", **{"from": _iso(1), "to": _iso(3)}
    ).json()
    assert [w["start"] for w in ranged["items"]] == [_iso(2), _iso(1)]
    naive = monitor.team.get(
        monitor.team.viewer, url, granularity="hour", **{"from": _iso(3).rstrip("Z")}
    ).json()
    assert naive["total"] == 2  # a time without a zone is read as UTC

    page = monitor.team.get(monitor.team.viewer, url, granularity="hour", per_page=2, page=3)
    assert page.json()["total"] == 5
    assert [w["start"] for w in page.json()["items"]] == [_iso(0)]


def test_bad_window_requests_answer_clear_errors(monitor: Monitor) -> None:
    deployment = monitor.deploy(None)
    team = monitor.team
    missing = team.get(team.viewer, "/deployments/999/windows")
    assert missing.status_code == 404
    assert "no deployment 999 in this project" in missing.json()["error"]["message"]
    assert team.post(team.owner, "/deployments/999/evaluate").status_code == 404
    bad = team.get(team.viewer, f"/deployments/{deployment}/windows", granularity="week")
    assert bad.status_code == 422
    assert "granularity" in bad.text
    assert "'hour' or 'day'" in bad.text
    bad_time = team.get(team.viewer, f"/deployments/{deployment}/windows", **{"from": "soon"})
    assert bad_time.status_code == 422
    assert team.get(team.viewer, "/kpi-windows", per_page=0).status_code == 422


def test_only_owners_and_ml_engineers_evaluate_now(monitor: Monitor) -> None:
    deployment = monitor.deploy(None)
    team = monitor.team
    for who in (team.viewer, team.customer):
        refused = team.post(who, f"/deployments/{deployment}/evaluate")
        assert refused.status_code == 403
        assert "monitor:configure" in refused.json()["error"]["message"]
    assert monitor.evaluate(deployment, team.engineer)["evaluated"] == 0


def test_the_background_job_evaluates_each_dirty_window_once(monitor: Monitor) -> None:
    rng = np.random.default_rng(52)
    deployment = monitor.deploy(profile_of(frame(rng, 2_000)))
    other = monitor.deploy(None)
    kpi = monitor.add_kpi()
    monitor.store_batch(deployment, hour(1), frame(rng, 300))
    monitor.store_batch(other, hour(2), frame(rng, 300))
    monitor.store_kpi(kpi, hour(3), 0.9)
    assert monitor.run_evaluator() == 6  # (hour + day) x (two deployments + the project)
    assert monitor.run_evaluator() == 0
    assert all(not w["dirty"] for w in monitor.windows(deployment) + monitor.windows(other))
    # Evaluate-now on one deployment leaves the other one's windows to the job.
    monitor.store_batch(deployment, hour(1), frame(rng, 300))
    monitor.store_batch(other, hour(2), frame(rng, 300))
    assert monitor.evaluate(deployment)["deployment_windows"] == 2
    assert all(w["dirty"] for w in monitor.windows(other))
    assert monitor.run_evaluator() == 2
