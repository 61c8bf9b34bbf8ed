"""The monitoring pages: a deployment's drift heatmap, performance and KPI trends read from the
evaluations of real production data; its alerts acknowledged and resolved through the forms; a
change request opened from an alert, proposed and approved through the forms; the project's
health at a glance; the alerts and change-request lists; and who sees which buttons.

Production data goes in through the HTTP API (a version released with its reference profile,
ingested batches with a shifted feature, late labels, KPI values, evaluate now), with the
evaluation tests' `Monitor` and the releases tests' `Team`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from markupsafe import escape

from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.operations.charts import label
from tests.conftest import Accounts
from tests.monitoring.evaluation.helpers import DAY0, Monitor, frame, profile_of
from tests.pagekit import Visit, Visitor, field_error
from tests.releases.test_pages import main_of, rows_of
from tests.teams import Team

ROWS = 1_000
DATA = re.compile(r'<script type="application/json" id="monitoring-data">(.*?)</script>', re.S)


@pytest.fixture
def monitor(team: Team, app: FastAPI) -> Monitor:
    return Monitor(team, app)


@dataclass(frozen=True)
class Production:
    """Two days of production for one deployment: day 0 as in training, day 1 shifted (monthly
    charges and contract mix); labels only for day 0; retention fine on day 0, breached on day 1.
    """

    team: Team
    deployment: int
    retention: int
    day0: str
    day1: str

    @property
    def base(self) -> str:
        return f"/projects/{self.team.project}"

    @property
    def page(self) -> str:
        return f"{self.base}/deployments/{self.deployment}"

    def alerts(self, **params: Any) -> list[dict[str, Any]]:
        found = self.team.get(self.team.owner, "/alerts", per_page=200, **params)
        assert found.status_code == 200, found.text
        items: list[dict[str, Any]] = found.json()["items"]
        return items

    def alert(self, source: str) -> dict[str, Any]:
        [found] = [a for a in self.alerts() if a["source"] == source]
        return found


def _scores(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    noise = rng.normal(0, 1.0, len(labels))
    scores: np.ndarray = 1 / (1 + np.exp(-(noise + 2.0 * labels - 1.0)))
    return scores


def produce(monitor: Monitor, *, evaluate: bool = True) -> Production:
    team = monitor.team
    rng = np.random.default_rng(17)
    deployment = monitor.deploy(profile_of(frame(rng, 5_000)))
    rule = team.post(
        team.engineer,
        "/alert-rules",
        {"kind": "drift", "name": "Feature drift", "params": {"granularity": "day"}},
    )
    assert rule.status_code == 201, rule.text
    retention = monitor.add_kpi()  # a daily business KPI: alert below 0.75, target 0.9
    for day, shifted in [(0, False), (1, True)]:
        at = DAY0 + timedelta(days=day, hours=10)
        labels = (rng.random(ROWS) < 0.3).astype(float)
        ids = [f"d{day}-c{i}" for i in range(ROWS)]
        data = frame(rng, ROWS, shifted=shifted)
        sent = monitor.send_batch(team.engineer, deployment, at, data, ids, _scores(rng, labels))
        assert sent.status_code == 201, sent.text
        if day == 0:  # day 1's outcomes are not known yet
            delivered = monitor.send_labels(team.engineer, deployment, ids, labels)
            assert delivered.status_code == 201, delivered.text
        value = 0.82 if day == 0 else 0.70
        reported = monitor.send_kpi(team.owner, retention, at, value)
        assert reported.status_code == 201, reported.text
    if evaluate:
        monitor.evaluate(deployment)
    return Production(
        team,
        deployment,
        retention,
        label(Granularity.DAY, DAY0),
        label(Granularity.DAY, DAY0 + timedelta(days=1)),
    )


@pytest.fixture
def production(monitor: Monitor) -> Production:
    return produce(monitor)


def chart_data(html: str) -> dict[str, Any]:
    found = DATA.search(html)
    assert found, "the page embeds its chart data"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def _cell(heat: dict[str, Any], feature: str, window: str) -> dict[str, Any]:
    [cell] = [c for c in heat["cells"] if c["y"] == feature and c["x"] == window]
    return cell


def test_the_deployment_page_draws_drift_performance_and_kpis_from_stored_evaluations(
    production: Production, visit: Visit
) -> None:
    viewer = visit(production.team.viewer)
    page = viewer.get(production.page)
    assert page.status_code == 200, page.text
    html = page.text
    assert "churn-model version 1 in production" in html
    assert "requested by olivia, approved by emma, sam" in html
    # Charts come from the library, fed by the JSON block; no inline script.
    for script in (
        "vendor/chart.umd.min.js",
        "vendor/chartjs-chart-matrix.min.js",
        "monitoring.js",
    ):
        assert f'<script src="/static/{script}" defer></script>' in html, script
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)

    data = chart_data(html)
    heat = data["heatmap"]
    assert heat["threshold"] == 1.0
    assert {production.day0, production.day1} <= set(heat["x"])
    today = Granularity.DAY.start_of(datetime.now(UTC))
    assert len(heat["x"]) == (today - DAY0).days + 1  # from the first window's day to today
    shifted = _cell(heat, "monthly_charges", production.day1)
    calm = _cell(heat, "monthly_charges", production.day0)
    assert shifted["v"] >= 1
    assert shifted["drifted"] is True
    assert calm["v"] < 1
    assert calm["drifted"] is False
    assert _cell(heat, "tenure", production.day1)["v"] < 1  # tenure never moves
    assert any("threshold" in line for line in shifted["methods"])  # the tooltip's values
    assert heat["y"][0] in ("monthly_charges", "contract")  # most drifted first
    # The table carries the same scores for readers without the chart.
    drift_table = re.search(r'<table class="drift">(.*?)</table>', html, re.S)
    assert drift_table
    assert f"{shifted['v']:.2f}" in drift_table.group(1)

    perf = data["performance"]
    assert perf["task"] == "binary"
    day0, day1 = perf["x"].index(production.day0), perf["x"].index(production.day1)
    metrics = {m["key"]: m["values"] for m in perf["metrics"]}
    assert set(metrics) == {"roc_auc", "accuracy", "recall"}
    assert 0.5 < metrics["roc_auc"][day0] <= 1
    assert metrics["roc_auc"][day1] is None  # labels arrive late: a gap
    assert perf["labelled_share"][day0] == 1.0
    assert perf["labelled_share"][day1] is None

    [retention] = data["kpis"]
    assert retention["name"] == "retention"
    assert retention["threshold"] == 0.75  # drawn as a horizontal line
    assert retention["target"] == 0.9
    kday0, kday1 = retention["x"].index(production.day0), retention["x"].index(production.day1)
    assert retention["values"][kday0] == pytest.approx(0.82)
    assert retention["values"][kday1] == pytest.approx(0.70)
    assert retention["breached"][kday1] is True

    # A viewer sees everything but no form.
    assert 'method="post"' not in main_of(html)
    assert "Open alerts" in html

    hours = chart_data(viewer.get(f"{production.page}?granularity=hour").text)["heatmap"]
    assert len(hours["x"]) <= 48
    shifted_hour = label(Granularity.HOUR, DAY0 + timedelta(days=1, hours=10))
    assert _cell(hours, "monthly_charges", shifted_hour)["v"] >= 1

    # Older pages: the first window is the oldest there is, so there is nothing older.
    assert "← Older</span>" in html
    old = viewer.get(f"{production.page}?end=2020-01-01T00:00Z")
    assert old.status_code == 200
    assert "No production data in this period." in old.text
    assert 'rel="next"' in old.text  # back towards today
    assert viewer.get(f"{production.page}?end=0001-01-02T00:00Z").status_code == 200
    assert viewer.get(f"{production.page}?end=yesterday").status_code == 422
    assert viewer.get(f"{production.page}?granularity=week").status_code == 422
    missing = viewer.get(f"{production.base}/deployments/999")
    assert missing.status_code == 404
    assert "no deployment 999" in missing.text


def _action(base: str, alert_id: int, action: str) -> str:
    """The form of an alert's action, as its attribute on the page."""
    return f'action="{base}/alerts/{alert_id}/{action}"'


