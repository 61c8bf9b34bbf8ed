"""`continuum monitor push|labels` against a real server: files are profiled here, split into
batches, and a second run of the same command stores nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.monitoring.models import MonitorBatch
from mlcontinuum.profiles import loads
from tests.clikit import Cli, cli
from tests.monitoring.conftest import Counts, Monitoring, frame

__all__ = ["cli"]


@pytest.fixture
def remote(cli: Cli, live_server: str, monitoring: Monitoring) -> Cli:
    token = monitoring.team.engineer.token
    return Cli(cli.app, {**cli.env, "CONTINUUM_URL": live_server, "CONTINUUM_TOKEN": token})


def _predictions(rows: int, start: datetime) -> pd.DataFrame:
    data = frame(rows)
    data.insert(0, "request", [f"req-{i:04d}" for i in range(rows)])
    data["score"] = [round(i / rows, 3) for i in range(rows)]
    data["served_at"] = [(start + timedelta(minutes=4 * i)).isoformat() for i in range(rows)]
    data["label"] = [i % 2 for i in range(rows)]
    return data


def _monitor(
    remote: Cli, command: str, monitoring: Monitoring, path: Path, *extra: str
) -> tuple[int, str]:
    """`continuum monitor <command> PATH` for the monitored deployment: exit code, output."""
    result = remote(
        "monitor",
        command,
        str(path),
        "--deployment",
        str(monitoring.deployment_id),
        "--project",
        monitoring.team.project,
        *extra,
    )
    return result.exit_code, result.output


def _push(remote: Cli, monitoring: Monitoring, path: Path, *extra: str) -> tuple[int, str]:
    return _monitor(remote, "push", monitoring, path, *extra)


def test_push_splits_by_hour_and_rows_and_a_rerun_stores_nothing_twice(
    app: FastAPI, remote: Cli, monitoring: Monitoring, counts: Counts, tmp_path: Path
) -> None:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    path = tmp_path / "served.csv"
    _predictions(30, start).to_csv(path, index=False)  # 15 rows an hour over two hours
    options = ("--id-column", "request", "--prediction-column", "score")
    options += ("--at-column", "served_at", "--batch-rows", "10")
    code, output = _push(remote, monitoring, path, *options)
    assert code == 0, output
    assert "30 rows" in output
    assert "4 batch(es)" in output
    assert "4 new, 0 already there" in output
    assert counts.predictions == 30
    with transaction(app.state.session_factory) as db:
        stored = db.scalars(select(MonitorBatch).order_by(MonitorBatch.id)).all()
        hours = [b.hour_start for b in stored]
        profile = loads(stored[0].profile)
    assert hours == [start] * 2 + [start + timedelta(hours=1)] * 2
    assert [b.rows for b in stored] == [10, 5, 10, 5]
    assert set(profile.columns) == {"tenure", "monthly_charges", "contract"}

    code, output = _push(remote, monitoring, path, *options)
    assert code == 0, output
    assert "0 new, 4 already there" in output
    assert counts.predictions == 30
    assert counts.batches == 4


def test_push_parquet_at_one_time_then_labels(
    remote: Cli, monitoring: Monitoring, counts: Counts, tmp_path: Path
) -> None:
    data = _predictions(12, datetime.now(UTC)).drop(columns=["served_at", "label"])
    data = data.rename(columns={"request": "id", "score": "prediction"})
    data.to_parquet(tmp_path / "served.parquet")
    at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    code, output = _push(remote, monitoring, tmp_path / "served.parquet", "--at", at)
    assert code == 0, output
    assert "1 batch(es)" in output
    assert counts.predictions == 12

    truth = tmp_path / "truth.csv"
    truth.write_text("id,label\nreq-0000,1\nreq-0001,0\nreq-0002,\nreq-0003,1\n")
    code, output = _monitor(remote, "labels", monitoring, truth)
    assert code == 0, output
    assert "Sent 3 label(s) in 1 request(s)" in output
    assert "1 row(s) without a label skipped" in output
    assert counts.labelled == 3
    _, again = _monitor(remote, "labels", monitoring, truth)
    assert "0 new, 1 already there" in again
    assert counts.label_batches == 1


def test_labels_for_unknown_ids_exit_2_and_store_nothing(
    remote: Cli, monitoring: Monitoring, counts: Counts, tmp_path: Path
) -> None:
    truth = tmp_path / "truth.csv"
    truth.write_text("id,label\nghost-1,1\nghost-2,0\n")
    code, output = _monitor(remote, "labels", monitoring, truth)
    assert code == 2, output
    assert "'ghost-1'" in output
    assert "request 1 of 1 failed" in output
    assert counts.labelled == 0


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (("--id-column", "nope"), "has no column 'nope'"),
        (("--at", "yesterday"), "not an ISO 8601 time"),
        (("--at", "2026-01-01T00:00:00Z", "--at-column", "served_at"), "not both"),
        (("--prediction-column", "contract"), "not numbers"),
    ],
)
def test_bad_options_exit_2_before_sending(
    remote: Cli,
    monitoring: Monitoring,
    counts: Counts,
    tmp_path: Path,
    extra: tuple[str, ...],
    words: str,
) -> None:
    path = tmp_path / "served.csv"
    _predictions(5, datetime.now(UTC)).rename(columns={"request": "id"}).to_csv(path, index=False)
    code, output = _push(remote, monitoring, path, "--prediction-column", "score", *extra)
    assert code == 2, output
    assert words in output
    assert counts.batches == 0


def test_refusals_from_the_server_are_reported(
    remote: Cli, monitoring: Monitoring, counts: Counts, tmp_path: Path
) -> None:
    path = tmp_path / "served.txt"
    path.write_text("id,prediction\n1,0.5\n")
    code, output = _push(remote, monitoring, path)
    assert code == 2
    assert "unsupported file type" in output

    path = tmp_path / "served.csv"
    path.write_text("id,prediction,x\n1,0.5,3\n2,0.1,4\n")
    old = (datetime.now(UTC) - timedelta(days=1000)).isoformat()
    code, output = _push(remote, monitoring, path, "--at", old)
    assert code == 2, output
    assert "too old" in output

    viewer = Cli(remote.app, {**remote.env, "CONTINUUM_TOKEN": monitoring.team.viewer.token})
    code, output = _push(viewer, monitoring, path)
    assert code == 1, output
    assert "403" in output
    code, output = _push(remote, Monitoring(monitoring.team, 999), path)
    assert code == 2, output
    assert "no deployment 999" in output
    assert counts.batches == 0
