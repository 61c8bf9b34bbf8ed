"""Fixtures of the page tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from tests.conftest import Account
from tests.web.pagekit import Visit, Visitor


@pytest.fixture
def visit(app: FastAPI) -> Iterator[Visit]:
    """`visit(account)` gives a signed-in Visitor; `visit()` a signed-out one."""
    opened: list[Visitor] = []

    def open_as(account: Account | None = None) -> Visitor:
        visitor = Visitor(app)
        opened.append(visitor)
        return visitor.sign_in(account) if account else visitor

    yield open_as
    for visitor in opened:
        visitor.close()
