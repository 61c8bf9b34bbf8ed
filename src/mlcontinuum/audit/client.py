"""The audit part of the SDK: a project's events, and the check of its hash chain."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from mlcontinuum.audit.schemas import ChainPublic, EventPage
from mlcontinuum.remote.base import ApiBase, seg


class AuditClient(ApiBase):
    def list_events(
        self,
        slug: str,
        *,
        types: Iterable[str] = (),
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> EventPage:
        """One page of the project's events, newest first, filtered on the server."""
        params: dict[str, Any] = {"type": list(types), "page": page, "per_page": per_page}
        if actor is not None:
            params["actor"] = actor
        if since is not None:
            params["since"] = since.isoformat()
        if until is not None:
            params["until"] = until.isoformat()
        return self._get(EventPage, f"/projects/{seg(slug)}/events", params=params)

    def verify_audit(self, slug: str) -> ChainPublic:
        """Have the server recompute the project's hash chain; `.ok` is False at a broken link."""
        return self._get(ChainPublic, f"/projects/{seg(slug)}/audit/verify")
