"""Deny by default: every route must declare exactly what it needs through a `Guard`.

`GuardedRoute` refuses, when the app is built, any route whose dependencies hold no guard, so an
unguarded route cannot ship. Guards authenticate, then authorise against the project named in
the path. How they authenticate is the route's business, not the guard's: API routes
(`GuardedRoute`) take a bearer token, pages (`PageRoute`) the session cookie, so one guard per
permission serves both and no alias is written twice.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from mlcontinuum.kernel.auth import service as auth_service
from mlcontinuum.kernel.auth.access import ProjectAccess, project_access, require_instance
from mlcontinuum.kernel.auth.permissions import (
    ADMIN,
    PROJECT_READ,
    PUBLIC,
    SIGNED_IN,
    Permission,
)
from mlcontinuum.kernel.auth.principal import Principal
from mlcontinuum.kernel.errors import AuthenticationRequired
from mlcontinuum.kernel.storage.db import Db

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


def scheme_of(request: Request) -> Scheme:
    """The matched route's scheme; routes outside a `GuardedRoute` (none ship) use tokens."""
    scheme: Scheme = getattr(request.scope.get("route"), "scheme", Scheme.TOKEN)
    return scheme


class Guard:
    """Base of every guard; the route walker looks for instances of this class."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def principal(self, request: Request, db: Session) -> Principal | None:
        principal = authenticate(request, db, scheme_of(request))
        request.state.principal = principal
        if principal is None and self.permission != PUBLIC:
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
    """An API route (bearer tokens) that cannot be built without exactly one guard."""

    scheme: ClassVar[Scheme] = Scheme.TOKEN

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        guards = guards_of(self.dependant)
        if len(guards) != 1:
            raise RuntimeError(
                f"route {sorted(self.methods or ())} {path} declares {len(guards)} guards; "
                "every route needs exactly one (deny by default)"
            )
        self.guard = guards[0]


class PageRoute(GuardedRoute):
    """A page: the same guards, authenticated by the browser session."""

    scheme: ClassVar[Scheme] = Scheme.SESSION


# The guards every slice uses; a slice declares the rest next to its permissions.
Public = Annotated[Principal | None, Depends(InstanceGuard(PUBLIC))]
SignedIn = Annotated[Principal, Depends(InstanceGuard(SIGNED_IN))]
Admin = Annotated[Principal, Depends(InstanceGuard(ADMIN))]
ProjectRead = Annotated[ProjectAccess, Depends(ProjectGuard(PROJECT_READ))]


def project_guard(permission: Permission) -> Any:
    """The dependency of a project permission, for `Annotated[ProjectAccess, ...]` aliases."""
    return Depends(ProjectGuard(permission))
