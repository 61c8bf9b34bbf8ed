"""The charter through the API: versions on every edit, diffs, derived lift, YAML round trip."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Account

KPI: dict[str, Any] = {
    "name": "Churn among contacted customers",
    "kind": "business",
    "unit": "%",
    "direction": "lower_is_better",
    "baseline": 26.5,
    "target": 20.0,
    "alert_threshold": 24.0,
    "measurement": "Share of contacted customers who cancel within 90 days.",
    "frequency": "monthly",
}


def _url(project: str, rest: str = "") -> str:
    return f"/api/v1/projects/{project}{rest}"


def test_every_edit_makes_a_version_and_any_two_compare(
    client: TestClient, owner: Account, project: str
) -> None:
    h = owner.headers
    first = client.patch(
        _url(project, "/charter"),
        json={"problem_statement": "Customers leave.\nWe do not know who."},
        headers=h,
    )
    assert first.json()["version"] == 2
    unchanged = client.patch(
        _url(project, "/charter"),
        json={"problem_statement": first.json()["problem_statement"]},
        headers=h,
    )
    assert unchanged.json()["version"] == 2  # no change, no version
    client.post(_url(project, "/kpis"), json=KPI, headers=h)
    edited = client.patch(
        _url(project, "/charter"),
        json={"problem_statement": "Customers leave.\nWe know who, too late."},
        headers=h,
    )
    assert edited.json()["version"] == 4
    versions = client.get(_url(project, "/charter/versions"), headers=h).json()
    assert [v["version"] for v in versions] == [4, 3, 2, 1]
    assert versions[1]["change"] == f"added KPI {KPI['name']}"
    diff = client.get(_url(project, "/charter/diff?from=2&to=4"), headers=h).json()
    paths = [c["path"] for c in diff["changes"]]
    assert paths == ["charter.problem_statement", f"kpis[{KPI['name']}]"]
    text_change = diff["changes"][0]
    assert "-We do not know who." in text_change["diff"]
    assert "+We know who, too late." in text_change["diff"]
    snapshot = client.get(_url(project, "/charter/versions/3"), headers=h).json()
    assert snapshot["kpis"][0]["target"] == 20.0
    assert client.get(_url(project, "/charter/versions/99"), headers=h).status_code == 404


def test_changed_threshold_shows_in_the_diff(
    client: TestClient, owner: Account, project: str
) -> None:
    kpi = client.post(_url(project, "/kpis"), json=KPI, headers=owner.headers).json()
    client.patch(
        _url(project, f"/kpis/{kpi['id']}"), json={"alert_threshold": 25.0}, headers=owner.headers
    )
    diff = client.get(_url(project, "/charter/diff?from=2&to=3"), headers=owner.headers).json()
    assert diff["changes"] == [
        {
            "path": f"kpis[{KPI['name']}].alert_threshold",
            "before": 24.0,
            "after": 25.0,
            "diff": [],
        }
    ]


def test_expected_lift_is_derived_in_the_kpis_direction(
    client: TestClient, owner: Account, project: str
) -> None:
    lower = client.post(_url(project, "/kpis"), json=KPI, headers=owner.headers).json()
    assert lower["expected_lift"] == 6.5  # 26.5 → 20.0 is an improvement of 6.5 points
    assert round(lower["expected_lift_percent"], 3) == 24.528
    higher = client.post(
        _url(project, "/kpis"),
        json={
            **KPI,
            "name": "AUC",
            "kind": "analytic",
            "unit": "",
            "direction": "higher_is_better",
            "baseline": 0.0,
            "target": 0.8,
            "alert_threshold": 0.75,
        },
        headers=owner.headers,
    ).json()
    assert higher["expected_lift"] == 0.8
    assert higher["expected_lift_percent"] is None  # no baseline to be relative to
    typed = client.post(
        _url(project, "/kpis"), json={**KPI, "name": "X", "expected_lift": 3}, headers=owner.headers
    )
    assert typed.status_code == 422  # derived, never typed in
    assert typed.json()["error"]["fields"][0]["field"] == "expected_lift"


def test_yaml_round_trips_and_import_replaces_the_charter(
    client: TestClient, owner: Account, project: str
) -> None:
    h = owner.headers
    client.patch(_url(project, "/charter"), json={"risks": "Data drift.\nLate labels."}, headers=h)
    client.post(_url(project, "/kpis"), json=KPI, headers=h)
    client.post(
        _url(project, "/stakeholders"), json={"name": "Ana", "organisation": "Telco"}, headers=h
    )
    first = client.get(_url(project, "/charter.yaml"), headers=h)
    assert first.headers["content-type"].startswith("application/yaml")
    yaml_headers = {**h, "content-type": "application/yaml"}
    before = client.get(_url(project, "/charter"), headers=h).json()["version"]
    reimported = client.put(
        _url(project, "/charter.yaml"), content=first.text, headers=yaml_headers
    )
    assert reimported.status_code == 200
    assert reimported.json()["version"] == before  # the same file changes nothing
    second = client.get(_url(project, "/charter.yaml"), headers=h)
    assert second.text == first.text

    edited = first.text.replace("target: 20.0", "target: 18.0").replace(
        "- name: Ana\n  organisation: Telco", "- name: Bo\n  organisation: Telco"
    )
    assert edited != first.text
    applied = client.put(_url(project, "/charter.yaml"), content=edited, headers=yaml_headers)
    assert applied.json()["version"] == before + 1
    assert client.get(_url(project, "/kpis"), headers=h).json()[0]["target"] == 18.0
    people = [s["name"] for s in client.get(_url(project, "/stakeholders"), headers=h).json()]
    assert people == ["Bo"]
    assert client.get(_url(project, "/charter.yaml"), headers=h).text == edited
    imported = client.get(_url(project, "/events?type=charter.imported"), headers=h).json()
    assert imported["items"][0]["payload"]["stakeholders"] == {
        "added": ["Bo (Telco)"],
        "removed": ["Ana (Telco)"],
    }


def test_events_filter_and_paginate(client: TestClient, owner: Account, project: str) -> None:
    for i in range(5):
        client.patch(_url(project, "/charter"), json={"risks": f"risk {i}"}, headers=owner.headers)
    page = client.get(_url(project, "/events?per_page=2&page=2"), headers=owner.headers).json()
    assert page["total"] >= 8
    assert len(page["items"]) == 2
    assert page["page"] == 2
    versions = client.get(
        _url(project, "/events?type=charter.version_created&actor=olivia"), headers=owner.headers
    ).json()
    assert versions["total"] == 6  # created + five edits
    assert all(e["type"] == "charter.version_created" for e in versions["items"])
    newest = versions["items"][0]["at"]
    later = client.get(
        _url(project, "/events"),
        params={"since": newest, "type": "charter.version_created"},
        headers=owner.headers,
    ).json()
    assert later["total"] == 1
    nobody = client.get(_url(project, "/events?actor=mallory"), headers=owner.headers).json()
    assert nobody["total"] == 0
    verified = client.get(_url(project, "/audit/verify"), headers=owner.headers).json()
    assert verified["ok"] is True
    assert verified["checked"] == page["total"]
