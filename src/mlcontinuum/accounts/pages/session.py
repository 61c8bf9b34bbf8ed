"""Signing in and out, and the front door."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from mlcontinuum.kernel.auth import service
from mlcontinuum.kernel.auth.guards import SESSION_COOKIE, Public, SignedIn
from mlcontinuum.kernel.errors import AuthenticationRequired, TooManyRequests
from mlcontinuum.kernel.storage.db import Db
from mlcontinuum.web.routing import page_router
from mlcontinuum.web.templating import render

routes = page_router()


def _safe_next(target: str | None) -> str:
    """Only same-site paths: `//evil.example` or `https://...` would be an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/projects"


@routes.get("/")
def home(principal: Public) -> RedirectResponse:
    return RedirectResponse("/projects" if principal else "/login", status_code=303)


@routes.get("/login")
def login_form(request: Request, principal: Public, next: str | None = None) -> Response:
    if principal is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "username": ""})


@routes.post("/login")
def login(
    request: Request,
    db: Db,
    _: Public,
    username: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/projects",
) -> Response:
    settings = request.app.state.settings
    throttle = service.Throttle(
        max_failures=settings.login_max_failures,
        window=timedelta(minutes=settings.login_window_minutes),
    )
    client = request.client.host if request.client else "unknown"
    try:
        user = service.authenticate(
            db, username.strip(), password, client=client, throttle=throttle
        )
    except (AuthenticationRequired, TooManyRequests) as err:
        # Caught here, so the request's transaction still commits the recorded failed attempt.
        status = 429 if isinstance(err, TooManyRequests) else 401
        response = render(
            request,
            "login.html",
            {"next": _safe_next(next), "username": username, "error": err.message},
            status=status,
        )
        if isinstance(err, TooManyRequests):
            response.headers["Retry-After"] = str(err.retry_after_seconds)
        return response
    raw = service.start_session(db, user, hours=settings.session_hours)
    redirect = RedirectResponse(_safe_next(next), status_code=303)
    redirect.set_cookie(
        SESSION_COOKIE,
        raw,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return redirect


@routes.post("/logout")
def logout(request: Request, db: Db, _: SignedIn) -> RedirectResponse:
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        service.end_session(db, raw)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
