"""The floors of the profile benchmark do the work they claim, and the report holds Continuum to
the sketch floor on CPU time. No timings here: the bench measures, the tests check the code."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from bench.report import GOAL_SKETCH_FLOOR_RATIO, ToolRun, floor_rows, ratios
from bench.workload import make_workload

# The peers' modules are scripts run from bench/peers, not a package: load the file itself.
_spec = importlib.util.spec_from_file_location(
    "bench_peers_floors", Path(__file__).resolve().parents[2] / "bench" / "peers" / "floors.py"
)
assert _spec is not None
assert _spec.loader is not None
floors = importlib.util.module_from_spec(_spec)
# Registered first: dataclasses look their module up in sys.modules.
sys.modules[_spec.name] = floors
_spec.loader.exec_module(floors)
KLL_K, prepare, sketch_floor, touch_floor = (
    floors.KLL_K,
    floors.prepare,
    floors.sketch_floor,
    floors.touch_floor,
)


def test_prepare_splits_numbers_and_precomputes_codes() -> None:
    reference, _, _ = make_workload(5_000)
    prepared = prepare(reference)
    assert len(prepared.numeric) == 15
    assert len(prepared.codes) == 5
    for values in prepared.numeric:
        assert values.dtype == np.float64
        assert values.flags.writeable
    for codes, column in zip(prepared.codes, prepared.categorical, strict=True):
        counts = np.bincount(codes)
        assert sorted(counts.tolist()) == sorted(column.value_counts().tolist())


def test_floors_touch_every_column() -> None:
    frame = pd.DataFrame(
        {"x": np.arange(10_000, dtype=np.float64), "c": np.array(["a", "b"] * 5_000, dtype=object)}
    )
    prepared = prepare(frame)
    assert touch_floor(prepared) == 1 + 1  # one finite sum, largest code 1
    # KLL retains at most ~3k items at k = 1024; the bincount finds 2 labels.
    assert 2 < sketch_floor(prepared) < 3 * KLL_K + 100


def _run(key: str, profile: float, cpu: float, floors: dict[str, dict[str, float]]) -> ToolRun:
    return ToolRun(
        key=key,
        tool=key,
        rows=1_000,
        profile_seconds=profile,
        profile_cpu_seconds=cpu,
        compare_seconds=0.01,
        compare_cpu_seconds=0.01,
        floors=floors,
    )


def test_the_sketch_floor_goal_is_judged_on_cpu_time() -> None:
    floors = {
        "sketch": {"seconds": 1.0, "cpu_seconds": 1.0},
        "touch": {"seconds": 0.1, "cpu_seconds": 0.1},
    }
    # Two threads: under the floor in wall time, over it in CPU time.
    over = _run("continuum", 0.9, GOAL_SKETCH_FLOOR_RATIO + 0.2, floors)
    (ratio,) = [r for r in ratios({"continuum": over}) if "sketch" in r.name]
    assert ratio.wall < 1
    assert ratio.met is False
    under = _run("continuum", 1.2, 1.4, floors)
    (ratio,) = [r for r in ratios({"continuum": under}) if "sketch" in r.name]
    assert ratio.met is True
    rows = floor_rows({"continuum": under})
    assert [row[0].split(":")[0] for row in rows[:3]] == [
        "Continuum profile (pandas strings)",
        "sketch floor",
        "touch floor",
    ]
    assert rows[2][3] == "12.00x"
