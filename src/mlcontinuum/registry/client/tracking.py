"""The runs part of the SDK, and logging a run the way ML engineers already work:

    with client.start_run("telco-churn", hypothesis="...", kpi="ROC AUC") as run:
        run.log_params({"max_depth": 4})
        for epoch in range(10):
            run.log_metrics({"loss": loss, "val/auc": auc}, step=epoch)

Everything is buffered and sent in batches that fit the server's limits: when a buffer fills,
every `flush_seconds` (checked when you log), and when the block ends. Leaving the block by an
exception marks the run failed; otherwise it is finished.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from mlcontinuum.registry.schemas import (
    MAX_BATCH_METRICS,
    MAX_BATCH_PARAMS,
    MAX_BATCH_TAGS,
    LogResult,
    RunComparison,
    RunPage,
    RunPublic,
    Scalar,
)
from mlcontinuum.remote.base import ApiBase, Body, seg


class RunsClient(ApiBase):
    """A project's runs; `start_run` logs one as it trains."""

    def start_run(
        self,
        slug: str,
        *,
        hypothesis: str = "",
        kpi: str | None = None,
        name: str = "",
        data_sources: Iterable[str] = (),
        params: Mapping[str, Scalar] | None = None,
        tags: Mapping[str, Scalar] | None = None,
        git_commit: str | None = None,
        git_dirty: bool | None = None,
        flush_seconds: float = 5.0,
    ) -> ActiveRun:
        """Start a run; use it as a context manager. The git commit and dirty flag of the
        current directory are recorded unless given."""
        if git_commit is None:
            git_commit, detected_dirty = git_state()
            git_dirty = detected_dirty if git_dirty is None else git_dirty
        body = {
            "name": name,
            "hypothesis": hypothesis,
            "kpi": kpi,
            "git_commit": git_commit,
            "git_dirty": git_dirty,
            "data_sources": list(data_sources),
            "params": dict(params or {}),
            "tags": dict(tags or {}),
        }
        run = self._send(RunPublic, "POST", f"/projects/{seg(slug)}/runs", body)
        return ActiveRun(self, slug, run, flush_seconds=flush_seconds)

    def ensure_run(self, slug: str, data: Body) -> tuple[RunPublic, bool]:
        """Start a run that carries an `external_id`, or get the project's run with that id:
        (run, True if it is new). For imports, which must not copy a run twice."""
        return self._send_created(RunPublic, "POST", f"/projects/{seg(slug)}/runs", data)

    def log_batch(self, slug: str, number: int, batch: Body) -> LogResult:
        return self._send(LogResult, "POST", f"/projects/{seg(slug)}/runs/{number}/log", batch)

    def update_run(self, slug: str, number: int, data: Body) -> RunPublic:
        return self._send(RunPublic, "PATCH", f"/projects/{seg(slug)}/runs/{number}", data)

    def get_run(self, slug: str, number: int) -> RunPublic:
        return self._get(RunPublic, f"/projects/{seg(slug)}/runs/{number}")

    def list_runs(
        self,
        slug: str,
        *,
        sort: str = "-started_at",
        columns: Iterable[str] = (),
        page: int = 1,
        per_page: int = 50,
    ) -> RunPage:
        params = {"sort": sort, "columns": list(columns), "page": page, "per_page": per_page}
        return self._get(RunPage, f"/projects/{seg(slug)}/runs", params=params)

    def upload_run_profile(self, slug: str, number: int, profile: bytes) -> RunPublic:
        """The training data's reference profile: `dumps(build_profile(training_frame))`."""
        response = self._request(
            "PUT",
            f"/projects/{seg(slug)}/runs/{number}/reference-profile",
            content=profile,
            headers={"Content-Type": "application/octet-stream"},
        )
        return RunPublic.model_validate(response.json())

    def compare_runs(self, slug: str, numbers: Iterable[int]) -> RunComparison:
        params = {"runs": list(numbers)}
        return self._get(RunComparison, f"/projects/{seg(slug)}/runs/compare", params=params)


