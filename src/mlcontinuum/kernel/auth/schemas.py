"""API shapes of the auth slice."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.strict import Strict

Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=2, max_length=64, pattern=r"^[a-z0-9_.-]+$"
    ),
]


class UserCreate(Strict):
    username: Username
    email: EmailStr
    full_name: str = Field(default="", max_length=200)
    password: str = Field(min_length=10, max_length=1024)
    is_admin: bool = False


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    email: str
    full_name: str
    is_admin: bool
    is_active: bool


class TokenCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    project: str | None = Field(default=None, description="Slug of the only project it may use.")
    role_ceiling: Role | None = Field(
        default=None, description="Highest role the token acts with, whatever the user's role."
    )
    expires_in_days: int | None = Field(default=90, ge=1, le=3650)


class TokenPublic(BaseModel):
    id: int
    name: str
    project: str | None
    role_ceiling: Role | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(TokenPublic):
    token: str = Field(description="The secret. Shown once; store it now.")


class MemberCreate(Strict):
    username: Username
    role: Role


class MemberPublic(BaseModel):
    username: str
    full_name: str
    role: Role
