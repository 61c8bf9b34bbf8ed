"""Fixtures of the alerts tests: the releases tests' team, and a deployment to monitor."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import Account, Accounts
from tests.evaluation.helpers import Monitor
from tests.releases.conftest import Team


@pytest.fixture
def team(client: TestClient, accounts: Accounts, owner: Account, project: str) -> Team:
    return Team(client, accounts, owner, project)


@pytest.fixture
def monitor(team: Team, app: FastAPI) -> Monitor:
    return Monitor(team, app)
