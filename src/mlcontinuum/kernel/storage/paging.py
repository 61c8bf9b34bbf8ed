"""One page of a list query, for the `{items, total, page, per_page}` answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

Row = TypeVar("Row")


def page_of(
    session: Session,
    query: Select[Row],
    *order_by: ColumnElement[Any] | QueryableAttribute[Any],
    page: int,
    per_page: int,
) -> tuple[int, Sequence[Row]]:
    """How many rows `query` selects in all, and those of page `page` (from 1) in `order_by`."""
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(*order_by).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return total, rows
