"""Jinja2 environment and the one `render` every page uses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from mlcontinuum import __version__
from mlcontinuum.auth.roles import Permission
from mlcontinuum.web import csrf
from mlcontinuum.web.labels import role_label
from mlcontinuum.web.navigation import areas_for

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.globals["version"] = __version__


def _when(value: datetime | None) -> str:
    """Times are stored in UTC and shown in UTC, so every reader sees the same clock."""
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _number(value: float | None) -> str:
    """KPI values as people write them: 0.15, not 0.15000000000000002 or 1.5e-01."""
    return "" if value is None else f"{value:.6g}"


# Templates ask `access.can(Permission.CHARTER_WRITE)` to show edit controls only to writers.
TEMPLATES.env.globals["Permission"] = Permission
TEMPLATES.env.filters["when"] = _when
TEMPLATES.env.filters["number"] = _number
TEMPLATES.env.filters["role"] = role_label


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    context = dict(context or {})
    access = context.setdefault("access", getattr(request.state, "access", None))
    context.setdefault("principal", getattr(request.state, "principal", None))
    if "nav" not in context:
        context["nav"] = areas_for(access)
    context["csrf_token"] = csrf.token_for(request)
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status)
    csrf.set_cookie_if_new(request, response)
    return response
