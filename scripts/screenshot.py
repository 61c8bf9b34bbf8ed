#!/usr/bin/env python3
"""Take the README's screenshots at 1280x900: docs/images/project.png (the demo project's
overview) and docs/images/deployment.png (its monitored production deployment).

Starts Continuum on a throw-away SQLite database, loads the demo with `continuum demo`, signs in
through the login form in Debian's chromium and photographs the two pages.

    .venv/bin/python scripts/screenshot.py [--output docs/images/project.png]
                                           [--deployment-output docs/images/deployment.png]
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import uvicorn
from playwright.sync_api import sync_playwright

from mlcontinuum.app import create_app
from mlcontinuum.kernel.auth import service as auth_service
from mlcontinuum.kernel.auth.schemas import TokenCreate, UserCreate
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.engine import transaction

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
SLUG = "telco-churn"  # the demo project
IMAGES = ROOT / "docs" / "images"


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


def load_demo(data_dir: Path) -> None:
    """Run `continuum demo` (the project, its models and its eight production weeks)."""
    command = shutil.which("continuum", path=str(Path(sys.executable).parent)) or "continuum"
    env = {**os.environ, "CONTINUUM_DATA_DIR": str(data_dir)}
    env.pop("CONTINUUM_DATABASE_URL", None)
    done = subprocess.run([command, "demo"], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"`continuum demo` failed:\n{done.stdout}\n{done.stderr}")


def monitored_deployment(base: str, token: str) -> str:
    """The page of the demo's first production deployment (the one the eight weeks ran on), at
    the fortnight around week five, where the customer mix shifts."""
    response = httpx.get(
        f"{base}/api/v1/projects/{SLUG}/deployments",
        params={"environment": "production"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    response.raise_for_status()
    first = min(item["id"] for item in response.json()["items"])
    end = (datetime.now(UTC) - timedelta(days=21)).strftime("%Y-%m-%dT00:00Z")
    return f"/projects/{SLUG}/deployments/{first}?end={end}"


def photograph(base: str, password: str, shots: dict[str, Path]) -> None:
    """Sign in once, then save a screenshot of each page path in `shots`."""
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/login?next=/projects/{SLUG}")
            page.get_by_label("User name").fill(ADMIN)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/projects/{SLUG}")
            for path, output in shots.items():
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                output.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(output))
                print(f"saved {output}")
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=IMAGES / "project.png")
    parser.add_argument("--deployment-output", type=Path, default=IMAGES / "deployment.png")
    args = parser.parse_args()
    password = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="continuum-screenshot-") as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=None)
        token = create_admin(settings, password)
        load_demo(settings.data_dir)
        with serving(settings) as base:
            shots = {
                f"/projects/{SLUG}": args.output,
                monitored_deployment(base, token): args.deployment_output,
            }
            photograph(base, password, shots)


if __name__ == "__main__":
    main()
