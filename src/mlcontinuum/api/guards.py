"""Deny by default: every route must declare exactly what it needs through a `Guard`.

`GuardedRoute` refuses, when the app is built, any route whose dependencies hold no guard, so an
unguarded route cannot ship. Guards authenticate (API token or browser session), then authorise
against the project named in the path.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from mlcontinuum.api.db import Db
from mlcontinuum.auth import service as auth_service
from mlcontinuum.auth.access import ProjectAccess, project_access, require_instance
from mlcontinuum.auth.principal import Principal
from mlcontinuum.auth.roles import Permission
from mlcontinuum.errors import AuthenticationRequired

SESSION_COOKIE = "continuum_session"


class Scheme(StrEnum):
    TOKEN = "token"  # Authorization: Bearer cnt_...  (API, SDK, CLI)
    SESSION = "session"  # session cookie + CSRF token (web pages)


def authenticate(request: Request, db: Session, scheme: Scheme) -> Principal | None:
    if scheme is Scheme.TOKEN:
        header = request.headers.get("authorization", "")
        if not header:
            return None
        kind, _, credential = header.partition(" ")
        if kind.lower() != "bearer" or not credential.strip():
            raise AuthenticationRequired("use the header 'Authorization: Bearer <token>'")
        principal = auth_service.token_principal(db, credential.strip())
        if principal is None:
            raise AuthenticationRequired("the API token is unknown, expired or revoked")
        return principal
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    found = auth_service.session_principal(db, raw)
    return found[0] if found else None


class Guard:
    """Base of every guard; the route walker looks for instances of this class."""

    def __init__(self, permission: Permission, scheme: Scheme) -> None:
        self.permission = permission
        self.scheme = scheme

    def principal(self, request: Request, db: Session) -> Principal | None:
        principal = authenticate(request, db, self.scheme)
        request.state.principal = principal
        if principal is None and self.permission is not Permission.PUBLIC:
            raise AuthenticationRequired("sign in, or send an API token")
        return principal


class InstanceGuard(Guard):
    """Guards routes that need no project: public, any signed-in user, administrators."""

    def __call__(self, request: Request, db: Db) -> Principal | None:
        principal = self.principal(request, db)
        if principal is not None:
            require_instance(principal, self.permission)
        return principal


class ProjectGuard(Guard):
    """Guards routes under `/projects/{project}`: resolves the project or answers 404/403."""

    def __call__(self, request: Request, project: str, db: Db) -> ProjectAccess:
        principal = self.principal(request, db)
        assert principal is not None
        access = project_access(db, principal, project, self.permission)
        request.state.access = access
        return access


def guards_of(dependant: Dependant) -> list[Guard]:
    found: list[Guard] = []
    for dep in dependant.dependencies:
        if isinstance(dep.call, Guard):
            found.append(dep.call)
        found.extend(guards_of(dep))
    return found


class GuardedRoute(APIRoute):
    """An APIRoute that cannot be built without exactly one guard among its dependencies."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        guards = guards_of(self.dependant)
        if len(guards) != 1:
            raise RuntimeError(
                f"route {sorted(self.methods or ())} {path} declares {len(guards)} guards; "
                "every route needs exactly one (deny by default)"
            )
        self.guard = guards[0]
