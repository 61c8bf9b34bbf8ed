"""API shapes of the audit trail; kept apart from the routes so the SDK imports them cheaply."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class EventPublic(BaseModel):
    id: int
    seq: int
    actor: str
    type: str
    payload: dict[str, Any]
    at: datetime
    hash: str


class EventPage(BaseModel):
    items: list[EventPublic]
    total: int
    page: int
    per_page: int


class ChainPublic(BaseModel):
    ok: bool
    checked: int
    broken_seq: int | None
    reason: str | None
