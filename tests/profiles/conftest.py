"""Shared data for the profile tests: the benchmark workload at a size CI can afford."""

from __future__ import annotations

import pandas as pd
import pytest
from bench.workload import make_workload

WORKLOAD_ROWS = 200_000


@pytest.fixture(scope="session")
def workload() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    return make_workload(WORKLOAD_ROWS, seed=11)
