"""Fixtures of the evaluation tests: the releases tests' team, the monitoring tests' table counts,
and a deployment to monitor."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.monitoring.conftest import counts
from tests.monitoring.evaluation.helpers import Monitor
from tests.teams import Team

__all__ = ["counts"]  # a fixture shared rather than copied


@pytest.fixture
def monitor(team: Team, app: FastAPI) -> Monitor:
    return Monitor(team, app)
