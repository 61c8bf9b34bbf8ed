"""How pages show errors: signed-out visitors are sent to the login page, others see a page."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from mlcontinuum.kernel.errors import ContinuumError


def render_error(request: Request, error: ContinuumError) -> Response:
    from mlcontinuum.web.templating import render

    if error.status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    # The failed request's transaction was rolled back, which expired the project loaded by the
    # guard, and its session is closed: error pages show no project navigation.
    context: dict[str, object] = {"error": error, "access": None, "nav": []}
    response = render(request, "error.html", context, status=error.status)
    retry = getattr(error, "retry_after_seconds", None)
    if retry is not None:
        response.headers["Retry-After"] = str(retry)
    return response
