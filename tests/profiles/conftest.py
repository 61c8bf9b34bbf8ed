"""Shared data for the profile tests: the benchmark workload at a size CI can afford."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

# bench/ sits at the repository root, outside the installed package.
_REPO_ROOT = str(Path(__file__).resolve().parents[2])
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

from bench.workload import make_workload  # noqa: E402

WORKLOAD_ROWS = 200_000


@pytest.fixture(scope="session")
def workload() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    return make_workload(WORKLOAD_ROWS, seed=11)
