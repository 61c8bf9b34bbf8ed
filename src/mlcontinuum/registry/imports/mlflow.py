"""Import experiments, runs and registered model versions from an MLflow tracking store.

MLflow is read with its own client (`MlflowClient`), so every store MLflow supports works: a
tracking server over HTTP, a database, Databricks. Continuum is written through the registry's
services (`RegistryWriter`) with external ids (`mlflow:<run id>`, `mlflow:<model name>/<version>`):
a second import finds what the first one created and creates nothing twice. What is copied and
what is not is listed in docs/imports.md; every item left out for a reason is in the returned
`ImportReport`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from mlcontinuum.kernel.errors import ContinuumError, NotFound
from mlcontinuum.registry.enums import RunStatus
from mlcontinuum.registry.imports.mapping import (
    MAX_STEP,
    STATUSES,
    from_millis,
    git_commit,
    key_problem,
    metric_value,
    model_name,
    value_problem,
    without_password,
)
from mlcontinuum.registry.imports.report import ImportReport, NoProgress, Progress
from mlcontinuum.registry.imports.writer import RegistryWriter
from mlcontinuum.registry.schemas import MetricPoint, RunCreate, RunPublic, VersionCreate

if TYPE_CHECKING:
    from mlflow.entities import Metric, Run
    from mlflow.entities.model_registry import ModelVersion
    from mlflow.store.entities.paged_list import PagedList
    from mlflow.tracking import MlflowClient

T = TypeVar("T")
INSTALL_HINT = "pip install 'mlcontinuum[mlflow]'"
PAGE_SIZE = 500
# MLflow's own tags worth keeping; the rest (`mlflow.log-model.history`, autologging and
# dataset bookkeeping, ...) is MLflow-internal. Three are mapped to run fields instead.
KEPT_MLFLOW_TAGS = frozenset(
    {
        "mlflow.user",
        "mlflow.source.name",
        "mlflow.source.type",
        "mlflow.source.git.branch",
        "mlflow.source.git.repoURL",
        "mlflow.parentRunId",
    }
)
NAME_TAG = "mlflow.runName"
COMMIT_TAG = "mlflow.source.git.commit"
NOTE_TAG = "mlflow.note.content"
MAX_RUN_NAME = 200
MAX_HYPOTHESIS = 5_000
MAX_DESCRIPTION = 10_000
MAX_EVALUATION_METRICS = 200


class MlflowUnavailable(ContinuumError):
    """MLflow is not installed, or its tracking store cannot be read."""

    status = 502
    code = "mlflow_unavailable"


def import_mlflow(
    writer: RegistryWriter,
    tracking_uri: str,
    *,
    experiments: Sequence[str] = (),
    progress: Progress | None = None,
) -> ImportReport:
    """Copy the chosen experiments (default: every active one) and all registered model
    versions built from their runs into the writer's project."""
    progress = progress or NoProgress()
    store = _Store.open(tracking_uri)
    report = ImportReport()
    chosen = store.experiments(experiments)
    report.experiments = len(chosen)
    found = [(name, run) for exp_id, name in chosen for run in store.runs(exp_id)]
    progress.stage("runs", len(found))
    runs: dict[str, _Imported] = {}
    for experiment, run in found:
        runs[run.info.run_id] = _import_run(writer, store, experiment, run, report)
        progress.advance()
    versions = store.model_versions()
    progress.stage("model versions", len(versions))
    owners: dict[str, str] = {}
    for version in versions:
        _import_version(writer, store, version, runs, owners, report)
        progress.advance()
    return report


@dataclass(frozen=True)
class _Imported:
    """A run as Continuum knows it: its number, and MLflow's last metric values."""

    number: int
    metrics: Mapping[str, float]


@contextmanager
def _read_errors(tracking_uri: str) -> Iterator[None]:
    """MLflow's failures as one error that names the store. Only MLflow is read inside it:
    MLflow's database stores let SQLAlchemy's errors (a database that does not answer) out
    unwrapped, and Continuum's own database errors must not be taken for MLflow's."""
    from mlflow.exceptions import MlflowException
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except MlflowException as error:
        raise _unavailable(tracking_uri, str(error.message)) from error
    except SQLAlchemyError as error:
        raise _unavailable(tracking_uri, str(getattr(error, "orig", None) or error)) from error


def _unavailable(tracking_uri: str, message: str) -> MlflowUnavailable:
    first_line = message.strip().splitlines()[0] if message.strip() else "no reason given"
    return MlflowUnavailable(
        f"cannot read MLflow at {without_password(tracking_uri)}: {first_line}"
    )


def _client_class() -> type[MlflowClient]:
    try:
        from mlflow.tracking import MlflowClient
    except ImportError as error:
        raise MlflowUnavailable(f"MLflow is not installed: {INSTALL_HINT}") from error
    return MlflowClient


