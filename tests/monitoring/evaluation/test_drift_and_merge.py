"""Window profiles and drift: drift appears only where the data shifted; a day window is the merge
of its hours; incremental merging gives the profile of everything; re-evaluating reads no batch
profile; stored profiles stay bounded whatever the rows. Every test runs on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import update

from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.models import MonitorBatch, MonitorWindow
from mlcontinuum.monitoring.windows import mark_dirty
from mlcontinuum.profiles import Profile, loads, merge
from tests.monitoring.evaluation.helpers import DAY0, Monitor, frame, hour, profile_of

FEATURES = {"monthly_charges", "tenure", "contract"}


def _reference(seed: int = 1) -> Profile:
    return profile_of(frame(np.random.default_rng(seed), 5_000))


def assert_same_profile(a: Profile, b: Profile) -> None:
    """Equal up to float rounding (moments) and sketch error (quantiles)."""
    assert a.row_count == b.row_count
    assert list(a.columns) == list(b.columns)
    for name, x in a.columns.items():
        y = b.columns[name]
        assert (x.kind, x.count, x.nulls, x.nan) == (y.kind, y.count, y.nulls, y.nan), name
        if x.moments is not None:
            assert y.moments is not None
            assert x.moments.n == y.moments.n
            assert x.moments.mean == pytest.approx(y.moments.mean, rel=1e-9)
            assert x.moments.m2 == pytest.approx(y.moments.m2, rel=1e-9)
            assert (x.moments.minimum, x.moments.maximum) == (y.moments.minimum, y.moments.maximum)
        if x.categories is not None:
            assert y.categories is not None
            assert x.categories.as_dict() == y.categories.as_dict()
        if x.quantiles is not None:
            assert y.quantiles is not None
            for rank in (0.05, 0.25, 0.5, 0.75, 0.95):
                # KLL compaction is randomised: compare ranks within the sketch's error.
                assert y.quantiles.get_rank(x.quantiles.get_quantile(rank)) == pytest.approx(
                    rank, abs=0.01
                )


def test_drift_appears_only_in_the_shifted_windows(monitor: Monitor) -> None:
    rng = np.random.default_rng(7)
    deployment = monitor.deploy(_reference())
    for n in range(5):
        monitor.store_batch(deployment, hour(n), frame(rng, 1_500, shifted=n >= 3))

    run = monitor.evaluate(deployment)
    assert run == {
        "evaluated": 6,
        "deployment_windows": 6,
        "kpi_windows": 0,
        "errors": 0,
    }  # five hours and their day

    windows = monitor.windows(deployment, "hour")
    assert [w["start"] for w in windows] == [
        (DAY0 + timedelta(hours=n)).isoformat().replace("+00:00", "Z") for n in range(5)
    ]
    for n, window in enumerate(windows):
        evaluation = window["evaluation"]
        assert not window["dirty"]
        assert window["rows"] == 1_500
        assert window["batches"] == 1
        assert evaluation["reference"]["rows"] == 5_000
        assert evaluation["error"] is None
        by_column = {c["column"]: c for c in evaluation["drift"]}
        assert set(by_column) == FEATURES
        drifted = {c for c, d in by_column.items() if d["drifted"]}
        if n >= 3:
            assert drifted == {"monthly_charges", "contract"}, n
            assert by_column["monthly_charges"]["score"] >= 1
            assert window["drifted_features"] == 2
        else:
            assert drifted == set(), (n, by_column)
            assert window["drifted_features"] == 0
        assert all(c["score"] < 1 for c in by_column.values() if not c["drifted"])
        for column in by_column.values():
            assert column["skipped"] is None
            assert {m["method"] for m in column["methods"]}
            for method in column["methods"]:
                assert set(method) == {
                    "method",
                    "value",
                    "threshold",
                    "noise_floor",
                    "p_value",
                    "drifted",
                }
        checks = {c["name"]: c for c in evaluation["checks"]}
        assert "row_count" not in checks  # an hour of traffic is not a training set
        assert {"missing_rate", "unseen_categories", "removed_columns"} <= set(checks)
        assert all(c["passed"] for c in checks.values())
        assert window["failed_checks"] == 0
        assert evaluation["performance"] is None  # no labels yet
        assert evaluation["kpis"] == []

    day = monitor.windows(deployment, "day")
    assert len(day) == 1
    assert day[0]["rows"] == 5 * 1_500
    assert day[0]["batches"] == 5


def test_a_day_window_is_the_merge_of_its_hours(monitor: Monitor) -> None:
    rng = np.random.default_rng(3)
    deployment = monitor.deploy(_reference())
    for n in (0, 0, 1, 5, 5, 5, 23):
        monitor.store_batch(deployment, hour(n), frame(rng, 400 + 50 * n, shifted=n == 5))
    monitor.evaluate(deployment)

    hours = monitor.windows(deployment, "hour")
    assert [w["batches"] for w in hours] == [2, 1, 3, 1]
    parts = [loads(_profile(monitor, w["id"])) for w in hours]
    merged = parts[0]
    for part in parts[1:]:
        merged = merge(merged, part)
    (day,) = monitor.windows(deployment, "day")
    assert day["rows"] == sum(w["rows"] for w in hours) == merged.row_count
    assert day["batches"] == 7
    assert_same_profile(loads(_profile(monitor, day["id"])), merged)


def test_incremental_merging_gives_the_profile_of_everything(monitor: Monitor) -> None:
    rng = np.random.default_rng(5)
    deployment = monitor.deploy(_reference())
    frames = [frame(rng, 700 + 100 * i) for i in range(5)]
    ids = [monitor.store_batch(deployment, hour(2), frames[i]) for i in range(3)]
    monitor.evaluate(deployment)
    window_id = monitor.window_at(deployment, Granularity.HOUR, DAY0 + timedelta(hours=2))
    first = monitor.window_row(window_id)
    assert (first.batches, first.merged_through_batch_id) == (3, ids[-1])

    ids += [monitor.store_batch(deployment, hour(2), frames[i]) for i in (3, 4)]
    assert monitor.evaluate(deployment)["deployment_windows"] == 2
    second = monitor.window_row(window_id)
    assert (second.batches, second.merged_through_batch_id) == (5, ids[-1])
    assert second.rows == sum(len(f) for f in frames)

    everything = profile_of(frames[0])
    for part in frames[1:]:
        everything = merge(everything, profile_of(part))
    assert second.profile is not None
    assert_same_profile(loads(second.profile), everything)


def test_re_evaluating_reads_no_batch_profile_again(monitor: Monitor) -> None:
    rng = np.random.default_rng(9)
    deployment = monitor.deploy(_reference())
    first = monitor.store_batch(deployment, hour(1), frame(rng, 1_000))
    monitor.evaluate(deployment)
    window_id = monitor.window_at(deployment, Granularity.HOUR, DAY0 + timedelta(hours=1))
    before = monitor.window_row(window_id)

    # Damage the merged batch's stored profile: any evaluation that read it again would fail.
    with transaction(monitor.factory) as db:
        db.execute(update(MonitorBatch).where(MonitorBatch.id == first).values(profile=b"gone"))
        mark_dirty(db, before.project_id, deployment, [hour(1)])  # as a labels delivery does
    assert monitor.evaluate(deployment)["errors"] == 0
    again = monitor.window_row(window_id)
    assert again.evaluation is not None
    assert again.evaluation["error"] is None
    assert again.evaluated_at is not None
    assert before.evaluated_at is not None
    assert again.evaluated_at > before.evaluated_at
    assert (again.merged_through_batch_id, again.batches, again.rows) == (first, 1, 1_000)
    assert again.profile == before.profile

    # A new batch is merged on its own: the damaged one is still not read.
    second = monitor.store_batch(deployment, hour(1), frame(rng, 500))
    assert monitor.evaluate(deployment)["errors"] == 0
    last = monitor.window_row(window_id)
    assert (last.merged_through_batch_id, last.batches, last.rows) == (second, 2, 1_500)


def test_a_batch_committed_below_the_mark_is_not_lost(monitor: Monitor) -> None:
    """On PostgreSQL a batch can commit after one with a higher id was merged; the evaluator
    notices (it counts batches at or below its mark) and rebuilds the window's profile."""
    rng = np.random.default_rng(13)
    deployment = monitor.deploy(_reference())
    early = monitor.store_batch(deployment, hour(0), frame(rng, 300))
    late = monitor.store_batch(deployment, hour(0), frame(rng, 400))
    window_id = monitor.window_at(deployment, Granularity.HOUR, DAY0)
    # What the evaluator would have stored had it run before `early` committed.
    with transaction(monitor.factory) as db:
        alone = db.get_one(MonitorBatch, late)
        db.execute(
            update(MonitorWindow)
            .where(MonitorWindow.id == window_id)
            .values(profile=alone.profile, rows=400, batches=1, merged_through_batch_id=late)
        )
    monitor.evaluate(deployment)
    window = monitor.window_row(window_id)
    assert (window.batches, window.rows, window.merged_through_batch_id) == (2, 700, late)
    assert window.profile is not None
    assert loads(window.profile).row_count == 700
    assert early < late


def test_stored_profiles_are_bounded_whatever_the_rows(monitor: Monitor) -> None:
    rng = np.random.default_rng(11)
    deployment = monitor.deploy(_reference())
    monitor.store_batch(deployment, hour(0), frame(rng, 1_000), with_predictions=False)
    monitor.store_batch(deployment, hour(1), frame(rng, 200_000), with_predictions=False)
    monitor.evaluate(deployment)
    small = monitor.window_row(monitor.window_at(deployment, Granularity.HOUR, DAY0))
    large = monitor.window_row(
        monitor.window_at(deployment, Granularity.HOUR, DAY0 + timedelta(hours=1))
    )
    assert (small.rows, large.rows) == (1_000, 200_000)
    assert small.profile is not None
    assert large.profile is not None
    # 200 times the rows, a small multiple of the bytes: sketches, not rows, are stored.
    assert len(large.profile) < 4 * len(small.profile), (len(small.profile), len(large.profile))
    assert len(large.profile) < 200_000


def _profile(monitor: Monitor, window_id: int) -> bytes:
    raw = monitor.window_row(window_id).profile
    assert raw is not None
    return raw
