"""CSRF protection for pages: a signed double-submit token.

A random value lives in a SameSite cookie; forms carry HMAC(server secret, value). A forged
form from another site can send the cookie but cannot compute the HMAC. It covers the login form
too, before any session exists.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from mlcontinuum.kernel.errors import PermissionDenied

CSRF_COOKIE = "continuum_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _sign(key: bytes, value: str) -> str:
    return hmac.new(key, f"csrf:{value}".encode(), hashlib.sha256).hexdigest()


def token_for(request: Request) -> str:
    """The token to put in this page's forms (creating the cookie value if needed)."""
    value = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if value is None:
        value = secrets.token_urlsafe(24)
        request.state.new_csrf = value
    return _sign(request.app.state.secret_key, value)


def set_cookie_if_new(request: Request, response: Response) -> None:
    value = getattr(request.state, "new_csrf", None)
    if value is not None:
        response.set_cookie(
            CSRF_COOKIE,
            value,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.secure_cookies,
        )


async def protect(request: Request) -> None:
    """Router dependency: unsafe methods need a valid token in the form or a header."""
    if request.method not in UNSAFE_METHODS:
        return
    value = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if (
        not value
        or not sent
        or not hmac.compare_digest(sent, _sign(request.app.state.secret_key, value))
    ):
        raise PermissionDenied(
            "this form has expired or did not come from Continuum; reload the page and try again"
        )