def _require_database_file(tracking_uri: str) -> None:
    # MLflow creates an empty store for a SQLite path that does not exist: a typo would
    # "import" nothing and say it succeeded.
    parts = urlsplit(tracking_uri)
    if parts.scheme == "sqlite" and parts.path not in ("", "/:memory:"):
        # SQLAlchemy's form: sqlite:///relative/path, sqlite:////absolute/path.
        path = Path(parts.path[1:])
        if not path.is_file():
            raise NotFound(f"no MLflow database at {path}")


def _pages(search: Callable[..., PagedList[T]], **kwargs: Any) -> Iterator[T]:
    """Every item of a paginated MLflow search, following its page tokens."""
    token = None
    while True:
        page = search(page_token=token, **kwargs)
        yield from page
        token = page.token
        if not token:
            return


class _Store:
    """The MLflow tracking store, read with MLflow's client; its failures are MlflowUnavailable
    naming the store."""

    def __init__(self, client: MlflowClient, uri: str) -> None:
        self._client = client
        self._uri = uri

    @classmethod
    def open(cls, tracking_uri: str) -> _Store:
        client_class = _client_class()
        with _read_errors(tracking_uri):
            _require_database_file(tracking_uri)
            return cls(client_class(tracking_uri=tracking_uri), tracking_uri)

    def experiments(self, names: Sequence[str]) -> list[tuple[str, str]]:
        """(id, name) of the chosen active experiments, oldest first."""
        from mlflow.entities import ViewType

        with _read_errors(self._uri):
            active = [
                (exp.experiment_id, exp.name)
                for exp in _pages(
                    self._client.search_experiments,
                    view_type=ViewType.ACTIVE_ONLY,
                    max_results=PAGE_SIZE,
                    order_by=["creation_time ASC"],
                )
            ]
        if not names:
            return active
        known = {name for _, name in active}
        unknown = [name for name in names if name not in known]
        if unknown:
            raise NotFound(f"no active MLflow experiment named {', '.join(map(repr, unknown))}")
        return [(exp_id, name) for exp_id, name in active if name in names]

    def runs(self, experiment_id: str) -> list[Run]:
        from mlflow.entities import ViewType

        # Oldest first, so Continuum's run numbers follow the order the runs were made in.
        with _read_errors(self._uri):
            return list(
                _pages(
                    self._client.search_runs,
                    experiment_ids=[experiment_id],
                    run_view_type=ViewType.ACTIVE_ONLY,
                    max_results=PAGE_SIZE,
                    order_by=["attributes.start_time ASC"],
                )
            )

    def metric_history(self, run_id: str, key: str) -> list[Metric]:
        with _read_errors(self._uri):
            return list(self._client.get_metric_history(run_id, key))

    def model_versions(self) -> list[ModelVersion]:
        with _read_errors(self._uri):
            versions = list(_pages(self._client.search_model_versions, max_results=PAGE_SIZE))
        # By name, then in the order they were registered: Continuum numbers versions itself.
        return sorted(versions, key=lambda v: (v.name, int(v.version)))

    def active_run_exists(self, run_id: str) -> bool:
        from mlflow.exceptions import MlflowException

        with _read_errors(self._uri):
            try:
                return bool(self._client.get_run(run_id).info.lifecycle_stage == "active")
            except MlflowException:  # MLflow answered: no such run
                return False


def _import_run(
    writer: RegistryWriter, store: _Store, experiment: str, run: Run, report: ImportReport
) -> _Imported:
    run_id: str = run.info.run_id
    external_id = f"mlflow:{run_id}"
    mlflow_status = STATUSES.get(run.info.status, RunStatus.RUNNING)
    existing = writer.existing_run(external_id)
    created = False
    if existing is None:
        existing, created = _add_run(
            writer, store, experiment, run, external_id, mlflow_status, report
        )
    if not created:
        report.runs_skipped += 1
        if existing.status is RunStatus.RUNNING and mlflow_status is not RunStatus.RUNNING:
            report.skip(
                f"run {run_id}",
                f"Continuum run {existing.number} is still running: it was imported before it "
                "ended in MLflow, or its import was interrupted; imported runs are not updated",
            )
    else:
        report.runs_created += 1
    return _Imported(existing.number, dict(run.data.metrics))


