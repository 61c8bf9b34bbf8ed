"""docs/web.md names every page the web interface serves."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from mlcontinuum.app import all_routes
from mlcontinuum.kernel.auth.guards import GuardedRoute

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "web.md"
# Pages that only answer a form (the guide describes them with the page the form is on).
NOT_A_DESTINATION = {"/", "/logout"}


def test_every_page_is_in_the_guide(app: FastAPI) -> None:
    guide = GUIDE.read_text()
    pages = {
        path
        for path, route in all_routes(app)
        if isinstance(route, GuardedRoute)
        and not path.startswith("/api/")
        and "GET" in (route.methods or ())
        and path not in NOT_A_DESTINATION
    }
    assert len(pages) > 10
    missing = sorted(
        path for path in pages if f"`{path}`" not in guide and f"`{path}?" not in guide
    )
    assert missing == []
