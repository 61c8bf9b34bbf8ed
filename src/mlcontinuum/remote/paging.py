"""Walking a paged listing to its end: the server answers lists as `{items, total, ...}` pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

T_co = TypeVar("T_co", covariant=True)
T = TypeVar("T")

# The server's largest page; listing everything in big pages keeps round trips few.
MAX_PER_PAGE = 200


class Page(Protocol[T_co]):
    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def total(self) -> int: ...


def every_item(fetch: Callable[[int, int], Page[T]]) -> list[T]:
    """Every item of a listing: `fetch(page, per_page)` is called for page 1, 2, ... until the
    total is reached (or a page comes back empty, should the listing shrink meanwhile)."""
    found: list[T] = []
    page = 1
    while True:
        batch = fetch(page, MAX_PER_PAGE)
        found.extend(batch.items)
        if not batch.items or len(found) >= batch.total:
            return found
        page += 1
