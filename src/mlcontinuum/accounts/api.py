"""Health, who am I, my API tokens, and (for administrators) user accounts."""

from __future__ import annotations

from fastapi import status

from mlcontinuum import __version__
from mlcontinuum.api.routing import api_router
from mlcontinuum.kernel.auth import service
from mlcontinuum.kernel.auth.access import project_access
from mlcontinuum.kernel.auth.guards import Admin, Public, SignedIn
from mlcontinuum.kernel.auth.models import User
from mlcontinuum.kernel.auth.permissions import PROJECT_READ
from mlcontinuum.kernel.auth.schemas import (
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserCreate,
    UserPublic,
)
from mlcontinuum.kernel.storage.db import Db

routes = api_router(tags=["account"])


@routes.get("/health")
def health(_: Public) -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@routes.get("/me", response_model=UserPublic)
def me(db: Db, principal: SignedIn) -> User:
    return db.get_one(User, principal.user_id)


@routes.get("/tokens", response_model=list[TokenPublic])
def list_tokens(db: Db, principal: SignedIn) -> list[TokenPublic]:
    return service.list_tokens(db, principal)


@routes.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(db: Db, principal: SignedIn, data: TokenCreate) -> TokenCreated:
    """Create an API token. Its secret is in the answer and never shown again."""
    project_id = None
    if data.project:
        project_id = project_access(db, principal, data.project, PROJECT_READ).project.id
    return service.create_token(db, principal, data, project_id=project_id)


@routes.delete("/tokens/{token_id}", response_model=TokenPublic)
def revoke_token(db: Db, principal: SignedIn, token_id: int) -> TokenPublic:
    return service.revoke_token(db, principal, token_id)


@routes.get("/users", response_model=list[UserPublic])
def list_users(db: Db, _: Admin) -> list[User]:
    return service.list_users(db)


@routes.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(db: Db, admin: Admin, data: UserCreate) -> User:
    return service.create_user(db, data, actor=admin.username)
