"""A policy exception is seen where people look: on the release, on the version's model card
(page and Markdown) and on the project's health page while the release runs in production;
versions released within their policy show none."""

from __future__ import annotations

import re

from tests.pagekit import Visit
from tests.teams import Team

FAILED = {
    "results": [
        {
            "gate": "data_validation",
            "type_key": "continuum:gate:data_validation",
            "status": "failed",
            "message": "3 rows with a negative tenure",
        }
    ]
}
REASON = "Negative tenures are test accounts <script>; the CRM team deletes them today."


def test_an_override_shows_on_the_card_and_on_health(team: Team, visit: Visit) -> None:
    clean = team.version()
    team.release(clean, "staging")
    number = team.version(releasable=False)
    run_id = team.gates(number, FAILED)["id"]
    requested = team.request(number, override_reason=REASON)
    assert requested.status_code == 201, requested.text
    release_id = requested.json()["id"]
    for person in (team.engineer, team.customer):
        assert team.post(person, f"/releases/{release_id}/approve").status_code == 200
    waived = (
        f"gate:data_validation failed on gate run {run_id}; artifact scan: no artifact uploaded"
    )

    card = team.client.get(
        team.url(f"/models/churn-model/versions/{number}/card.md"), headers=team.viewer.headers
    )
    assert card.status_code == 200
    section = card.text.split("## Release policy exceptions\n\n", 1)[1].split("\n\n", 1)[0]
    assert re.fullmatch(
        rf"- \*\*Policy exception for production\*\* \(release request {release_id}\): olivia "
        rf"overrode the release policy on \d{{4}}-\d\d-\d\d: {re.escape(REASON)} "
        rf"Waived: {re.escape(waived)}\.",
        section,
    )
    other = team.client.get(
        team.url(f"/models/churn-model/versions/{clean}/card.md"), headers=team.viewer.headers
    ).text
    assert "No release of this version overrode its release policy." in other

    viewer = visit(team.viewer)
    page = viewer.get(f"/projects/{team.project}/models/churn-model/versions/{number}/card").text
    assert "Policy exception for production</span>" in page
    assert f'href="/projects/{team.project}/releases/{release_id}">release request' in page
    assert "test accounts &lt;script&gt;;" in page  # escaped
    assert f"Waived: {waived}." in page

    health = viewer.get(f"/projects/{team.project}/health").text
    line = f"</a>: v{number} released to production by olivia:"
    assert line in health
    link = f'<a href="/projects/{team.project}/releases/{release_id}">policy exception</a>'
    assert link in health
    assert "test accounts &lt;script&gt;;" in health

    # Once a release within the policy replaces it in production, Health no longer shows it.
    team.release(team.version())
    health = viewer.get(f"/projects/{team.project}/health").text
    assert "policy exception" not in health
    # The card keeps its history.
    card_page = viewer.get(f"/projects/{team.project}/models/churn-model/versions/{number}/card")
    assert "Policy exception for production" in card_page.text
