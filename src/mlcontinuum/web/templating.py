"""The Jinja2 environment of an app (built by `templates_for`), and the one `render` every
page uses. Each slice keeps its templates in its own folder; the kit's folder holds the base
layout and the shared macros."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from mlcontinuum import __version__
from mlcontinuum.kernel.auth.permissions import Permission
from mlcontinuum.web import csrf
from mlcontinuum.web.labels import role_label
from mlcontinuum.web.navigation import Navigation

KIT_TEMPLATES = Path(__file__).parent / "templates"


def _when(value: datetime | None) -> str:
    """Times are stored in UTC and shown in UTC, so every reader sees the same clock."""
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _number(value: float | None) -> str:
    """KPI values as people write them: 0.15, not 0.15000000000000002 or 1.5e-01."""
    return "" if value is None else f"{value:.6g}"


def templates_for(folders: Iterable[Path], permissions: Iterable[Permission]) -> Jinja2Templates:
    """Templates from the kit's folder and each slice's, with the filters pages share."""
    loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(KIT_TEMPLATES)]
        + [jinja2.FileSystemLoader(folder) for folder in folders]
    )
    templates = Jinja2Templates(env=jinja2.Environment(loader=loader, autoescape=True))
    env = templates.env
    env.globals["version"] = __version__
    # Templates ask `access.can(Permission.CHARTER_WRITE)` to show edit controls only to writers.
    env.globals["Permission"] = SimpleNamespace(**{p.constant: p for p in permissions})
    env.filters["when"] = _when
    env.filters["number"] = _number
    env.filters["role"] = role_label
    return templates


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    context = dict(context or {})
    access = context.setdefault("access", getattr(request.state, "access", None))
    context.setdefault("principal", getattr(request.state, "principal", None))
    if "nav" not in context:
        navigation: Navigation = request.app.state.navigation
        context["nav"] = navigation.areas_for(access)
    context["csrf_token"] = csrf.token_for(request)
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(request, template, context, status_code=status)
    csrf.set_cookie_if_new(request, response)
    return response
