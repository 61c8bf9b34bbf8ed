"""The release and deployment pages: requests listed waiting-first with their approvals against
the policy, a request's evidence, approving and rejecting through the real forms (self-approval
refused with the service's words), requesting a release from a version's page, the deployments
with rollback and the DORA figures, and who sees which buttons. Versions and releases are set up
through the API by the releases tests' `Team`."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Accounts
from tests.pagekit import Visit, field_error
from tests.teams import Team

PAGES = "/projects/{project}"
GATES = {
    "results": [
        {
            "gate": "metric_threshold",
            "type_key": "continuum:gate:metric_threshold",
            "status": "passed",
            "message": "auc 0.84 at least 0.8",
        },
        {
            "gate": "fairness",
            "type_key": "continuum:gate:fairness",
            "status": "failed",
            "required": False,
            "message": "demographic parity difference 0.31 above 0.1",
        },
    ],
    "commit": "abc123def",
}


def main_of(html: str) -> str:
    """The page without its header and navigation."""
    return html.split("<main", 1)[1]


def _pages(team: Team) -> str:
    return PAGES.format(project=team.project)


# What the owner says when releasing `version_with_evidence`, which breaks the release policy.
EXCEPTION = "The DPO signs the CRM export's lawful basis this week; the pilot cannot wait."


def version_with_evidence(team: Team) -> int:
    """A version built from a run on a registered source holding personal data without a
    lawful basis (a compliance error), with a gate run and no artifact: the default release
    policy refuses it, so its release needs an owner's override (`EXCEPTION`)."""
    source = {
        "name": "CRM export",
        "kind": "database",
        "personal_data": True,
        "personal_data_categories": ["contact details"],
    }
    assert team.post(team.owner, "/data-sources", source).status_code == 201
    run = team.post(team.owner, "/runs", {"name": "train", "data_sources": ["CRM export"]})
    assert run.status_code == 201, run.text
    created = team.post(
        team.owner, "/models/churn-model/versions", {"runs": [run.json()["number"]]}
    )
    assert created.status_code == 201, created.text
    number: int = created.json()["version"]
    gates = team.post(team.owner, f"/models/churn-model/versions/{number}/gate-runs", GATES)
    assert gates.status_code == 201, gates.text
    return number


def rows_of(html: str, table: str) -> list[str]:
    """The rows (with an id) of the page's table of that class, as HTML."""
    found = re.search(rf'<table class="{table}">(.*?)</table>', html, re.S)
    assert found, f"no {table} table"
    return re.findall(r"<tr id=\"[^\"]+\">(.*?)</tr>\s*(?=<tr id=|</tbody>)", found.group(1), re.S)


def test_the_list_shows_waiting_requests_first_with_their_approvals(
    team: Team, visit: Visit
) -> None:
    v1, v2 = team.version(), team.version()
    waiting = team.request(v2, strategy="canary", traffic_share=0.1)
    assert waiting.status_code == 201, waiting.text
    done = team.release(v1)
    assert done["id"] > waiting.json()["id"]
    me = visit(team.viewer)
    page = me.get(_pages(team) + "/releases")
    assert page.status_code == 200
    # The project navigation has a Deploy area with both pages.
    assert re.search(
        r"<h2>Deploy</h2>\s*<ul>\s*<li><a href=\"/projects/churn/releases\"[^>]*>Releases</a></li>"
        r"\s*<li><a href=\"/projects/churn/deployments\"[^>]*>Deployments</a>",
        page.text,
    )
    assert 'aria-current="page">Releases' in page.text
    rows = rows_of(page.text, "releases")
    assert len(rows) == 2
    pending, approved = rows
    assert f"churn-model version {v2}</a>" in pending  # older, but still waiting: on top
    assert "Canary 10 %" in pending
    assert ">Pending<" in pending
    assert re.search(r"ML team <span aria-hidden=\"true\">—</span>", pending)
    assert re.search(r"customer <span aria-hidden=\"true\">—</span>", pending)
    assert "olivia" in pending
    assert f"churn-model version {v1}</a>" in approved
    assert ">Approved<" in approved
    assert re.search(r"ML team <span aria-hidden=\"true\">✓</span>", approved)
    assert re.search(r"customer <span aria-hidden=\"true\">✓</span>", approved)
    assert "Full" in approved
    # A viewer may not request a release.
    assert "Request a release" not in page.text

    only = me.get(_pages(team) + "/releases?status=approved").text
    assert len(rows_of(only, "releases")) == 1
    assert '<option value="approved" selected>' in only
    none = me.get(_pages(team) + "/releases?status=rejected").text
    assert "No rejected release requests." in none
    assert me.get(_pages(team) + "/releases?status=launched").status_code == 422


