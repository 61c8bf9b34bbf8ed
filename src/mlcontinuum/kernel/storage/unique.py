"""Uniqueness rules checked before writing, so people get a 409 that names the field.

The database's unique constraints remain the last word: a race past this check ends as an
IntegrityError, which the API also answers with 409.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from mlcontinuum.kernel.errors import Conflict, FieldProblem


def ensure_unique(
    session: Session,
    id_column: InstrumentedAttribute[int],
    *conditions: ColumnElement[bool],
    own_id: int | None,
    message: str,
    hint: str,
    field: str = "name",
) -> None:
    """Refuse when a row other than `own_id` matches `conditions`."""
    clash: Any = session.scalar(select(id_column).where(*conditions))
    if clash is not None and clash != own_id:
        raise Conflict(message, [FieldProblem(field, "unique", hint)])
