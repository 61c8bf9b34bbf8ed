"""The SDK against a real server over HTTP (uvicorn in a thread), on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mlcontinuum.sdk import Client
from tests.conftest import Account


@pytest.fixture
def sdk(live_server: str, owner: Account) -> Iterator[Client]:
    with Client(live_server, owner.token) as client:
        yield client