def test_the_list_pages_through_many_requests(team: Team, visit: Visit) -> None:
    for _ in range(13):
        number = team.version()
        for environment in ("staging", "production"):
            assert team.request(number, environment).status_code == 201
    me = visit(team.owner)
    first = me.get(_pages(team) + "/releases?status=pending").text
    assert len(rows_of(first, "releases")) == 25
    assert "Page 1 of 2 (26 in all)" in first
    assert 'href="/projects/churn/releases?status=pending&amp;page=2"' in first
    second = me.get(_pages(team) + "/releases?status=pending&page=2").text
    assert len(rows_of(second, "releases")) == 1
    assert "There are fewer pages than that." in me.get(_pages(team) + "/releases?page=9").text


def test_a_request_shows_its_evidence_approvals_and_who_may_decide(
    team: Team, visit: Visit
) -> None:
    number = version_with_evidence(team)
    release_id = team.request(
        number, notes="better recall on new contracts", override_reason=EXCEPTION
    ).json()["id"]
    url = f"{_pages(team)}/releases/{release_id}"

    engineer = visit(team.engineer).get(url)
    assert engineer.status_code == 200
    page = engineer.text
    assert f"Release churn-model version {number} to production" in page
    assert "better recall on new contracts" in page
    evidence = re.search(r'<table class="evidence">(.*?)</table>', page, re.S)
    assert evidence, "the gate results are on the page"
    for text in ("metric_threshold", "auc 0.84 at least 0.8", "fairness", "Advisory", "Failed"):
        assert text in evidence.group(1), text
    assert "<code>abc123def</code>" in page
    version_url = f"/projects/churn/models/churn-model/versions/{number}"
    assert f'href="{version_url}/card"' in page
    compliance = r'CRM export</a> \(database\):\s*<span class="badge bad">NOT compliant'
    assert re.search(compliance, page)
    assert "Policy: 1 from the ML team and 1 from the customer." in page
    assert "No approvals yet." in page
    assert f'action="{url}/approve"' in page
    assert f'action="{url}/reject"' in page

    # The requester may withdraw (reject) but is not offered approval.
    own = visit(team.owner).get(url).text
    assert f'action="{url}/approve"' not in own
    assert f'action="{url}/reject"' in own
    assert "You requested this release" in own

    # The customer approves as the customer.
    customer = visit(team.customer).get(url).text
    assert f'action="{url}/approve"' in customer

    missing = visit(team.viewer).get(f"{_pages(team)}/releases/999")
    assert missing.status_code == 404
    assert "no release request 999" in missing.text


def test_approve_and_reject_through_the_forms(team: Team, visit: Visit) -> None:
    v1, v2 = team.version(), team.version()
    release_id = team.request(v1).json()["id"]
    url = f"{_pages(team)}/releases/{release_id}"

    engineer = visit(team.engineer)
    engineer.get(url)
    too_long = engineer.post(f"{url}/approve", {"comment": "x" * 5001})
    assert too_long.status_code == 422
    assert "at most 5000 characters" in field_error(too_long.text, "comment")
    approved = engineer.post(f"{url}/approve", {"comment": "metrics hold up"})
    assert approved.status_code == 303
    assert approved.headers["location"] == f"{url}?done=approved"
    page = engineer.get(approved.headers["location"]).text
    assert "Your approval is recorded." in page
    assert "metrics hold up" in page
    assert re.search(r"ML team <span aria-hidden=\"true\">✓</span>", page)
    assert f'action="{url}/approve"' not in page  # approved once already
    assert "You approved this request" in page
    twice = engineer.post(f"{url}/approve", {"comment": ""})
    assert twice.status_code == 409
    assert "already approved" in twice.text
    assert 'role="alert"' in twice.text

    # Self-approval: the service refuses it, the page shows its sentence.
    owner = visit(team.owner)
    owner.get(url)
    own = owner.post(f"{url}/approve", {"comment": "mine"})
    assert own.status_code == 403
    assert "nobody approves their own release request" in own.text
    assert 'role="alert"' in own.text
    assert "Evidence" in own.text  # the request's page, not a bare error page

    customer = visit(team.customer)
    customer.get(url)
    done = customer.post(f"{url}/approve", {"comment": "go"})
    assert done.status_code == 303
    page = customer.get(url).text
    assert ">Approved<" in page
    assert "deployment 1</a>" in page
    assert f'action="{url}/reject"' not in page  # decided
    assert team.status(v1) == "in_production"

    # Rejecting needs a reason; the refused form says so next to the field.
    second = team.request(v2).json()["id"]
    url2 = f"{_pages(team)}/releases/{second}"
    customer.get(url2)
    refused = customer.post(f"{url2}/reject", {"reason": "   "})
    assert refused.status_code == 422
    assert "say why the release should not go ahead" in field_error(refused.text, "reason")
    assert team.get(team.owner, f"/releases/{second}").json()["status"] == "pending"
    rejected = customer.post(f"{url2}/reject", {"reason": "wait for the March data"})
    assert rejected.status_code == 303
    page = customer.get(rejected.headers["location"]).text
    assert "The release request is rejected." in page
    assert ">Rejected<" in page
    assert "wait for the March data" in page
    late = customer.post(f"{url2}/approve", {})
    assert late.status_code == 409
    assert "already rejected" in late.text


