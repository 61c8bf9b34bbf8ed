#!/usr/bin/env python3
"""Take the README's screenshot: docs/images/project.png, the project overview at 1280x900.

Starts Continuum on a throw-away SQLite database, loads the demo project with `continuum demo`
(or, where that command is missing, a small project through the API), signs in through the
login form in Debian's chromium and photographs the project page.

    .venv/bin/python scripts/screenshot.py [--output docs/images/project.png]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from playwright.sync_api import sync_playwright

from mlcontinuum.app import create_app
from mlcontinuum.auth import service as auth_service
from mlcontinuum.auth.schemas import TokenCreate, UserCreate
from mlcontinuum.settings import Settings
from mlcontinuum.storage.engine import transaction

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ADMIN = "admin"

FALLBACK_PROJECT = {
    "slug": "telco-churn",
    "name": "Churn prediction",
    "customer": "Nordic Telco",
    "description": "Find the customers most likely to leave, early enough for a retention call.",
    "stage": "understand",
    "crisp_dm_phase": "data_understanding",
}
FALLBACK_CHARTER = {
    "problem_statement": "About 1 in 4 customers leaves within a year; retention calls reach "
    "customers at random and the team can only call 500 a week.",
    "success_criteria": "Churn among contacted customers falls by a fifth within two quarters, "
    "at no higher campaign cost.",
}
FALLBACK_KPIS = [
    {
        "name": "Churn rate among contacted customers",
        "kind": "business",
        "unit": "%",
        "direction": "lower_is_better",
        "baseline": 26.5,
        "target": 21.0,
        "alert_threshold": 24.0,
        "frequency": "monthly",
    },
    {
        "name": "Recall at campaign capacity",
        "kind": "analytic",
        "unit": "ratio",
        "direction": "higher_is_better",
        "baseline": 0.3,
        "target": 0.55,
        "alert_threshold": 0.45,
        "frequency": "weekly",
    },
]
FALLBACK_STAKEHOLDERS = [
    {"name": "Mia Virtanen", "organisation": "Nordic Telco", "role": "Head of retention"},
    {"name": "Ola Berg", "organisation": "Continuum team", "role": "ML engineer"},
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """Serve the app in this process (as the test suite does) until the block ends."""
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


def create_admin(settings: Settings, password: str) -> str:
    """The first administrator, as `continuum init` makes it; returns a full API token."""
    app = create_app(settings)
    try:
        with transaction(app.state.session_factory) as db:
            user = auth_service.create_user(
                db,
                UserCreate(
                    username=ADMIN,
                    email="admin@example.com",
                    full_name="Alex Admin",
                    password=password,
                    is_admin=True,
                ),
                actor="screenshot",
            )
            created = auth_service.create_token(
                db, auth_service.principal_of(user), TokenCreate(name="screenshot"), project_id=None
            )
        return created.token
    finally:
        app.state.engine.dispose()


def load_demo(data_dir: Path) -> bool:
    """Run `continuum demo`; False when this version has no such command."""
    command = shutil.which("continuum", path=str(Path(sys.executable).parent)) or "continuum"
    env = {**os.environ, "CONTINUUM_DATA_DIR": str(data_dir)}
    env.pop("CONTINUUM_DATABASE_URL", None)
    done = subprocess.run([command, "demo"], env=env, capture_output=True, text=True, check=False)
    if done.returncode == 0:
        return True
    if "No such command" in done.stderr:
        return False
    raise RuntimeError(f"`continuum demo` failed:\n{done.stdout}\n{done.stderr}")


def create_fallback_project(base: str, token: str) -> None:
    with httpx.Client(
        base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}
    ) as api:
        slug = FALLBACK_PROJECT["slug"]
        api.post("/projects", json=FALLBACK_PROJECT).raise_for_status()
        api.patch(f"/projects/{slug}/charter", json=FALLBACK_CHARTER).raise_for_status()
        for kpi in FALLBACK_KPIS:
            api.post(f"/projects/{slug}/kpis", json=kpi).raise_for_status()
        for person in FALLBACK_STAKEHOLDERS:
            api.post(f"/projects/{slug}/stakeholders", json=person).raise_for_status()


def first_project(base: str, token: str) -> str:
    response = httpx.get(
        f"{base}/api/v1/projects", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    response.raise_for_status()
    slug: str = response.json()["items"][0]["slug"]
    return slug


def photograph(base: str, password: str, slug: str, output: Path) -> None:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/login?next=/projects/{slug}")
            page.get_by_label("User name").fill(ADMIN)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/projects/{slug}")
            output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(output))
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "images" / "project.png")
    args = parser.parse_args()
    password = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="continuum-screenshot-") as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=None)
        token = create_admin(settings, password)
        demo = load_demo(settings.data_dir)
        with serving(settings) as base:
            if not demo:
                print("`continuum demo` is not available; creating a small project instead")
                create_fallback_project(base, token)
            slug = first_project(base, token)
            photograph(base, password, slug, args.output)
    print(f"saved {args.output}")


if __name__ == "__main__":
    main()
