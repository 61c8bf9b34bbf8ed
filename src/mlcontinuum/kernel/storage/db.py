"""The request's database session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session


def open_db(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent (scope="function"),
    so a 2xx always means the change is durable; any error rolls it back."""
    factory = request.app.state.session_factory
    with factory() as session, session.begin():
        yield session


Db = Annotated[Session, Depends(open_db, scope="function")]