def test_request_a_release_from_the_version_page(team: Team, visit: Visit) -> None:
    number = team.version()
    me = visit(team.engineer)
    version_page = me.get(f"{_pages(team)}/models/churn-model/versions/{number}").text
    link = f"/projects/churn/releases/new?model=churn-model&amp;version={number}"
    assert f'href="{link}"' in version_page
    form = me.get(link.replace("&amp;", "&"))
    assert form.status_code == 200
    assert '<option value="churn-model" selected>' in form.text
    assert f'value="{number}"' in form.text

    new = f"{_pages(team)}/releases/new"
    body: dict[str, Any] = {
        "model_name": "churn-model",
        "version": str(number),
        "environment": "production",
        "strategy": "canary",
        "traffic_share": "",
        "notes": "try on a tenth",
    }
    no_share = me.post(new, body)
    assert no_share.status_code == 422
    assert "needs a traffic share" in field_error(no_share.text, "traffic_share")
    assert "try on a tenth" in no_share.text  # what was typed is kept
    full_with_share = me.post(new, {**body, "strategy": "full", "traffic_share": "0.2"})
    assert full_with_share.status_code == 422
    assert "not full" in field_error(full_with_share.text, "traffic_share")
    too_big = me.post(new, {**body, "traffic_share": "1.5"})
    assert too_big.status_code == 422
    assert "less than 1" in field_error(too_big.text, "traffic_share")
    unknown = me.post(new, {**body, "version": "99", "traffic_share": "0.1"})
    assert unknown.status_code == 422
    assert "no version 99" in field_error(unknown.text, "version")
    assert team.get(team.owner, "/releases").json()["total"] == 0

    created = me.post(new, {**body, "traffic_share": "0.1"})
    assert created.status_code == 303
    location = created.headers["location"]
    assert re.fullmatch(r"/projects/churn/releases/\d+\?done=requested", location)
    page = me.get(location).text
    assert "Release requested." in page
    assert "Canary 10 %" in page
    assert "emma" in page
    again = me.post(new, {**body, "traffic_share": "0.1"})
    assert again.status_code == 409
    assert "see release request" in field_error(again.text, "version")


