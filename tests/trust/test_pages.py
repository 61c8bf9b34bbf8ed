"""The model registry pages: versions with their scan badges, a version's page warning about an
unsafe artifact (whose download asks first) and downloading a safe one directly, the gate runs,
archive and restore, the model card as a page and as Markdown, and what stakeholders may do."""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio
from fastapi.testclient import TestClient
from sklearn.linear_model import LogisticRegression

from tests.conftest import Account, Accounts
from tests.pagekit import Visit, add_kpi, add_member

API = "/api/v1/projects/{project}/models/churn-model/versions"
PAGES = "/projects/{project}/models/churn-model/versions"


class _Payload:
    """A pickle that would create a file if anything ever loaded it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def _skops_model() -> bytes:
    x = np.random.default_rng(1).random((60, 3))
    data: bytes = sio.dumps(LogisticRegression().fit(x, x[:, 0] > 0.5))
    return data


def _registry(client: TestClient, owner: Account, project: str, marker: Path) -> bytes:
    """Version 1 holds a malicious pickle; version 2 (built from run 1 on a registered source,
    retraining version 1, with a gate run) holds a skops model. Returns the skops bytes."""
    add_kpi(client, owner, project)
    source = {"name": "CRM export", "kind": "database", "personal_data": False}
    for url, body in (
        (f"/api/v1/projects/{project}/data-sources", source),
        (f"/api/v1/projects/{project}/runs", {"data_sources": ["CRM export"]}),
        (API.format(project=project), {"description": "First try"}),
        (
            API.format(project=project),
            {
                "description": "Retrained on March",
                "runs": [1],
                "parent_version": 1,
                "evaluation_metrics": {"recall_at_capacity": 0.75},
                "intended_use": "Rank customers for the retention team's calls.",
            },
        ),
    ):
        response = client.post(url, json=body, headers=owner.headers)
        assert response.status_code == 201, response.text
    skops = _skops_model()
    uploads = ((1, pickle.dumps(_Payload(marker)), "model.pkl"), (2, skops, "model.skops"))
    for version, data, filename in uploads:
        response = client.put(
            API.format(project=project) + f"/{version}/artifact",
            params={"filename": filename},
            content=data,
            headers={**owner.headers, "content-type": "application/octet-stream"},
        )
        assert response.status_code == 200, response.text
    fairness = {
        "gate": "fairness",
        "type_key": "continuum:gate:fairness",
        "status": "failed",
        "message": "demographic parity difference 0.31 above 0.1",
        "details": {
            "features": [
                {
                    "feature": "senior_citizen",
                    "demographic_parity_difference": 0.31,
                    "equalized_odds_difference": 0.2,
                    "groups": [{"group": "yes", "count": 40.0, "selection_rate": 0.5}],
                }
            ]
        },
    }
    response = client.post(
        API.format(project=project) + "/2/gate-runs",
        json={"results": [fairness], "commit": "abc123"},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    return skops


def _main(html: str) -> str:
    return html.split("<main", 1)[1]


def test_versions_show_their_scan_and_unsafe_downloads_ask_first(
    client: TestClient, visit: Visit, owner: Account, project: str, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    skops = _registry(client, owner, project, marker)
    me = visit(owner)
    pages = PAGES.format(project=project)

    listing = me.get(f"/projects/{project}/models").text
    assert re.search(r'<h2>Build</h2>\s*<ul>.*href="/projects/churn/models"', listing, re.S)
    assert '<span class="badge bad strong">UNSAFE</span>' in listing
    assert '<span class="badge good">Safe</span>' in listing
    assert "Failed" in listing  # version 2's latest gate run
    assert f'href="{pages}/1"' in listing

    unsafe = me.get(f"{pages}/1")
    assert unsafe.status_code == 200
    banner = re.search(r'<div class="alert unsafe" role="alert">(.*?)</div>', unsafe.text, re.S)
    assert banner, "the unsafe artifact is flagged at the top"
    assert "system" in banner.group(1)  # the scanner's finding names the call
    ask = me.get(f"{pages}/1/artifact")
    assert ask.status_code == 200
    assert ask.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in ask.text
    assert "Download anyway" in ask.text
    confirmed = me.get(f"{pages}/1/artifact?confirm=yes")
    assert confirmed.headers["x-continuum-scan"] == "unsafe"
    assert confirmed.content.startswith(b"\x80")  # the pickle's bytes, never loaded
    assert not marker.exists()

    safe = me.get(f"{pages}/2").text
    assert 'class="alert unsafe"' not in safe
    assert f'href="/projects/{project}/runs/1"' in safe
    assert f'href="{pages}/1">Version 1' in safe  # the parent
    assert "/data#source-CRM_export" in safe
    assert "demographic parity difference 0.31 above 0.1" in safe  # the gate runs table
    assert "abc123" in safe
    downloaded = me.get(f"{pages}/2/artifact")
    assert downloaded.status_code == 200
    assert downloaded.content == skops
    assert downloaded.headers["x-continuum-scan"] == "safe"
    assert 'filename="model.skops"' in downloaded.headers["content-disposition"]

    # A damaged archive cannot be scanned: a grey note gives the reason, not a red alarm.
    assert client.post(API.format(project=project), json={}, headers=owner.headers).is_success
    client.put(
        API.format(project=project) + "/3/artifact",
        params={"filename": "model.zip"},
        content=b"PK\x03\x04 not really a zip",
        headers={**owner.headers, "content-type": "application/octet-stream"},
    )
    unscanned = me.get(f"{pages}/3").text
    note = re.search(r'<div class="note" role="note">(.*?)</div>', unscanned, re.S)
    assert note, "the page says the file was not scanned"
    assert "damaged" in note.group(1)
    assert (
        '<span class="badge grey">Not scanned</span>' in me.get(f"/projects/{project}/models").text
    )

    missing = me.get(f"{pages}/9")
    assert missing.status_code == 404
    assert "no version 9" in missing.text


def test_the_card_page_and_markdown_show_kpis_compliance_and_fairness(
    client: TestClient, visit: Visit, owner: Account, project: str, tmp_path: Path
) -> None:
    _registry(client, owner, project, tmp_path / "pwned")
    me = visit(owner)
    card = me.get(PAGES.format(project=project) + "/2/card")
    assert card.status_code == 200
    page = card.text
    assert "Rank customers for the retention team" in page
    assert re.search(r"Recall at capacity</th>.*?Meets target", page, re.S)
    assert re.search(r"CRM export</a> \(database\):\s*<span class=\"badge good\">Compliant", page)
    assert "senior_citizen" in page
    assert "0.310" in page
    assert 'href="/projects/churn/models/churn-model/versions/2/card.md"' in page
    markdown = me.get(PAGES.format(project=project) + "/2/card.md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "# Model card: churn-model version 2" in markdown.text
    assert "meets target" in markdown.text
    unsafe_card = me.get(PAGES.format(project=project) + "/1/card").text
    assert '<div class="alert unsafe" role="alert">' in unsafe_card


def test_archive_restore_and_what_stakeholders_may_do(
    client: TestClient,
    visit: Visit,
    accounts: Accounts,
    owner: Account,
    project: str,
    tmp_path: Path,
) -> None:
    _registry(client, owner, project, tmp_path / "pwned")
    version = PAGES.format(project=project) + "/2"
    customer = accounts.create("cora")
    add_member(client, owner, project, customer, "stakeholder")
    them = visit(customer)
    for page in ("", "/card"):
        response = them.get(version + page)
        assert response.status_code == 200, page
        assert 'method="post"' not in _main(response.text), page
    assert them.get(version + "/card.md").status_code == 200
    assert them.post(version + "/status", {"status": "archived"}).status_code == 403

    me = visit(owner)
    assert 'value="archived"' in me.get(version).text
    archived = me.post(version + "/status", {"status": "archived"})
    assert archived.status_code == 303
    page = me.get(archived.headers["location"]).text
    assert "Version saved." in page
    assert "Archived" in page
    assert 'value="candidate"' in page  # restore
    refused = me.post(version + "/status", {"status": "approved"})
    assert refused.status_code == 409
    assert "only through a release request" in refused.text
    assert 'role="alert"' in refused.text
    assert me.post(version + "/status", {"status": "candidate"}).status_code == 303
    api = client.get(API.format(project=project) + "/2", headers=owner.headers).json()
    assert api["status"] == "candidate"