def _add_run(
    writer: RegistryWriter,
    store: _Store,
    experiment: str,
    run: Run,
    external_id: str,
    status: RunStatus,
    report: ImportReport,
) -> tuple[RunPublic, bool]:
    """Read everything of the run from MLflow, then write it in one go."""
    run_id: str = run.info.run_id
    mlflow_tags: dict[str, str] = dict(run.data.tags)
    usable_commit = git_commit(mlflow_tags.get(COMMIT_TAG))
    data = RunCreate(
        name=(mlflow_tags.get(NAME_TAG) or run.info.run_name or "")[:MAX_RUN_NAME],
        hypothesis=mlflow_tags.get(NOTE_TAG, "")[:MAX_HYPOTHESIS],
        git_commit=usable_commit,
        external_id=external_id,
    )
    label = f"run {run_id}"
    params = _usable(run.data.params, label, "parameter", report)
    tags = {k: v for k, v in mlflow_tags.items() if _kept_tag(k, usable_commit)}
    tags["mlflow.experiment"] = experiment
    for tag, millis in (
        ("mlflow.start_time", run.info.start_time),
        ("mlflow.end_time", run.info.end_time),
    ):
        when = from_millis(millis)
        if when is not None:
            tags[tag] = when.isoformat()
    usable_tags = _usable(tags, label, "tag", report)
    metrics = [
        point for key in sorted(run.data.metrics) for point in _history(store, run_id, key, report)
    ]
    # A run still running in MLflow is left running here too.
    return writer.add_run(data, params=params, tags=usable_tags, metrics=metrics, status=status)


def _kept_tag(key: str, usable_commit: str | None) -> bool:
    if key == COMMIT_TAG:
        return usable_commit is None  # a commit Continuum cannot store is kept as a tag
    return not key.startswith("mlflow.") or key in KEPT_MLFLOW_TAGS


def _usable(
    values: Mapping[str, str], label: str, kind: str, report: ImportReport
) -> dict[str, str]:
    usable = {}
    for key, value in values.items():
        problem = key_problem(key) or value_problem(value)
        if problem:
            report.skip(f"{label} {kind} {key!r}", problem)
        else:
            usable[key] = value
    return usable


def _history(store: _Store, run_id: str, key: str, report: ImportReport) -> list[MetricPoint]:
    problem = key_problem(key)
    if problem:
        report.skip(f"run {run_id} metric {key!r}", problem)
        return []
    points = []
    outside = 0
    for point in store.metric_history(run_id, key):
        if not 0 <= point.step <= MAX_STEP:
            outside += 1
            continue
        points.append(
            MetricPoint(
                key=key,
                value=metric_value(point.value),
                step=point.step,
                at=from_millis(point.timestamp),
            )
        )
    if outside:
        report.skip(
            f"run {run_id} metric {key!r}",
            f"{outside} point(s) with a step outside Continuum's 0 to {MAX_STEP}",
        )
    return points


def _import_version(
    writer: RegistryWriter,
    store: _Store,
    version: ModelVersion,
    runs: Mapping[str, _Imported],
    owners: dict[str, str],
    report: ImportReport,
) -> None:
    label = f"model {version.name!r} version {version.version}"
    name = model_name(version.name)
    if name is None:
        _skip_version(report, label, "no letters or digits to make a Continuum model name from")
        return
    owner = owners.setdefault(name, version.name)
    if owner != version.name:
        _skip_version(report, label, f"its Continuum name {name!r} is taken by {owner!r}")
        return
    if version.status != "READY":
        _skip_version(report, label, f"MLflow status {version.status}, not READY")
        return
    source = runs.get(version.run_id) if version.run_id else None
    if version.run_id and source is None:
        if store.active_run_exists(version.run_id):
            _skip_version(
                report, label, f"its run {version.run_id} is not in the experiments imported"
            )
            return
        report.skip(f"{label} link to run {version.run_id}", "the run is not in the MLflow store")
    data = VersionCreate(
        description=(version.description or "")[:MAX_DESCRIPTION],
        runs=[source.number] if source else [],
        evaluation_metrics=_evaluation_metrics(source, label, report),
        external_id=f"mlflow:{version.name}/{version.version}",
    )
    if writer.add_version(name, data):
        report.versions_created += 1
    else:
        report.versions_skipped += 1


def _skip_version(report: ImportReport, label: str, reason: str) -> None:
    report.versions_skipped += 1
    report.skip(label, reason)


def _evaluation_metrics(
    source: _Imported | None, label: str, report: ImportReport
) -> dict[str, float]:
    """The last values of the source run's metrics: finite ones only, as Continuum requires."""
    if source is None:
        return {}
    usable = {
        key: value
        for key, value in sorted(source.metrics.items())
        if key_problem(key) is None and math.isfinite(metric_value(value))
    }
    if len(usable) > MAX_EVALUATION_METRICS:
        report.skip(
            label, f"evaluation metrics beyond the first {MAX_EVALUATION_METRICS} (by name)"
        )
    return dict(list(usable.items())[:MAX_EVALUATION_METRICS])