def test_deployments_rollback_and_dora(team: Team, visit: Visit) -> None:
    v1, v2 = team.version(), team.version()
    team.release(v1)
    second = team.release(v2)["deployment_id"]
    url = f"{_pages(team)}/deployments"
    me = visit(team.engineer)
    page = me.get(url).text
    current = rows_of(page, "current")
    assert len(current) == 1
    assert f"churn-model version {v2}</a>" in current[0]
    assert f"Roll back to version {v1}" in current[0]
    history = rows_of(page, "history")
    assert len(history) == 2
    assert "approved by emma, sam" in history[0]
    assert "Release request 2</a>" in history[0]
    # Each deployment's number links to its own page (the monitoring pages).
    assert f'href="/projects/churn/deployments/{second}">{second}<' in page.split("History", 1)[1]
    assert "2 releases deployed, 0 rollbacks" in page
    assert "0 %" in page  # change failure rate

    action = f"{url}/{second}/rollback"
    refused = me.post(action, {"reason": ""})
    assert refused.status_code == 422
    message = re.search(
        rf'<p class="field-error" id="rollback-{second}-reason-error">([^<]*)</p>', refused.text
    )
    assert message
    assert "say why you roll back" in message.group(1)
    assert f'href="#rollback-{second}-reason"' in refused.text  # the list on top links to it
    assert team.status(v2) == "in_production"

    done = me.post(action, {"reason": "error rate doubled"})
    assert done.status_code == 303
    page = me.get(done.headers["location"]).text
    assert "Rolled back" in page
    current = rows_of(page, "current")
    assert f"churn-model version {v1}</a>" in current[0]
    assert "a rollback" in current[0]
    # Version 2 failed and version 1 runs now: there is nothing left to roll back to.
    assert "No earlier version to roll back to." in current[0]
    history = rows_of(page, "history")
    assert len(history) == 3
    assert "Rollback</span> of" in history[0]
    assert "error rate doubled" in history[0]
    assert "rolled back by emma" in history[0]
    assert "Failed change" in history[1]
    assert "2 releases deployed, 1 rollback)" in page
    assert "50 %" in page
    assert team.status(v1) == "in_production"

    # Only the current deployment rolls back; the service's refusal is shown on the page.
    stale = me.post(action, {"reason": "again"})
    assert stale.status_code == 409
    assert "no longer the current one" in stale.text

    only_staging = me.get(f"{url}?environment=staging").text
    assert "No deployments to staging." in only_staging


def test_a_canary_names_the_version_it_runs_beside(team: Team, visit: Visit) -> None:
    v1, v2 = team.version(), team.version()
    team.release(v1)
    canary = team.request(v2, strategy="canary", traffic_share=0.25).json()["id"]
    for person in (team.engineer, team.customer):
        assert team.post(person, f"/releases/{canary}/approve").status_code == 200
    page = visit(team.viewer).get(f"{_pages(team)}/deployments").text
    current = rows_of(page, "current")
    assert len(current) == 1
    assert f"churn-model version {v2}</a>" in current[0]
    assert "Canary 25 %" in current[0]
    assert f"beside version {v1} (full)" in current[0]
    assert "Roll back" not in page  # a viewer


def test_readers_see_the_pages_without_buttons_and_cannot_post(
    team: Team, visit: Visit, accounts: Accounts, client: TestClient
) -> None:
    number = team.version()
    deployment = team.release(number)["deployment_id"]
    waiting = team.request(team.version()).json()["id"]
    base = _pages(team)
    viewer = visit(team.viewer)
    for page in ("/releases", f"/releases/{waiting}", "/deployments"):
        response = viewer.get(base + page)
        assert response.status_code == 200, page
        assert 'method="post"' not in main_of(response.text), page
    assert viewer.get(f"{base}/releases/new").status_code == 403
    posts = {
        "/releases/new": {"model_name": "churn-model", "version": "1", "environment": "staging"},
        f"/releases/{waiting}/approve": {"comment": ""},
        f"/releases/{waiting}/reject": {"reason": "no"},
        f"/deployments/{deployment}/rollback": {"reason": "no"},
    }
    for page, body in posts.items():
        assert viewer.post(base + page, body).status_code == 403, page

    # The customer approves and rejects, but neither requests nor rolls back.
    customer = visit(team.customer)
    listing = customer.get(f"{base}/releases").text
    assert "Request a release" not in listing
    assert "Roll back" not in customer.get(f"{base}/deployments").text
    assert customer.get(f"{base}/releases/new").status_code == 403
    rollback = customer.post(f"{base}/deployments/{deployment}/rollback", {"reason": "x"})
    assert rollback.status_code == 403
    assert "Request a release" not in customer.get(f"{base}/models/churn-model/versions/2").text

    stranger = visit(accounts.create("sid"))
    for page in ("/releases", f"/releases/{waiting}", "/releases/new", "/deployments"):
        response = stranger.get(base + page)
        assert response.status_code == 404, page
        assert "that you can see" in response.text
    for page, body in posts.items():
        assert stranger.post(base + page, body).status_code == 404, page
    assert team.get(team.owner, f"/releases/{waiting}").json()["approvals"] == []
    assert viewer.post(f"{base}/releases/{waiting}/approve", {}, csrf=False).status_code == 403