def test_alerts_are_acknowledged_and_resolved_through_the_forms(
    production: Production, visit: Visit
) -> None:
    team = production.team
    drift, kpi = production.alert("drift"), production.alert("kpi")
    assert kpi["severity"] == "critical"

    engineer = visit(team.engineer)
    html = engineer.get(production.page).text
    rows = rows_of(html, "alerts")
    assert len(rows) == 2
    assert "Critical" in rows[0]  # most severe first
    assert escape(kpi["title"]) in rows[0]
    assert escape(drift["title"]) in rows[1]
    for alert in (drift, kpi):
        for action in ("acknowledge", "resolve", "change"):
            assert _action(production.base, alert["id"], action) in html, action
    assert f'name="deployment" value="{production.deployment}"' in html

    viewer = visit(team.viewer).get(production.page).text
    assert escape(kpi["title"]) in viewer
    assert "/acknowledge" not in viewer
    assert "/resolve" not in viewer

    # The customer may acknowledge and resolve too.
    customer = visit(team.customer)
    customer.get(production.page)
    url = f"{production.base}/alerts/{kpi['id']}"
    acked = customer.post(f"{url}/acknowledge", {"deployment": str(production.deployment)})
    assert acked.status_code == 303
    assert acked.headers["location"] == (f"{production.page}?done=acknowledged#alert-{kpi['id']}")
    page = customer.get(acked.headers["location"]).text
    assert "Alert acknowledged" in page
    row = next(r for r in rows_of(page, "alerts") if escape(kpi["title"]) in r)
    assert "Acknowledged</span>" in row
    assert "by sam" in row
    assert _action(production.base, kpi["id"], "acknowledge") not in page
    assert team.get(team.owner, f"/alerts/{kpi['id']}").json()["status"] == "acknowledged"

    twice = customer.post(f"{url}/acknowledge", {"deployment": str(production.deployment)})
    assert twice.status_code == 409
    assert "only an open alert can be acknowledged" in twice.text
    assert 'role="alert"' in twice.text
    assert "Drift: how far" in twice.text  # the deployment's page, not a bare error page

    blank = engineer.post(
        f"{url}/resolve", {"deployment": str(production.deployment)} | {"resolution": "  "}
    )
    assert blank.status_code == 422
    message = re.search(
        rf'<p class="field-error" id="alert-{kpi["id"]}-resolution-error">([^<]*)</p>', blank.text
    )
    assert message
    assert "say what was done about it" in message.group(1)
    assert team.get(team.owner, f"/alerts/{kpi['id']}").json()["status"] == "acknowledged"

    resolved = engineer.post(
        f"{url}/resolve",
        {"deployment": str(production.deployment), "resolution": "campaign ended"},
    )
    assert resolved.status_code == 303
    page = engineer.get(resolved.headers["location"]).text
    assert "Alert resolved." in page
    assert len(rows_of(page, "alerts")) == 1  # only the drift alert is left open
    found = team.get(team.owner, f"/alerts/{kpi['id']}").json()
    assert (found["status"], found["resolution"], found["resolved_by"]) == (
        "resolved",
        "campaign ended",
        "emma",
    )

    # From the alerts page, the forms come back to the alerts page.
    engineer.get(f"{production.base}/alerts")
    done = engineer.post(f"{production.base}/alerts/{drift['id']}/acknowledge", {})
    assert done.status_code == 303
    assert done.headers["location"] == (
        f"{production.base}/alerts?done=acknowledged#alert-{drift['id']}"
    )
    # Forms without the CSRF token are refused.
    forged = engineer.post(f"{production.base}/alerts/{drift['id']}/resolve", {}, csrf=False)
    assert forged.status_code == 403
    assert team.get(team.owner, f"/alerts/{drift['id']}").json()["status"] == "acknowledged"


