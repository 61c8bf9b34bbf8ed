"""`continuum import mlflow` against a real MLflow store (SQLite, so the model registry works),
run locally on the test's database (both backends), and read back from a real Continuum server
over HTTP."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import Result
from typer.testing import CliRunner

from mlcontinuum.console import build_cli
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.sdk import Client, NotFoundError
from tests.conftest import Account, require
from tests.teams import Team

mlflow = require("mlflow", "pip install -e '.[test]'")
from mlflow.entities import Metric, Param  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

COMMIT = "0123456789abcdef0123456789abcdef01234567"
T0 = 1_700_000_000_000  # MLflow times are milliseconds since the epoch

# MLflow's own store, not Continuum, uses a loader strategy SQLAlchemy 2.1 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy")


@dataclass(frozen=True)
class Store:
    uri: str
    logreg: str
    failed: str
    forest: str


def _run(
    client: MlflowClient,
    experiment: str,
    name: str,
    *,
    params: dict[str, str],
    tags: dict[str, str],
    metrics: list[tuple[str, float, int]],
    status: str,
    start: int,
) -> str:
    run_id: str = client.create_run(
        experiment, start_time=start, tags=tags, run_name=name
    ).info.run_id
    client.log_batch(
        run_id,
        metrics=[Metric(k, v, start + 1000 * step, step) for k, v, step in metrics],
        params=[Param(k, v) for k, v in params.items()],
        tags=[],
    )
    client.set_terminated(run_id, status, end_time=start + 60_000)
    return run_id


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Two experiments, four runs (one failed), a model with two versions. Built once: the
    import only reads it."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    baseline = client.create_experiment("baseline")
    trees = client.create_experiment("trees")
    logreg = _run(
        client,
        baseline,
        "logreg",
        params={"C": "0.5", "solver": "lbfgs", "lr:decay": "0.1"},  # ':' is fine in MLflow only
        tags={
            "team": "churn",
            "mlflow.source.git.commit": COMMIT,
            "mlflow.note.content": "Regularisation keeps recall up",
            "mlflow.log-model.history": "[]",
        },
        metrics=[("loss", 0.9 - 0.1 * s, s) for s in range(5)] + [("auc", math.nan, 0)],
        status="FINISHED",
        start=T0,
    )
    failed = _run(
        client,
        baseline,
        "logreg-diverged",
        params={"C": "50"},
        tags={},
        metrics=[("loss", math.inf, 0)],
        status="FAILED",
        start=T0 + 100_000,
    )
    forest = _run(
        client,
        trees,
        "forest",
        params={"n_estimators": "100"},
        tags={"équipe": "ml"},  # a Unicode key: MLflow takes it, Continuum does not
        metrics=[("auc", 0.7 + 0.01 * s, s) for s in range(10)] + [("val:auc", 0.8, 0)],
        status="FINISHED",
        start=T0 + 200_000,
    )
    _run(client, trees, "gbm", params={}, tags={}, metrics=[], status="KILLED", start=T0 + 300_000)
    client.create_registered_model("Churn Model")
    for run_id in (logreg, forest):
        client.create_model_version(
            "Churn Model", source=f"runs:/{run_id}/model", run_id=run_id, description=run_id
        )
    return Store(uri, logreg, failed, forest)


@pytest.fixture
def importer(
    settings: Settings, live_server: str, owner: Account, project: str
) -> Iterator[tuple[CliRunner, Client]]:
    """The CLI on the test's database (the import is a local command; it acts as the project's
    only owner), and the SDK on a server of that database to read the result back."""
    local = {
        "CONTINUUM_DATA_DIR": str(settings.data_dir),
        "CONTINUUM_DATABASE_URL": settings.resolved_database_url,
        "CONTINUUM_URL": None,
        "CONTINUUM_TOKEN": None,
        "CONTINUUM_CONFIG": None,
    }
    with Client(live_server, owner.token) as sdk:
        yield CliRunner(env=local), sdk


def _import(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(build_cli(), ["import", "mlflow", "--project", "churn", *args])


def _runs_by_external_id(sdk: Client) -> dict[str, int]:
    numbers = [row.number for row in sdk.list_runs("churn", per_page=200).items]
    return {str(sdk.get_run("churn", n).external_id): n for n in numbers}


def _series(sdk: Client, token: str, number: int, key: str) -> list[dict[str, object]]:
    response = httpx.get(
        f"{sdk.url}/api/v1/projects/churn/runs/{number}/metrics/{key}",
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    points: list[dict[str, object]] = response.json()
    return points


def test_import_copies_runs_and_versions_once(
    store: Store, importer: tuple[CliRunner, Client], owner: Account
) -> None:
    runner, sdk = importer
    first = _import(runner, "--tracking-uri", store.uri)
    assert first.exit_code == 0, first.output
    assert "from 3 experiment(s): 4 run(s) created, 0 already there" in first.output
    assert "2 model version(s) created, 0 skipped" in first.output
    # 'Default' counts too. Keys MLflow allows and Continuum refuses are reported, not fatal.
    assert "Not copied (3):" in first.output
    for item in (
        f"run {store.logreg} parameter 'lr:decay'",
        f"run {store.forest} tag 'équipe'",
        f"run {store.forest} metric 'val:auc'",
    ):
        assert f"{item}: Continuum keys are 1 to 250 of" in first.output

    runs = _runs_by_external_id(sdk)
    assert set(runs) == {f"mlflow:{run_id}" for run_id in _all_run_ids(store)}
    logreg = sdk.get_run("churn", runs[f"mlflow:{store.logreg}"])
    assert logreg.name == "logreg"
    assert logreg.status == "finished"
    assert logreg.git_commit == COMMIT
    assert logreg.hypothesis == "Regularisation keeps recall up"
    assert logreg.params == {"C": "0.5", "solver": "lbfgs"}
    assert logreg.tags == {
        "team": "churn",
        "mlflow.experiment": "baseline",
        "mlflow.start_time": "2023-11-14T22:13:20+00:00",
        "mlflow.end_time": "2023-11-14T22:14:20+00:00",
    }
    loss = _series(sdk, owner.token, logreg.number, "loss")
    assert [(p["step"], p["value"]) for p in loss] == [
        (s, pytest.approx(0.9 - 0.1 * s)) for s in range(5)
    ]
    assert str(loss[2]["at"]).startswith("2023-11-14T22:13:22")  # MLflow's timestamp kept
    assert logreg.metrics["auc"].display == "NaN"
    assert sdk.get_run("churn", runs[f"mlflow:{store.failed}"]).status == "failed"
    assert (
        sdk.get_run("churn", runs[f"mlflow:{store.failed}"]).metrics["loss"].display == "Infinity"
    )
    assert len(_series(sdk, owner.token, runs[f"mlflow:{store.forest}"], "auc")) == 10
    statuses = sorted(sdk.get_run("churn", n).status.value for n in runs.values())
    assert statuses == ["failed", "finished", "finished", "killed"]

    v1 = sdk.get_version("churn", "churn-model", 1)
    v2 = sdk.get_version("churn", "churn-model", 2)
    assert (v1.external_id, v1.runs) == ("mlflow:Churn Model/1", [logreg.number])
    assert (v2.external_id, v2.runs) == ("mlflow:Churn Model/2", [runs[f"mlflow:{store.forest}"]])
    assert v1.description == store.logreg
    # The source run's last metric values, finite ones only (auc is NaN there).
    assert v1.evaluation_metrics == {"loss": pytest.approx(0.5)}

    again = _import(runner, "--tracking-uri", store.uri)
    assert again.exit_code == 0, again.output
    assert "0 run(s) created, 4 already there" in again.output
    assert "0 model version(s) created, 2 skipped" in again.output
    assert _runs_by_external_id(sdk) == runs
    assert len(_series(sdk, owner.token, logreg.number, "loss")) == 5
    with pytest.raises(NotFoundError):
        sdk.get_version("churn", "churn-model", 3)


def _all_run_ids(store: Store) -> set[str]:
    client = MlflowClient(tracking_uri=store.uri)
    experiments = client.search_experiments()
    return {r.info.run_id for r in client.search_runs([e.experiment_id for e in experiments])}


def test_one_experiment_skips_versions_of_other_runs(
    store: Store, importer: tuple[CliRunner, Client]
) -> None:
    runner, sdk = importer
    result = _import(runner, "--tracking-uri", store.uri, "--experiment", "trees")
    assert result.exit_code == 0, result.output
    assert "from 1 experiment(s): 2 run(s) created" in result.output
    assert "1 model version(s) created, 1 skipped" in result.output
    assert re.search(r"version 1: its run \w+ is not in the experiments imported", result.output)
    assert sdk.get_version("churn", "churn-model", 1).external_id == "mlflow:Churn Model/2"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--experiment", "nope"], 2, "no active MLflow experiment named 'nope'"),
        (["--project", "nope"], 2, "no project"),
    ],
)
def test_wrong_input_is_a_clear_error(
    store: Store, importer: tuple[CliRunner, Client], args: list[str], code: int, message: str
) -> None:
    runner, _ = importer
    result = _import(runner, "--tracking-uri", store.uri, *args)
    assert result.exit_code == code, result.output
    assert message in result.output.lower() or message in result.output
    assert "Traceback" not in result.output


def test_missing_database_and_unreachable_server(
    tmp_path: Path, importer: tuple[CliRunner, Client]
) -> None:
    runner, _ = importer
    missing = _import(runner, "--tracking-uri", f"sqlite:///{tmp_path}/typo.db")
    assert missing.exit_code == 2, missing.output
    assert f"no MLflow database at {tmp_path}/typo.db" in missing.output
    assert not (tmp_path / "typo.db").exists()
    down = runner.invoke(
        build_cli(),
        ["import", "mlflow", "--project", "churn", "--tracking-uri", "http://127.0.0.1:9"],
        env={"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "2"},
    )
    assert down.exit_code == 1, down.output
    assert "cannot read MLflow at http://127.0.0.1:9" in down.output


def test_without_mlflow_the_error_says_how_to_install_it(
    store: Store, importer: tuple[CliRunner, Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    runner, _ = importer
    # Hides the installed package, the way an environment without the extra looks.
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    result = _import(runner, "--tracking-uri", store.uri)
    assert result.exit_code == 1, result.output
    assert "MLflow is not installed: pip install 'mlcontinuum[mlflow]'" in result.output


def test_a_run_left_unfinished_by_an_interrupted_import_is_reported(
    store: Store, importer: tuple[CliRunner, Client], owner: Account
) -> None:
    runner, sdk = importer
    # What an import that stopped right after creating the run leaves behind.
    started = httpx.post(
        f"{sdk.url}/api/v1/projects/churn/runs",
        json={"name": "logreg", "external_id": f"mlflow:{store.logreg}"},
        headers={"Authorization": f"Bearer {owner.token}"},
    )
    assert started.status_code == 201, started.text
    result = _import(runner, "--tracking-uri", store.uri)
    assert result.exit_code == 0, result.output
    assert "3 run(s) created, 1 already there" in result.output
    assert f"run {store.logreg}: Continuum run 1 is still running" in result.output
    assert sdk.get_run("churn", 1).metrics == {}  # nothing logged twice, nothing half-added


def test_the_import_acts_as_a_named_user_who_may_write_runs(
    store: Store, importer: tuple[CliRunner, Client], team: Team
) -> None:
    runner, sdk = importer
    refused = _import(runner, "--tracking-uri", store.uri, "--experiment", "trees", "--user", "vic")
    assert refused.exit_code == 1, refused.output
    assert "as viewer in 'churn' you may not do this (runs:write)" in refused.output
    result = _import(runner, "--tracking-uri", store.uri, "--experiment", "trees", "--user", "emma")
    assert result.exit_code == 0, result.output
    assert {sdk.get_run("churn", n).created_by for n in (1, 2)} == {"emma"}
    started = sdk.list_events("churn", types=["run.started"]).items
    assert {event.actor for event in started} == {"emma"}
    # With a second owner, the import no longer guesses who acts.
    team.client.put(
        team.url("/members"), json={"username": "emma", "role": "owner"}, headers=team.owner.headers
    )
    ambiguous = _import(runner, "--tracking-uri", store.uri)
    assert ambiguous.exit_code == 2, ambiguous.output
    assert "'churn' has 2 owners; name the user to import as with --user" in ambiguous.output
