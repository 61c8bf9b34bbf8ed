"""The accounts part of the SDK: the token's own account and its API tokens."""

from __future__ import annotations

from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.auth.schemas import TokenCreated, TokenPublic, UserPublic
from mlcontinuum.remote.base import ApiBase


class AccountsClient(ApiBase):
    def me(self) -> UserPublic:
        """The account the token belongs to."""
        return self._get(UserPublic, "/me")

    def create_token(
        self,
        name: str,
        *,
        project: str | None = None,
        role_ceiling: Role | str | None = None,
        expires_in_days: int | None = 90,
    ) -> TokenCreated:
        """A new token of your account; `.token` holds the secret, shown this once only."""
        data = {
            "name": name,
            "project": project,
            "role_ceiling": role_ceiling,
            "expires_in_days": expires_in_days,
        }
        return self._send(TokenCreated, "POST", "/tokens", data)

    def list_tokens(self) -> list[TokenPublic]:
        return self._get_list(TokenPublic, "/tokens")

    def revoke_token(self, token_id: int) -> TokenPublic:
        return self._send(TokenPublic, "DELETE", f"/tokens/{token_id}")