class ActiveRun:
    def __init__(
        self, client: RunsClient, project: str, run: RunPublic, *, flush_seconds: float = 5.0
    ) -> None:
        self.client = client
        self.project = project
        self.info = run
        self.flush_seconds = flush_seconds
        self._params: dict[str, Scalar] = {}
        self._tags: dict[str, Scalar] = {}
        self._metrics: list[dict[str, Any]] = []
        self._steps: dict[str, int] = {}
        self._last_flush = time.monotonic()

    @property
    def number(self) -> int:
        return self.info.number

    def log_param(self, key: str, value: Scalar) -> None:
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, Scalar]) -> None:
        """Parameters are fixed once logged: the same value again is fine, another is refused."""
        self._params.update(params)
        self._maybe_flush()

    def set_tags(self, tags: Mapping[str, Scalar]) -> None:
        self._tags.update(tags)
        self._maybe_flush()

    def log_metric(
        self, key: str, value: float, *, step: int | None = None, at: datetime | None = None
    ) -> None:
        self.log_metrics({key: value}, step=step, at=at)

    def log_metrics(
        self, metrics: Mapping[str, float], *, step: int | None = None, at: datetime | None = None
    ) -> None:
        """Without `step`, each key counts its own steps from 0. NaN and ±inf are kept."""
        when = (at or datetime.now(UTC)).isoformat()
        for key, value in metrics.items():
            point_step = self._steps.get(key, 0) if step is None else step
            self._steps[key] = point_step + 1
            self._metrics.append(
                {"key": key, "value": float(value), "step": point_step, "at": when}
            )
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        full = (
            len(self._metrics) >= MAX_BATCH_METRICS
            or len(self._params) >= MAX_BATCH_PARAMS
            or len(self._tags) >= MAX_BATCH_TAGS
        )
        if full or time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Send everything buffered, in as many batches as the limits require."""
        params = list(self._params.items())
        tags = list(self._tags.items())
        metrics = self._metrics
        while params or tags or metrics:
            batch = {
                "params": dict(params[:MAX_BATCH_PARAMS]),
                "tags": dict(tags[:MAX_BATCH_TAGS]),
                "metrics": metrics[:MAX_BATCH_METRICS],
            }
            self.client.log_batch(self.project, self.number, batch)
            params = params[MAX_BATCH_PARAMS:]
            tags = tags[MAX_BATCH_TAGS:]
            metrics = metrics[MAX_BATCH_METRICS:]
            # Keep only what is still unsent, so a failed batch can be retried by flush().
            self._params, self._tags, self._metrics = dict(params), dict(tags), metrics
        self._last_flush = time.monotonic()

    def log_reference_profile(self, training_data: Any) -> RunPublic:
        """Profile the training data here (it never leaves this machine) and send the profile."""
        from mlcontinuum.profiles import build_profile, dumps

        self.info = self.client.upload_run_profile(
            self.project, self.number, dumps(build_profile(training_data))
        )
        return self.info

    def finish(self, status: str = "finished", *, compute_cost: float | None = None) -> RunPublic:
        self.flush()
        body: dict[str, Any] = {"status": status}
        if compute_cost is not None:
            body["compute_cost"] = compute_cost
        self.info = self.client.update_run(self.project, self.number, body)
        return self.info

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.finish("finished")
            return
        # The training failed: keep what was logged, mark the run, let the error propagate.
        with contextlib.suppress(Exception):  # the original error matters more than this one
            self.finish("killed" if issubclass(exc_type, KeyboardInterrupt) else "failed")


def git_state(cwd: str | None = None) -> tuple[str | None, bool | None]:
    """The commit checked out in `cwd` and whether the tree has uncommitted changes, if git
    is there; (None, None) outside a repository."""
    git = shutil.which("git")
    if git is None:
        return None, None
    try:
        # git found on PATH, with fixed arguments: nothing here comes from input.
        commit = subprocess.run(  # noqa: S603
            [git, "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(  # noqa: S603
            [git, "status", "--porcelain"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None, None
    return commit or None, bool(dirty)
