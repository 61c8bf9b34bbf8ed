"""The release policy on the pages: a release shows every condition met or not before anyone
clicks, and offers no approval while it breaks its policy; an owner overrides it through a form
that needs a reason; the request form checks the chosen version against each environment and
refuses one that breaks the policy; the policy page is read by everyone and edited by owners."""

from __future__ import annotations

import re
from typing import Any

from tests.pagekit import Visit, field_error
from tests.releases.test_pages import main_of
from tests.teams import Team

FAILED = {
    "results": [
        {
            "gate": "fairness",
            "type_key": "continuum:gate:fairness",
            "status": "failed",
            "message": "equalized odds difference 0.31 above 0.1",
        }
    ]
}


def _conditions(html: str) -> list[tuple[str, str]]:
    """The rows of the page's first policy check table: (condition, state)."""
    table = re.search(r'<table class="policy-check">(.*?)</table>', html, re.S)
    assert table, "no policy check on the page"
    rows = re.findall(
        r"<tr><td>([^<]*)</td><td><span class=\"badge [a-z]+\">([^<]*)</span></td></tr>",
        table.group(1),
    )
    return [(condition.replace("&#39;", "'"), state) for condition, state in rows]


def _error(html: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', html)
    assert found, f"no message next to {field_id}"
    assert 'role="alert"' in html
    return found.group(1)


def test_a_release_that_breaks_its_policy_shows_why_and_offers_no_approval(
    team: Team, visit: Visit
) -> None:
    number = team.version()
    release_id = team.request(number).json()["id"]
    run_id = team.gates(number, FAILED)["id"]
    url = f"/projects/{team.project}/releases/{release_id}"

    engineer = visit(team.engineer)
    page = engineer.get(url).text
    assert "Release policy for production" in page
    assert _conditions(page) == [
        (f"gate:fairness failed on gate run {run_id}", "Not met"),
        ("artifact scan: safe", "Met"),
        ("data sources: none in the version's lineage or the register", "Met"),
        ("approvals: ML team 0 of 1", "Not met"),
        ("approvals: customer 0 of 1", "Not met"),
    ]
    assert "This release breaks its policy" in page
    assert f'action="{url}/approve"' not in page
    assert "Approving is not offered" in page
    assert f'action="{url}/reject"' in page  # it may still be turned down
    assert f'action="{url}/override"' not in page  # an ML engineer may not override
    # An approval sent from a page read before the gates failed is refused where it was sent.
    stale = engineer.post(f"{url}/approve", {"comment": "looked fine"})
    assert stale.status_code == 409
    assert f"gate:fairness failed on gate run {run_id}" in stale.text
    assert 'role="alert"' in stale.text

    owner = visit(team.owner)
    assert f'action="{url}/override"' in owner.get(url).text
    blank = owner.post(f"{url}/override", {"reason": "  "})
    assert blank.status_code == 422
    assert "say why the release may go ahead" in _error(blank.text, "o-reason")
    assert team.get(team.viewer, f"/releases/{release_id}").json()["override"] is None
    done = owner.post(f"{url}/override", {"reason": "Fairness fix ships next week <b>promise</b>"})
    assert done.status_code == 303
    assert done.headers["location"] == f"{url}?done=overridden"
    page = owner.get(done.headers["location"]).text
    assert "You overrode the release policy" in page
    assert "Policy exception:</strong> olivia overrode the release policy" in page
    assert "Fairness fix ships next week &lt;b&gt;promise&lt;/b&gt;" in page  # escaped
    assert f"waived: gate:fairness failed on gate run {run_id}" in page
    assert f'action="{url}/override"' not in page  # once

    again = engineer.get(url).text
    assert f'action="{url}/approve"' in again
    assert "An owner overrode the gate, artifact and data conditions" in again
    assert engineer.post(f"{url}/approve", {"comment": "by exception"}).status_code == 303


def test_the_request_form_checks_the_version_and_refuses_one_that_breaks_the_policy(
    team: Team, visit: Visit
) -> None:
    number = team.version(releasable=False)
    new = f"/projects/{team.project}/releases/new"
    engineer = visit(team.engineer)
    form = engineer.get(f"{new}?model=churn-model&version={number}").text
    assert 'Production: <span class="badge bad">breaks the policy</span>' in form
    assert 'Staging: <span class="badge bad">breaks the policy</span>' in form
    assert _conditions(form) == [
        ("gates: no gate run for this version", "Not met"),
        ("artifact scan: no artifact uploaded", "Not met"),
        ("data sources: none in the version's lineage or the register", "Met"),
    ]  # no approvals yet: nobody can have approved a request that does not exist
    assert 'name="override_reason"' not in form  # owners only
    body: dict[str, Any] = {
        "model_name": "churn-model",
        "version": str(number),
        "environment": "production",
        "strategy": "full",
        "traffic_share": "",
        "notes": "",
    }
    refused = engineer.post(new, body)
    assert refused.status_code == 409
    assert "breaks the production release policy" in refused.text
    assert "no artifact uploaded" in refused.text
    assert ("artifact scan: no artifact uploaded", "Not met") in _conditions(refused.text)
    assert team.get(team.owner, "/releases").json()["total"] == 0

    owner = visit(team.owner)
    assert 'name="override_reason"' in owner.get(new).text
    overridden = owner.post(new, {**body, "override_reason": "Demo for the board only."})
    assert overridden.status_code == 303
    page = owner.get(overridden.headers["location"]).text
    assert "Policy exception:</strong> olivia overrode" in page
    assert "Demo for the board only." in page
    # A version that meets the policy: an override is refused next to its field.
    fine = team.version()
    nothing = owner.post(new, {**body, "version": str(fine), "override_reason": "just in case"})
    assert nothing.status_code == 409
    assert "nothing to override" in field_error(nothing.text, "override_reason")


def test_everyone_reads_the_policy_and_owners_change_it(team: Team, visit: Visit) -> None:
    url = f"/projects/{team.project}/release-policies"
    viewer = visit(team.viewer)
    read = viewer.get(url)
    assert read.status_code == 200
    assert ">Release policy</a>" in read.text  # in the Deploy navigation
    main = main_of(read.text)
    assert 'method="post"' not in main
    assert "Only owners change the policy." in main
    assert "every gate the version's latest gate run marks required has passed" in main
    assert "1 from the ML team and 1 from the customer" in main
    assert main.count("The default policy: nobody has changed it.") == 2
    assert viewer.post(f"{url}/staging", {"gates_rule": "none"}).status_code == 403
    assert visit(team.engineer).post(f"{url}/staging", {"gates_rule": "none"}).status_code == 403

    owner = visit(team.owner)
    page = owner.get(url).text
    assert f'action="{url}/staging"' in page
    assert f'action="{url}/production"' in page
    form = {
        "gates_rule": "named",
        "ml_team_approvals": "1",
        "customer_approvals": "0",
        "block_noncompliant_data": "on",
    }
    none_ticked = owner.post(f"{url}/staging", form)
    assert none_ticked.status_code == 422
    assert "tick the gates that must pass" in none_ticked.text
    negative = owner.post(
        f"{url}/staging", {**form, "gates_rule": "file", "ml_team_approvals": "-1"}
    )
    assert negative.status_code == 422
    assert "greater than or equal to 0" in _error(negative.text, "staging-ml_team_approvals")
    assert team.get(team.viewer, "/release-policies/staging").json()["default"] is True

    saved = owner.post(f"{url}/staging", {**form, "required_gates": "fairness"})
    assert saved.status_code == 303
    page = owner.get(saved.headers["location"]).text
    assert "The staging release policy is saved." in page
    assert "Changed by olivia" in page
    assert "<code>fairness</code> passed on the version" in page
    ticked = 'id="staging-gate-fairness" type="checkbox" name="required_gates" value="fairness"'
    assert f"{ticked} checked" in page
    stored = team.get(team.viewer, "/release-policies/staging").json()
    assert stored["required_gates"] == ["fairness"]
    assert stored["customer_approvals"] == 0
    assert stored["block_unsafe_artifact"] is False  # left unticked
    assert stored["block_noncompliant_data"] is True
    assert team.get(team.viewer, "/release-policies/production").json()["default"] is True