def test_a_change_request_from_an_alert_is_proposed_and_approved_through_the_forms(
    production: Production, visit: Visit
) -> None:
    team = production.team
    kpi = production.alert("kpi")
    engineer = visit(team.engineer)
    engineer.get(production.page)
    opened = engineer.post(
        f"{production.base}/alerts/{kpi['id']}/change", {"deployment": str(production.deployment)}
    )
    assert opened.status_code == 303
    location = opened.headers["location"]
    found = re.fullmatch(rf"{production.base}/changes/(\d+)\?done=opened", location)
    assert found
    change_id = int(found.group(1))
    url = f"{production.base}/changes/{change_id}"
    change = team.get(team.owner, f"/changes/{change_id}").json()
    # A KPI alert belongs to no deployment; opened from this page, the request is about it.
    assert change["deployment_id"] == production.deployment
    assert change["alert_id"] == kpi["id"]

    page = engineer.get(location).text
    assert "Change request opened" in page
    assert escape(kpi["title"]) in page
    assert "KPI: retention: <strong>0.7</strong>" in page  # evidence: the value and threshold
    assert "(threshold 0.75)" in page
    assert re.search(rf'href="{production.page}\?end=[^"]+">day window from', page)
    assert f'action="{url}/decision"' in page
    assert f'action="{url}/approve"' not in page  # nothing proposed yet

    # The alert now links to its request instead of offering another.
    deployment_page = engineer.get(production.page).text
    assert f'href="{url}">change request {change_id}</a>' in deployment_page
    assert _action(production.base, kpi["id"], "change") not in deployment_page
    assert f'<tr id="change-{change_id}">' in deployment_page
    again = engineer.post(
        f"{production.base}/alerts/{kpi['id']}/change", {"deployment": str(production.deployment)}
    )
    assert again.status_code == 409
    assert f"already has change request {change_id}" in again.text

    decision = {"option": "redeploy", "rationale": "", "version": ""}
    refused = engineer.post(f"{url}/decision", decision)
    assert refused.status_code == 422
    assert "a redeploy needs the version" in field_error(refused.text, "version")
    assert "say why" in field_error(refused.text, "rationale")
    unknown = engineer.post(f"{url}/decision", decision | {"rationale": "v9", "version": "9"})
    assert unknown.status_code == 422
    assert "not a version of the deployed model" in field_error(unknown.text, "version")
    rollback = engineer.post(f"{url}/decision", {"option": "roll_back", "rationale": "undo"})
    assert rollback.status_code == 409
    assert "no earlier deployment" in field_error(rollback.text, "option")

    proposed = engineer.post(
        f"{url}/decision",
        {"option": "retrain", "rationale": "customers changed", "version": ""},
    )
    assert proposed.status_code == 303
    page = engineer.get(proposed.headers["location"]).text
    assert "Decision proposed" in page
    assert re.search(r"ML team <span aria-hidden=\"true\">✓</span>", page)
    assert re.search(r"customer <span aria-hidden=\"true\">—</span>", page)
    assert "You proposed this decision" in page
    assert f'action="{url}/approve"' not in page
    own = engineer.post(f"{url}/approve", {"comment": "me too"})
    assert own.status_code == 409
    assert "counts as your approval" in own.text

    customer = visit(team.customer)
    offered = customer.get(url).text
    assert f'action="{url}/approve"' in offered
    approved = customer.post(f"{url}/approve", {"comment": "agreed"})
    assert approved.status_code == 303
    page = customer.get(approved.headers["location"]).text
    assert "Your approval is recorded." in page
    assert "Decided</span>" in page
    assert "A retrain was requested" in page
    assert f'action="{url}/decision"' not in page  # decided: no more forms
    assert "agreed" in page

    listing = visit(team.viewer).get(f"{production.base}/changes").text
    [row] = rows_of(listing, "changes")
    assert "Decided" in row
    assert "Retrain" in row
    assert f'href="{production.page}">deployment {production.deployment}</a>' in row
    decided_only = visit(team.viewer).get(f"{production.base}/changes?status=open").text
    assert "No open change requests." in decided_only


