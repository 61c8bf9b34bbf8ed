"""Pages of a long list, with previous/next links that keep the list's filters."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    total: int
    prev_url: str | None
    next_url: str | None


def pager(
    path: str, filters: dict[str, str | list[str]], *, page: int, per_page: int, total: int
) -> Pager:
    pages = max(1, -(-total // per_page))
    kept = {key: value for key, value in filters.items() if value}

    def url(number: int) -> str:
        return f"{path}?{urlencode({**kept, 'page': number}, doseq=True)}"

    return Pager(
        page=page,
        pages=pages,
        total=total,
        prev_url=url(page - 1) if page > 1 else None,
        next_url=url(page + 1) if page < pages else None,
    )
