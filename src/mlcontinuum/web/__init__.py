"""Server-rendered pages (Jinja2 + htmx), readable without JavaScript."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from mlcontinuum.api.errors import ErrorRenderer
from mlcontinuum.web.errors import render_error
from mlcontinuum.web.routes import PAGE_ROUTERS

STATIC_DIR = Path(__file__).parent / "static"


def install_web(app: FastAPI) -> ErrorRenderer:
    """Add the pages and static files to `app`; return how pages render errors."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in PAGE_ROUTERS:
        app.include_router(module.routes)
    return render_error
