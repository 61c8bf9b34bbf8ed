"""Fixtures of the alerts tests: the releases tests' team, and a deployment to monitor."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.monitoring.evaluation.helpers import Monitor
from tests.teams import Team


@pytest.fixture
def monitor(team: Team, app: FastAPI) -> Monitor:
    return Monitor(team, app)