def test_the_health_page_shows_red_with_the_breached_kpi(
    monitor: Monitor, visit: Visit, project: str
) -> None:
    team = monitor.team
    viewer = visit(team.viewer)
    assert "Nothing runs in production yet." in viewer.get(f"/projects/{project}/health").text

    production = produce(monitor, evaluate=False)
    before = viewer.get(f"/projects/{project}/health").text
    assert 'class="light green"' in before
    assert "No production data has been evaluated yet." in before
    assert 'retention: <span class="muted">no value reported yet</span>' in before

    monitor.evaluate(production.deployment)
    overview = viewer.get(f"/projects/{project}").text
    assert f'href="/projects/{project}/health"' in overview
    page = viewer.get(f"/projects/{project}/health")
    assert page.status_code == 200
    html = page.text
    assert '<p class="health-overall"><span class="light red">' in html
    line = re.search(rf'<li class="card health-line (\w+)" id="health-{production.deployment}">'
                     r"(.*?)</ul>\s*</li>", html, re.S)  # fmt: skip
    assert line, "one line for the production deployment"
    light, text = line.groups()
    assert light == "red"
    assert "Needs action" in text
    assert "churn-model version 1</a>" in text
    assert re.search(
        r"looks different from the training data in <strong>\d features?</strong>", text
    )
    assert "monthly_charges" in text
    assert "✗</span>" in text  # the KPI's mark, with words for screen readers
    assert "past its alert threshold</span> retention: <strong>0.7</strong>" in text
    assert "past its alert level of 0.75" in text
    assert "1 open alert</a>" in text  # the drift alert, for this model
    assert "1 about the business KPIs</a>" in text
    assert "No change requests under discussion" in text

    # Resolving every alert and reporting a good value turns the line green.
    for alert in production.alerts(status="open"):
        done = team.post(team.engineer, f"/alerts/{alert['id']}/resolve", {"resolution": "ok"})
        assert done.status_code == 200, done.text
    at = DAY0 + timedelta(days=2)  # today, 00:00: never in the future
    assert monitor.send_kpi(team.owner, production.retention, at, 0.95).status_code == 201
    monitor.evaluate(production.deployment)
    html = viewer.get(f"/projects/{project}/health").text
    assert f'<li class="card health-line green" id="health-{production.deployment}">' in html
    assert "within its alert level of 0.75" in html
    assert "No open alerts for this model" in html


