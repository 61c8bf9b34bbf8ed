"""Reading one row that must exist: the same 404 wherever a project's record is looked up."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from mlcontinuum.kernel.errors import NotFound

Row = TypeVar("Row")


def one_or_not_found(session: Session, query: Select[Row], missing: str) -> Row:
    """The row `query` selects, or NotFound(`missing`). Queries filter by project, so another
    project's ids answer exactly like ids that do not exist."""
    row = session.scalar(query)
    if row is None:
        raise NotFound(missing)
    return row
