"""Jinja2 environment and the one `render` every page uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from mlcontinuum import __version__
from mlcontinuum.web import csrf
from mlcontinuum.web.navigation import areas_for

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.globals["version"] = __version__


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    context = dict(context or {})
    access = getattr(request.state, "access", None)
    context.setdefault("principal", getattr(request.state, "principal", None))
    context.setdefault("access", access)
    context.setdefault("nav", areas_for(access.project.slug if access else None))
    context["csrf_token"] = csrf.token_for(request)
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status)
    csrf.set_cookie_if_new(request, response)
    return response