def test_alerts_of_a_replaced_deployment_do_not_colour_the_health(
    monitor: Monitor, visit: Visit, project: str
) -> None:
    production = produce(monitor)
    team = monitor.team
    kpi = production.alert("kpi")
    assert (
        team.post(team.engineer, f"/alerts/{kpi['id']}/resolve", {"resolution": "ok"}).status_code
        == 200
    )
    at = DAY0 + timedelta(days=2)
    assert monitor.send_kpi(team.owner, production.retention, at, 0.95).status_code == 201
    monitor.evaluate(production.deployment)
    # A new version replaces the deployment; the old one's drift alert stays open.
    newer = monitor.deploy(None)
    assert production.alert("drift")["status"] == "open"

    html = visit(team.viewer).get(f"/projects/{project}/health").text
    assert f'<li class="card health-line green" id="health-{newer}">' in html
    assert f'id="health-{production.deployment}"' not in html
    assert '<p class="health-overall"><span class="light green">' in html


def test_the_alerts_page_filters_and_pages(monitor: Monitor, visit: Visit, project: str) -> None:
    team = monitor.team
    deployment = monitor.deploy(None)
    kpis = [monitor.add_kpi(name=f"kpi {i:02d}") for i in range(26)]
    at = DAY0 + timedelta(hours=5)
    for kpi in kpis:
        assert monitor.send_kpi(team.owner, kpi, at, 0.5).status_code == 201
    monitor.evaluate(deployment)
    first = team.get(team.owner, "/alerts", per_page=200).json()["items"][-1]
    assert team.post(team.owner, f"/alerts/{first['id']}/acknowledge").status_code == 200

    me = visit(team.viewer)
    url = f"/projects/{project}/alerts"
    page = me.get(url).text
    assert re.search(r"<h2>Manage &amp; Trust</h2>\s*<ul>\s*<li><a href=\"/projects/churn/health\"",
                     page)  # fmt: skip
    assert 'aria-current="page">Alerts' in page
    assert len(rows_of(page, "alerts")) == 25
    assert "Page 1 of 2 (26 in all)" in page
    assert "a charter KPI, for the whole project" in page
    assert 'method="post"' not in main_of(page)
    second = me.get(f"{url}?page=2").text
    assert len(rows_of(second, "alerts")) == 1
    acked = me.get(f"{url}?status=acknowledged").text
    [row] = rows_of(acked, "alerts")
    assert escape(first["title"]) in row
    assert '<option value="acknowledged" selected>' in acked
    assert "Page 1 of" not in acked
    assert len(rows_of(me.get(f"{url}?severity=critical&status=open").text, "alerts")) == 25
    assert "No alerts match these filters." in me.get(f"{url}?severity=info").text
    assert "There are fewer pages than that." in me.get(f"{url}?page=9").text
    assert me.get(f"{url}?status=closed").status_code == 422

    engineer = visit(team.engineer).get(f"{url}?status=acknowledged").text
    base = f"/projects/{project}"
    assert _action(base, first["id"], "resolve") in engineer
    assert _action(base, first["id"], "acknowledge") not in engineer  # acknowledged


