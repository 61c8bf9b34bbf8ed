"""A real browser (Debian's chromium driven by Playwright) walks the charter from sign-in to
the project page, and keeps a screenshot of it in test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Accounts, missing, require

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
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
