"""Runs and model versions through the SDK, against a real server over HTTP."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from mlcontinuum.profiles import build_profile, dumps
from mlcontinuum.registry.client.tracking import git_state
from mlcontinuum.sdk import Client, ConflictError
from tests.conftest import Account


@pytest.fixture
def project(sdk: Client) -> str:
    sdk.create_project({"slug": "churn", "name": "Churn"})
    sdk.add_kpi(
        "churn",
        {
            "name": "ROC AUC",
            "kind": "analytic",
            "direction": "higher_is_better",
            "baseline": 0.74,
            "target": 0.84,
            "alert_threshold": 0.8,
            "frequency": "monthly",
        },
    )
    return "churn"


def test_a_training_loop_logs_in_batches(sdk: Client, project: str) -> None:
    with sdk.start_run(
        project,
        hypothesis="deeper trees lift AUC",
        kpi="ROC AUC",
        git_commit="abc1234",
        git_dirty=False,
    ) as run:
        run.log_params({"max_depth": 6, "learning_rate": 0.1})
        for step in range(1_500):  # more points than one batch may hold
            run.log_metrics({"loss": 1.0 / (step + 1)})
        run.log_metric("val/auc", 0.83)
        run.log_metric("grad_norm", math.inf)
        run.set_tags({"stage": "tuning"})
    finished = sdk.get_run(project, run.number)
    assert finished.status == "finished"
    assert finished.kpi == "ROC AUC"
    assert finished.params == {"learning_rate": "0.1", "max_depth": "6"}
    assert finished.metrics["loss"].step == 1_499
    assert finished.metrics["val/auc"].value == 0.83
    assert finished.metrics["grad_norm"].display == "Infinity"
    assert finished.tags == {"stage": "tuning"}


def test_an_exception_marks_the_run_failed_and_propagates(sdk: Client, project: str) -> None:
    run = sdk.start_run(project)

    def train() -> None:
        with run:
            run.log_metric("loss", math.nan)
            raise RuntimeError("diverged")

    with pytest.raises(RuntimeError, match="diverged"):
        train()
    failed = sdk.get_run(project, run.number)
    assert failed.status == "failed"
    assert failed.metrics["loss"].display == "NaN"


def test_changed_parameters_raise_the_servers_conflict(sdk: Client, project: str) -> None:
    run = sdk.start_run(project, params={"max_depth": 4})
    run.log_params({"max_depth": 8})
    with pytest.raises(ConflictError, match="start a new run"):
        run.flush()


def test_git_state_is_detected(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    assert git_state(str(tmp_path)) == (None, None)
    git("init", "-q")
    git(
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "start",
    )
    commit, dirty = git_state(str(tmp_path))
    assert commit is not None
    assert len(commit) == 40
    assert dirty is False
    (tmp_path / "train.py").write_text("print('changed')\n")
    assert git_state(str(tmp_path))[1] is True


def test_register_a_version_with_artifact_profile_and_card(
    sdk: Client, project: str, tmp_path: Path
) -> None:
    run = sdk.start_run(project, hypothesis="baseline")
    run.finish()
    version = sdk.create_version(
        project, "churn-model", {"runs": [run.number], "evaluation_metrics": {"roc_auc": 0.85}}
    )
    x = np.random.default_rng(3).random((80, 2))
    model_file = tmp_path / "model.skops"
    sio.dump(LogisticRegression().fit(x, x[:, 0] > 0.5), model_file)
    stored = sdk.upload_artifact(project, "churn-model", version.version, model_file)
    assert stored.artifact is not None
    assert stored.artifact.scan_verdict == "safe"
    frame = pd.DataFrame({"tenure": x[:, 0], "charges": x[:, 1]})
    with_profile = sdk.upload_reference_profile(
        project, "churn-model", version.version, dumps(build_profile(frame))
    )
    assert with_profile.reference_profile == {"rows": 80, "columns": ["tenure", "charges"]}
    card = sdk.model_card(project, "churn-model", version.version)
    assert "| ROC AUC | analytic | 0.84  | 0.8 | 0.85 | meets target |" in card


def test_runs_table_through_the_sdk(sdk: Client, project: str, owner: Account) -> None:
    for auc in (0.7, 0.9):
        with sdk.start_run(project) as run:
            run.log_metric("auc", auc)
    table = sdk.list_runs(project, sort="-metrics.auc", columns=["metrics.auc"])
    assert [row.metrics["auc"].value for row in table.items] == [0.9, 0.7]
    compared = sdk.compare_runs(project, [1, 2])
    assert compared.metric_keys == ["auc"]


def test_a_run_keeps_its_training_datas_profile(sdk: Client, project: str) -> None:
    frame = pd.DataFrame({"tenure": np.arange(50.0), "contract": ["monthly", "yearly"] * 25})
    with sdk.start_run(project, hypothesis="tenure explains churn") as run:
        profiled = run.log_reference_profile(frame)
    assert profiled.reference_profile == {"rows": 50, "columns": ["tenure", "contract"]}
    assert sdk.get_run(project, run.number).reference_profile == profiled.reference_profile
