"""Dependencies the API routes share, as named `Annotated` aliases (guards live with the
permissions they check: the kernel's in `kernel.auth.guards`, each slice's in its own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from mlcontinuum.kernel.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings)]

MAX_PER_PAGE = 200
Page = Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1.")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page.")]
