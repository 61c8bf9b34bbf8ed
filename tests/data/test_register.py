"""The data-source register: records, live compliance rules, permissions and bad input."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mlcontinuum.data import rules
from mlcontinuum.data.schemas import DataSourceFields
from tests.conftest import Account, Accounts

CRM: dict[str, Any] = {
    "name": "CRM customer extract",
    "owner": "Northwind CRM team",
    "location": "s3://northwind-ml/crm/2026-10.parquet",
    "kind": "file",
    "personal_data": True,
    "personal_data_categories": ["contact details", "contract and billing"],
    "lawful_basis": "legitimate_interests",
    "retention_days": 365,
    "retention_starts_on": "2026-10-01",
    "access_approved_by": "Dana Data-Protection",
    "access_approved_on": "2026-10-03",
}


def _url(project: str, rest: str = "") -> str:
    return f"/api/v1/projects/{project}/data-sources{rest}"


def _rules_broken(source: dict[str, Any]) -> set[str]:
    return {v["rule"].rsplit(":", 1)[1] for v in source["violations"]}


def test_a_complete_record_is_compliant(client: TestClient, owner: Account, project: str) -> None:
    created = client.post(_url(project), json=CRM, headers=owner.headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["violations"] == []
    assert body["compliant"] is True
    assert body["retention_expires_on"] == "2027-10-01"
    listed = client.get(_url(project), headers=owner.headers).json()
    assert [s["name"] for s in listed] == [CRM["name"]]


@pytest.mark.parametrize(
    ("change", "broken", "compliant"),
    [
        ({"lawful_basis": None}, {"lawful_basis"}, False),
        ({"special_categories": ["health"]}, {"special_categories_dpia"}, False),
        ({"special_categories": ["health"], "dpia_reference": "DPIA-2026-07"}, set(), True),
        ({"retention_starts_on": "2020-01-01"}, {"retention_expired"}, False),
        ({"retention_days": None}, {"retention_recorded"}, True),
        ({"access_approved_by": ""}, {"access_approved"}, True),
        ({"access_approved_on": "2999-01-01"}, {"access_approved"}, True),
    ],
)
def test_rules_flag_what_is_missing(
    client: TestClient,
    owner: Account,
    project: str,
    change: dict[str, Any],
    broken: set[str],
    compliant: bool,
) -> None:
    body = client.post(_url(project), json={**CRM, **change}, headers=owner.headers).json()
    assert _rules_broken(body) == broken
    assert body["compliant"] is compliant
    assert all(v["message"] for v in body["violations"])


def test_compliance_is_evaluated_live_not_stored() -> None:
    """The same record passes today and fails once its retention period is over."""
    record = DataSourceFields.model_validate({**CRM, "retention_starts_on": date(2026, 1, 1)})
    expiry = date(2026, 1, 1) + timedelta(days=365)
    assert rules.evaluate(record, expiry) == []
    late = rules.evaluate(record, expiry + timedelta(days=1))
    assert [v.rule for v in late] == ["continuum:compliance:retention_expired"]


def test_compliance_summary(client: TestClient, owner: Account, project: str) -> None:
    client.post(_url(project), json=CRM, headers=owner.headers)
    client.post(
        _url(project),
        json={**CRM, "name": "Call notes", "lawful_basis": None, "access_approved_by": ""},
        headers=owner.headers,
    )
    client.post(
        _url(project), json={"name": "Public holidays", "kind": "api"}, headers=owner.headers
    )
    summary = client.get(f"/api/v1/projects/{project}/compliance", headers=owner.headers).json()
    assert summary["sources"] == 3
    assert summary["compliant"] == 2
    assert summary["errors"] == 1
    assert summary["warnings"] == 2
    assert sorted(summary["violations"]) == ["Call notes", "Public holidays"]


def test_update_keeps_the_record_consistent(
    client: TestClient, owner: Account, project: str
) -> None:
    source = client.post(_url(project), json=CRM, headers=owner.headers).json()
    turned_off = client.patch(
        _url(project, f"/{source['id']}"), json={"personal_data": False}, headers=owner.headers
    )
    assert turned_off.status_code == 422  # categories are still listed
    assert "personal_data" in turned_off.json()["error"]["message"]
    cleaned = client.patch(
        _url(project, f"/{source['id']}"),
        json={"personal_data": False, "personal_data_categories": []},
        headers=owner.headers,
    )
    assert cleaned.status_code == 200
    assert cleaned.json()["violations"] == []
    events = client.get(
        f"/api/v1/projects/{project}/events?type=data_source.updated", headers=owner.headers
    ).json()
    assert events["total"] == 1
    assert events["items"][0]["payload"]["changes"] == {
        "personal_data": False,
        "personal_data_categories": [],
    }


def test_who_may_change_the_register(
    client: TestClient, accounts: Accounts, owner: Account, project: str
) -> None:
    customer = accounts.create("carla")
    client.put(
        f"/api/v1/projects/{project}/members",
        json={"username": "carla", "role": "stakeholder"},
        headers=owner.headers,
    )
    assert client.get(_url(project), headers=customer.headers).status_code == 200
    assert client.post(_url(project), json=CRM, headers=customer.headers).status_code == 403
    stranger = accounts.create("sam")
    assert client.get(_url(project), headers=stranger.headers).status_code == 404
    source = client.post(_url(project), json=CRM, headers=owner.headers).json()
    assert (
        client.delete(_url(project, f"/{source['id']}"), headers=customer.headers).status_code
        == 403
    )
    assert (
        client.delete(_url(project, f"/{source['id']}"), headers=owner.headers).status_code == 204
    )
    assert client.get(_url(project, f"/{source['id']}"), headers=owner.headers).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lawful_basis": "because"}, "lawful_basis"),
        ({"special_categories": ["shoe size"]}, "special_categories.0"),
        ({"kind": "carrier pigeon"}, "kind"),
        ({"retention_days": 0}, "retention_days"),
        ({"retention_starts_on": "last year"}, "retention_starts_on"),
        ({"name": ""}, "name"),
        ({"personal_data": False}, "personal_data_categories"),  # listed without personal data
        ({"fetch_now": True}, "fetch_now"),
    ],
)
def test_bad_records_are_refused(
    client: TestClient, owner: Account, project: str, change: dict[str, Any], field: str
) -> None:
    response = client.post(_url(project), json={**CRM, **change}, headers=owner.headers)
    assert response.status_code == 422
    assert field in {f["field"] for f in response.json()["error"]["fields"]}
    assert client.get(_url(project), headers=owner.headers).json() == []


def test_duplicate_names_conflict(client: TestClient, owner: Account, project: str) -> None:
    client.post(_url(project), json=CRM, headers=owner.headers)
    again = client.post(_url(project), json=CRM, headers=owner.headers)
    assert again.status_code == 409
    assert again.json()["error"]["fields"][0]["field"] == "name"


def test_a_source_in_a_runs_lineage_cannot_be_removed(
    client: TestClient, owner: Account, project: str
) -> None:
    source = client.post(_url(project), json=CRM, headers=owner.headers).json()
    client.post(
        f"/api/v1/projects/{project}/runs",
        json={"data_sources": [CRM["name"]]},
        headers=owner.headers,
    )
    refused = client.delete(_url(project, f"/{source['id']}"), headers=owner.headers)
    assert refused.status_code == 409
    assert "lineage of run 1" in refused.json()["error"]["message"]
    assert client.get(_url(project, f"/{source['id']}"), headers=owner.headers).status_code == 200
