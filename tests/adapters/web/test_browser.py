"""A real browser (Debian's chromium driven by Playwright) walks the charter from sign-in to
the project page, and keeps a screenshot of it in test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import Account, Accounts, missing, require
from tests.monitoring.evaluation.helpers import Monitor
from tests.operations.test_pages import produce
from tests.releases.test_pages import EXCEPTION, version_with_evidence
from tests.teams import Team

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    # The page tests cover both storage backends; the browser proves the pages in chromium.
    pytest.mark.parametrize("backend", ["sqlite"]),
]
playwright = require("playwright.sync_api", "pip install -e '.[test]'")
if not CHROMIUM.exists():
    missing("chromium is not installed: run scripts/ensure-system-deps")


def test_a_project_from_sign_in_to_its_page(live_server: str, accounts: Accounts) -> None:
    person = accounts.create("paula")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            page.goto(f"{live_server}/projects")
            # Signed out: the page sends us to sign in, then back.
            page.get_by_label("User name").fill(person.username)
            page.get_by_label("Password").fill(person.password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(re.compile(r"/projects$"))

            page.get_by_role("link", name="New project").click()
            page.get_by_label("Name", exact=True).fill("Churn prediction")
            page.get_by_label("Slug").fill("churn")
            page.get_by_label("Customer organisation").fill("Nordic Telco")
            page.get_by_label("CRISP-DM phase").select_option(label="Business understanding")
            page.get_by_role("button", name="Create project").click()
            page.wait_for_url(re.compile(r"/projects/churn$"))

            page.get_by_role("link", name="Charter", exact=True).click()
            page.get_by_role("link", name="Edit charter").click()
            page.get_by_label("Problem statement").fill(
                "Customers leave without warning; retention calls reach the wrong people."
            )
            page.get_by_label("Success criteria").fill(
                "Churn among contacted customers falls by a fifth."
            )
            page.get_by_role("button", name="Save as a new version").click()
            page.get_by_text("Charter saved.").wait_for()

            page.get_by_role("link", name="KPIs", exact=True).click()
            page.get_by_label("Name", exact=True).fill("Recall at capacity")
            page.get_by_label("Unit").fill("ratio")
            page.get_by_label("Baseline").fill("0.55")
            page.get_by_label("Target").fill("0.7")
            page.get_by_label("Alert threshold").fill("0.6")
            page.get_by_label("How often").select_option(label="Weekly")
            page.get_by_role("button", name="Add KPI").click()
            page.get_by_text("KPIs saved").wait_for()

            page.get_by_role("link", name="Stakeholders", exact=True).click()
            page.get_by_label("Name", exact=True).fill("Mia Virtanen")
            page.get_by_label("Organisation").fill("Nordic Telco")
            page.get_by_label("Role in the project").fill("Head of retention")
            page.get_by_role("button", name="Add stakeholder").click()
            page.get_by_text("Stakeholders saved").wait_for()

            page.get_by_role("link", name="Overview").click()
            page.wait_for_url(re.compile(r"/projects/churn$"))
            main = page.locator("main")
            for text in (
                "Churn prediction",
                "Customers leave without warning",
                "Churn among contacted customers",
                "Recall at capacity",
                "+0.15",
                "Mia Virtanen",
                "Head of retention",
            ):
                assert main.get_by_text(text).first.is_visible(), text
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "project-page.png"), full_page=True)

            # With JavaScript, htmx asks in the browser and removes the row in place.
            page.get_by_role("link", name="Stakeholders", exact=True).click()
            page.once("dialog", lambda dialog: dialog.accept())
            row = page.locator("tr", has_text="Mia Virtanen")
            row.get_by_role("button", name="Remove").click()
            row.wait_for(state="detached")
            assert page.url.endswith("/projects/churn/stakeholders")
            page.reload()
            assert page.get_by_text("No stakeholders listed yet.").is_visible()
        finally:
            browser.close()
    assert (ARTIFACTS / "project-page.png").stat().st_size > 10_000


@contextmanager
def _browser_page() -> Iterator[Any]:
    """A page of a fresh chromium, 1280×900, waiting up to 15 s for what it is asked."""
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()


def _sign_in_to(page: Any, url: str, person: Account) -> None:
    """Open `url` signed out: the login form comes first, then the page itself."""
    page.goto(url)
    page.get_by_label("User name").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(urlsplit(url).path) + "$"))


def test_a_release_request_shows_its_evidence(
    live_server: str, client: TestClient, accounts: Accounts, owner: Account, project: str
) -> None:
    team = Team(client, accounts, owner, project)
    release_id = team.request(version_with_evidence(team), override_reason=EXCEPTION).json()["id"]
    with _browser_page() as page:
        _sign_in_to(page, f"{live_server}/projects/{project}/releases/{release_id}", team.engineer)
        gates = page.get_by_role("table", name="Gate results of the latest gate run")
        assert gates.is_visible()
        assert gates.get_by_role("rowheader", name="metric_threshold").is_visible()
        assert page.get_by_role("button", name="Approve release").is_visible()


def _errors(message: Any) -> list[str]:
    """A console error, unless it is the browser asking for a favicon the app does not have."""
    if message.type != "error" or message.location.get("url", "").endswith("/favicon.ico"):
        return []
    return [f"{message.text} at {message.location.get('url')}"]


def test_the_deployment_page_draws_its_charts(
    live_server: str,
    app: FastAPI,
    client: TestClient,
    accounts: Accounts,
    owner: Account,
    project: str,
) -> None:
    production = produce(Monitor(Team(client, accounts, owner, project), app))
    problems: list[str] = []
    with _browser_page() as page:
        page.on("console", lambda message: problems.extend(_errors(message)))
        page.on("pageerror", lambda error: problems.append(str(error)))
        _sign_in_to(page, f"{live_server}{production.page}", production.team.viewer)
        heatmap = page.locator("#drift-heatmap")
        heatmap.wait_for(state="visible")
        box = heatmap.bounding_box()
        assert box is not None
        assert box["width"] > 100
        assert box["height"] > 50
        # Chart.js drew a cell per feature and window; the table folded away beside it.
        cells = page.evaluate(
            "Chart.getChart(document.getElementById('drift-heatmap')).getDatasetMeta(0).data.length"
        )
        assert cells >= 6
        assert page.locator("#drift details.numbers").get_attribute("open") is None
        assert page.locator("canvas[data-kpi]").first.is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "deployment-page.png"), full_page=True)
    assert problems == []