def test_who_sees_and_posts_what(production: Production, visit: Visit, accounts: Accounts) -> None:
    team = production.team
    kpi = production.alert("kpi")
    opened = team.post(team.engineer, "/changes", {"alert_id": kpi["id"]})
    assert opened.status_code == 201, opened.text
    change = opened.json()["id"]
    base = production.base
    pages = (
        f"/deployments/{production.deployment}",
        "/alerts",
        "/changes",
        f"/changes/{change}",
        "/health",
    )
    posts = {
        f"/alerts/{kpi['id']}/acknowledge": {},
        f"/alerts/{kpi['id']}/resolve": {"resolution": "x"},
        f"/alerts/{kpi['id']}/change": {},
        f"/changes/{change}/decision": {"option": "accept", "rationale": "fine"},
        f"/changes/{change}/approve": {"comment": ""},
    }
    viewer = visit(team.viewer)
    for page in pages:
        response = viewer.get(base + page)
        assert response.status_code == 200, page
        assert 'method="post"' not in main_of(response.text), page
    for page, body in posts.items():
        assert viewer.post(base + page, body).status_code == 403, page

    # The customer acknowledges and decides, like the ML team.
    customer = visit(team.customer)
    html = customer.get(f"{base}/changes/{change}").text
    assert f'action="{base}/changes/{change}/decision"' in html

    stranger: Visitor = visit(accounts.create("sid"))
    for page in pages:
        response = stranger.get(base + page)
        assert response.status_code == 404, page
        assert "that you can see" in response.text
    for page, body in posts.items():
        assert stranger.post(base + page, body).status_code == 404, page
    assert team.get(team.owner, f"/alerts/{kpi['id']}").json()["status"] == "open"
    assert team.get(team.owner, f"/changes/{change}").json()["status"] == "open"

    signed_out = visit().get(base + pages[0])
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login?next=")
