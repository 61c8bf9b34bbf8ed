"""Who is asking: a signed-in user, possibly narrowed by the API token they used."""

from __future__ import annotations

from dataclasses import dataclass

from mlcontinuum.kernel.auth.permissions import Role


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    is_admin: bool
    token_project_id: int | None = None  # a project-scoped token sees only this project
    role_ceiling: Role | None = None  # a token's ceiling caps the user's role

    @property
    def narrowed(self) -> bool:
        return self.token_project_id is not None or self.role_ceiling is not None
