"""Server-rendered pages (Jinja2 + htmx), readable without JavaScript: the kit every slice's
pages share (templating, forms, CSRF, paging), and `install_web` that mounts them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from mlcontinuum.api.errors import ErrorRenderer
from mlcontinuum.kernel.slice import Slice, load, permissions_of
from mlcontinuum.web.errors import render_error
from mlcontinuum.web.navigation import Navigation
from mlcontinuum.web.templating import templates_for

STATIC_DIR = Path(__file__).parent / "static"


def install_web(app: FastAPI, slices: Sequence[Slice]) -> ErrorRenderer:
    """Add the slices' pages, their templates and navigation, and the static files to `app`;
    return how pages render errors."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    folders = [folder for s in slices if (folder := s.templates) is not None]
    app.state.templates = templates_for(folders, permissions_of(slices))
    app.state.navigation = Navigation(item for s in slices for item in s.nav)
    for s in slices:
        for module in s.pages:
            app.include_router(load(f"{module}:routes"))
    return render_error
