"""`Client`: the REST API of a Continuum server as typed Python methods.

Every method returns the same pydantic schema the server answers with, and raises a
`ContinuumAPIError` subclass carrying the server's message when the server refuses.
Inputs are either the schema (`ProjectCreate(...)`) or a plain mapping; a mapping is sent
as given, so the server does the validating and its field problems reach the caller.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from mlcontinuum import __version__
from mlcontinuum.audit.schemas import ChainPublic, EventPage
from mlcontinuum.charter.schemas import (
    CharterDiff,
    CharterPublic,
    CharterUpdate,
    CharterVersionPublic,
    KpiCreate,
    KpiPublic,
    KpiUpdate,
    ProjectCreate,
    ProjectPage,
    ProjectPublic,
    ProjectUpdate,
    StakeholderCreate,
    StakeholderPublic,
    StakeholderUpdate,
    VersionSnapshot,
)
from mlcontinuum.data.schemas import DataSourcePublic
from mlcontinuum.gates.schemas import GateRunCreate, GateRunPublic
from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.auth.schemas import (
    MemberPublic,
    TokenCreated,
    TokenPublic,
    UserPublic,
)
from mlcontinuum.registry.schemas import (
    LogResult,
    RunComparison,
    RunPage,
    RunPublic,
    Scalar,
    VersionPublic,
)
from mlcontinuum.releases.enums import Environment, ReleaseStatus
from mlcontinuum.releases.schemas import (
    DeploymentPage,
    DeploymentPublic,
    DoraFigures,
    ReleaseCreate,
    ReleasePage,
    ReleasePublic,
)
from mlcontinuum.sdk.errors import (
    ContinuumAPIError,
    ContinuumConnectionError,
    RateLimitedError,
    RetryLaterError,
    error_from_response,
)
from mlcontinuum.sdk.monitor import DEFAULT_MAX_ROWS, Monitor, aware, finite_values
from mlcontinuum.sdk.runs import ActiveRun, git_state

if TYPE_CHECKING:
    # Imported when first used: they load the table definitions, which plain calls never need.
    from mlcontinuum.monitoring.schemas import KpiValueAccepted, KpiValuePage

API_PREFIX = "/api/v1"
YAML_TYPE = "application/yaml"
# The server's largest page; listing everything in big pages keeps round trips few.
MAX_PER_PAGE = 200
# Gateway answers that say nothing was done, or that it may have been: safe to retry with the
# same idempotency key.
RETRY_STATUSES = frozenset({502, 503, 504})

M = TypeVar("M", bound=BaseModel)
Body = BaseModel | Mapping[str, Any]


class Client:
    """A connection to one Continuum server, authenticated by an API token.

    >>> with Client("http://127.0.0.1:8000", token) as client:
    ...     for project in client.list_projects():
    ...         print(project.slug, client.get_charter(project.slug).version)
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        write_attempts: int = 6,
        backoff_seconds: float = 0.5,
        max_wait_seconds: float = 60.0,
    ) -> None:
        """`write_attempts`, `backoff_seconds` and `max_wait_seconds` govern how monitoring
        writes (batches, labels, KPI values) are retried: up to `write_attempts` tries, waiting
        what the server's Retry-After says or else `backoff_seconds`, doubled each time, never
        more than `max_wait_seconds`."""
        if write_attempts < 1:
            raise ValueError("write_attempts must be at least 1")
        self.url = url.rstrip("/")
        self.write_attempts = write_attempts
        self.backoff_seconds = backoff_seconds
        self.max_wait_seconds = max_wait_seconds
        self._http = httpx.Client(
            base_url=self.url + API_PREFIX,
            headers={
                "Authorization": f"Bearer {token}",
                "User-Agent": f"mlcontinuum-sdk/{__version__}",
                "Accept": "application/json",
            },
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- account and tokens ------------------------------------------------------------------

    def me(self) -> UserPublic:
        """The account the token belongs to."""
        return self._get(UserPublic, "/me")

    def create_token(
        self,
        name: str,
        *,
        project: str | None = None,
        role_ceiling: Role | str | None = None,
        expires_in_days: int | None = 90,
    ) -> TokenCreated:
        """A new token of your account; `.token` holds the secret, shown this once only."""
        data = {
            "name": name,
            "project": project,
            "role_ceiling": role_ceiling,
            "expires_in_days": expires_in_days,
        }
        return self._send(TokenCreated, "POST", "/tokens", data)

    def list_tokens(self) -> list[TokenPublic]:
        return self._get_list(TokenPublic, "/tokens")

    def revoke_token(self, token_id: int) -> TokenPublic:
        return self._send(TokenPublic, "DELETE", f"/tokens/{token_id}")

    # --- projects and members ----------------------------------------------------------------

    def list_projects(self) -> list[ProjectPublic]:
        """Every project you may see, by name; fetches all pages (see `project_page` for one)."""
        found: list[ProjectPublic] = []
        page = 1
        while True:
            batch = self.project_page(page, per_page=MAX_PER_PAGE)
            found.extend(batch.items)
            if not batch.items or len(found) >= batch.total:
                return found
            page += 1

    def project_page(self, page: int = 1, *, per_page: int = 50) -> ProjectPage:
        """One page of the projects you may see, with the total count."""
        return self._get(ProjectPage, "/projects", params={"page": page, "per_page": per_page})

    def get_project(self, slug: str) -> ProjectPublic:
        return self._get(ProjectPublic, f"/projects/{_seg(slug)}")

    def create_project(self, data: ProjectCreate | Mapping[str, Any]) -> ProjectPublic:
        """Create a project; you become its owner."""
        return self._send(ProjectPublic, "POST", "/projects", data)

    def update_project(self, slug: str, data: ProjectUpdate | Mapping[str, Any]) -> ProjectPublic:
        return self._send(ProjectPublic, "PATCH", f"/projects/{_seg(slug)}", data)

    def list_members(self, slug: str) -> list[MemberPublic]:
        return self._get_list(MemberPublic, f"/projects/{_seg(slug)}/members")

    def set_member(self, slug: str, username: str, role: Role | str) -> MemberPublic:
        """Give an existing account a role in the project, or change its role."""
        data = {"username": username, "role": role}
        return self._send(MemberPublic, "PUT", f"/projects/{_seg(slug)}/members", data)

    def remove_member(self, slug: str, username: str) -> None:
        self._request("DELETE", f"/projects/{_seg(slug)}/members/{_seg(username)}")

    # --- charter -----------------------------------------------------------------------------

    def get_charter(self, slug: str) -> CharterPublic:
        return self._get(CharterPublic, f"/projects/{_seg(slug)}/charter")

    def update_charter(self, slug: str, data: CharterUpdate | Mapping[str, Any]) -> CharterPublic:
        """Change some of the charter's text; a new version is recorded if anything changed."""
        return self._send(CharterPublic, "PATCH", f"/projects/{_seg(slug)}/charter", data)

    def list_charter_versions(self, slug: str) -> list[CharterVersionPublic]:
        """The charter's versions, newest first."""
        return self._get_list(CharterVersionPublic, f"/projects/{_seg(slug)}/charter/versions")

    def get_charter_version(self, slug: str, version: int) -> VersionSnapshot:
        return self._get(VersionSnapshot, f"/projects/{_seg(slug)}/charter/versions/{version}")

    def diff_charter(self, slug: str, from_version: int, to_version: int) -> CharterDiff:
        return self._get(
            CharterDiff,
            f"/projects/{_seg(slug)}/charter/diff",
            params={"from": from_version, "to": to_version},
        )

    def export_charter_yaml(self, slug: str) -> str:
        """The charter file (YAML) exactly as the server writes it."""
        return self._request("GET", f"/projects/{_seg(slug)}/charter.yaml").text

    def import_charter_yaml(self, slug: str, source: str | Path) -> CharterPublic:
        """Make the charter equal to a charter file: `source` is YAML text, or a `Path` to one.

        KPIs and stakeholders missing from the file are removed. The answer's `version` is
        unchanged when the file matched the charter already.
        """
        content = source.read_bytes() if isinstance(source, Path) else source.encode()
        response = self._request(
            "PUT",
            f"/projects/{_seg(slug)}/charter.yaml",
            content=content,
            headers={"Content-Type": YAML_TYPE},
        )
        return CharterPublic.model_validate(response.json())

    # --- KPIs and stakeholders ---------------------------------------------------------------

    def list_kpis(self, slug: str) -> list[KpiPublic]:
        return self._get_list(KpiPublic, f"/projects/{_seg(slug)}/kpis")

    def add_kpi(self, slug: str, data: KpiCreate | Mapping[str, Any]) -> KpiPublic:
        return self._send(KpiPublic, "POST", f"/projects/{_seg(slug)}/kpis", data)

    def update_kpi(self, slug: str, kpi_id: int, data: KpiUpdate | Mapping[str, Any]) -> KpiPublic:
        return self._send(KpiPublic, "PATCH", f"/projects/{_seg(slug)}/kpis/{kpi_id}", data)

    def delete_kpi(self, slug: str, kpi_id: int) -> None:
        self._request("DELETE", f"/projects/{_seg(slug)}/kpis/{kpi_id}")

    def list_stakeholders(self, slug: str) -> list[StakeholderPublic]:
        return self._get_list(StakeholderPublic, f"/projects/{_seg(slug)}/stakeholders")

    def add_stakeholder(
        self, slug: str, data: StakeholderCreate | Mapping[str, Any]
    ) -> StakeholderPublic:
        """List a stakeholder; naming an account (`username`) also invites it to the project."""
        return self._send(StakeholderPublic, "POST", f"/projects/{_seg(slug)}/stakeholders", data)

    def update_stakeholder(
        self, slug: str, stakeholder_id: int, data: StakeholderUpdate | Mapping[str, Any]
    ) -> StakeholderPublic:
        path = f"/projects/{_seg(slug)}/stakeholders/{stakeholder_id}"
        return self._send(StakeholderPublic, "PATCH", path, data)

    def remove_stakeholder(self, slug: str, stakeholder_id: int) -> None:
        self._request("DELETE", f"/projects/{_seg(slug)}/stakeholders/{stakeholder_id}")

    # --- audit trail -------------------------------------------------------------------------

    def list_events(
        self,
        slug: str,
        *,
        types: Iterable[str] = (),
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> EventPage:
        """One page of the project's events, newest first, filtered on the server."""
        params: dict[str, Any] = {"type": list(types), "page": page, "per_page": per_page}
        if actor is not None:
            params["actor"] = actor
        if since is not None:
            params["since"] = since.isoformat()
        if until is not None:
            params["until"] = until.isoformat()
        return self._get(EventPage, f"/projects/{_seg(slug)}/events", params=params)

    def verify_audit(self, slug: str) -> ChainPublic:
        """Have the server recompute the project's hash chain; `.ok` is False at a broken link."""
        return self._get(ChainPublic, f"/projects/{_seg(slug)}/audit/verify")

    # --- runs --------------------------------------------------------------------------------

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
        run = self._send(RunPublic, "POST", f"/projects/{_seg(slug)}/runs", body)
        return ActiveRun(self, slug, run, flush_seconds=flush_seconds)

    def ensure_run(self, slug: str, data: Body) -> tuple[RunPublic, bool]:
        """Start a run that carries an `external_id`, or get the project's run with that id:
        (run, True if it is new). For imports, which must not copy a run twice."""
        return self._send_created(RunPublic, "POST", f"/projects/{_seg(slug)}/runs", data)

    def log_batch(self, slug: str, number: int, batch: Body) -> LogResult:
        return self._send(LogResult, "POST", f"/projects/{_seg(slug)}/runs/{number}/log", batch)

    def update_run(self, slug: str, number: int, data: Body) -> RunPublic:
        return self._send(RunPublic, "PATCH", f"/projects/{_seg(slug)}/runs/{number}", data)

    def get_run(self, slug: str, number: int) -> RunPublic:
        return self._get(RunPublic, f"/projects/{_seg(slug)}/runs/{number}")

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
        return self._get(RunPage, f"/projects/{_seg(slug)}/runs", params=params)

    def upload_run_profile(self, slug: str, number: int, profile: bytes) -> RunPublic:
        """The training data's reference profile: `dumps(build_profile(training_frame))`."""
        response = self._request(
            "PUT",
            f"/projects/{_seg(slug)}/runs/{number}/reference-profile",
            content=profile,
            headers={"Content-Type": "application/octet-stream"},
        )
        return RunPublic.model_validate(response.json())

    def compare_runs(self, slug: str, numbers: Iterable[int]) -> RunComparison:
        params = {"runs": list(numbers)}
        return self._get(RunComparison, f"/projects/{_seg(slug)}/runs/compare", params=params)

    # --- model versions ----------------------------------------------------------------------

    def create_version(self, slug: str, model: str, data: Body) -> VersionPublic:
        return self._send(VersionPublic, "POST", _versions(slug, model), data)

    def ensure_version(self, slug: str, model: str, data: Body) -> tuple[VersionPublic, bool]:
        """Register a version that carries an `external_id`, or get the one with that id:
        (version, True if it is new)."""
        return self._send_created(VersionPublic, "POST", _versions(slug, model), data)

    def get_version(self, slug: str, model: str, version: int) -> VersionPublic:
        return self._get(VersionPublic, f"{_versions(slug, model)}/{version}")

    def upload_artifact(
        self, slug: str, model: str, version: int, path: str | Path
    ) -> VersionPublic:
        """Upload the model file (streamed); the server stores it by hash and scans it."""
        file = Path(path)
        with file.open("rb") as handle:
            response = self._request(
                "PUT",
                f"{_versions(slug, model)}/{version}/artifact",
                params={"filename": file.name},
                content=handle,
                headers={"Content-Type": "application/octet-stream"},
            )
        return VersionPublic.model_validate(response.json())

    def upload_reference_profile(
        self, slug: str, model: str, version: int, profile: bytes
    ) -> VersionPublic:
        """`profile` is `mlcontinuum.profiles.dumps(build_profile(training_data))`."""
        response = self._request(
            "PUT",
            f"{_versions(slug, model)}/{version}/reference-profile",
            content=profile,
            headers={"Content-Type": "application/octet-stream"},
        )
        return VersionPublic.model_validate(response.json())

    def model_card(self, slug: str, model: str, version: int) -> str:
        """The version's model card, in Markdown."""
        return self._request("GET", f"{_versions(slug, model)}/{version}/card.md").text

    # --- gates ------------------------------------------------------------------------------

    def upload_gate_run(
        self, slug: str, model: str, version: int, data: GateRunCreate | Mapping[str, Any]
    ) -> GateRunPublic:
        """Record the results of `continuum check` (or your own gate runner) for a version."""
        return self._send(
            GateRunPublic, "POST", f"{_versions(slug, model)}/{version}/gate-runs", data
        )

    def list_gate_runs(self, slug: str, model: str, version: int) -> list[GateRunPublic]:
        """The version's gate runs, newest first."""
        return self._get_list(GateRunPublic, f"{_versions(slug, model)}/{version}/gate-runs")

    def version_compliance(self, slug: str, model: str, version: int) -> list[DataSourcePublic]:
        """The data sources behind the version, with the register's violations today."""
        return self._get_list(DataSourcePublic, f"{_versions(slug, model)}/{version}/compliance")

    def get_reference_profile(self, slug: str, model: str, version: int) -> bytes:
        """The version's reference profile, as `mlcontinuum.profiles.loads` reads it."""
        path = f"{_versions(slug, model)}/{version}/reference-profile"
        return self._request("GET", path).content

    # --- releases ---------------------------------------------------------------------------

    def request_release(self, slug: str, data: ReleaseCreate | Mapping[str, Any]) -> ReleasePublic:
        """Ask to release a version to an environment; it waits for approvals by policy."""
        return self._send(ReleasePublic, "POST", f"/projects/{_seg(slug)}/releases", data)

    def release_page(
        self,
        slug: str,
        page: int = 1,
        *,
        per_page: int = 50,
        status: ReleaseStatus | str | None = None,
    ) -> ReleasePage:
        params: dict[str, Any] = {"page": page, "per_page": per_page}
        if status is not None:
            params["status"] = str(status)
        return self._get(ReleasePage, f"/projects/{_seg(slug)}/releases", params=params)

    def get_release(self, slug: str, release_id: int) -> ReleasePublic:
        """The request with its evidence: latest gate run, model card, data compliance."""
        return self._get(ReleasePublic, f"/projects/{_seg(slug)}/releases/{release_id}")

    def approve_release(self, slug: str, release_id: int, comment: str = "") -> ReleasePublic:
        """The approval that meets the policy deploys the release."""
        path = f"/projects/{_seg(slug)}/releases/{release_id}/approve"
        return self._send(ReleasePublic, "POST", path, {"comment": comment})

    def reject_release(self, slug: str, release_id: int, reason: str) -> ReleasePublic:
        path = f"/projects/{_seg(slug)}/releases/{release_id}/reject"
        return self._send(ReleasePublic, "POST", path, {"reason": reason})

    def deployment_page(
        self,
        slug: str,
        page: int = 1,
        *,
        per_page: int = 50,
        environment: Environment | str | None = None,
    ) -> DeploymentPage:
        params: dict[str, Any] = {"page": page, "per_page": per_page}
        if environment is not None:
            params["environment"] = str(environment)
        return self._get(DeploymentPage, f"/projects/{_seg(slug)}/deployments", params=params)

    def rollback(self, slug: str, deployment_id: int, reason: str) -> DeploymentPublic:
        """Put the previous version back; the rolled-back deployment counts as failed."""
        path = f"/projects/{_seg(slug)}/deployments/{deployment_id}/rollback"
        return self._send(DeploymentPublic, "POST", path, {"reason": reason})

    def dora(
        self, slug: str, *, days: int = 90, environment: Environment | str = "production"
    ) -> DoraFigures:
        params = {"days": days, "environment": str(environment)}
        return self._get(DoraFigures, f"/projects/{_seg(slug)}/dora", params=params)

    # --- monitoring ---------------------------------------------------------------------------

    def monitor(
        self, slug: str, deployment_id: int, *, max_rows: int = DEFAULT_MAX_ROWS
    ) -> Monitor:
        """A deployment's production traffic: `log_batch(features, predictions, ids=..., at=...)`
        and `log_labels(ids, labels)`. See `mlcontinuum.sdk.monitor`."""
        return Monitor(self, slug, deployment_id, max_rows=max_rows)

    def report_kpi(
        self,
        slug: str,
        kpi: int | str,
        value: float,
        at: datetime | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> KpiValueAccepted:
        """Record a measured value of a charter KPI (its id, or its name) at `at`, an aware
        datetime (default: now). Retried like every monitoring write; `.replayed` is True when
        the server already had it."""
        from mlcontinuum.monitoring.schemas import KpiValueAccepted

        body = {
            "at": aware(at).isoformat(),
            "value": finite_values([value], "value")[0],
        }
        path = f"/projects/{_seg(slug)}/kpis/{self._kpi_id(slug, kpi)}/values"
        return self._write(KpiValueAccepted, path, body, idempotency_key)

    def kpi_value_page(
        self, slug: str, kpi: int | str, page: int = 1, *, per_page: int = 50
    ) -> KpiValuePage:
        """One page of a KPI's reported values, newest first."""
        from mlcontinuum.monitoring.schemas import KpiValuePage

        path = f"/projects/{_seg(slug)}/kpis/{self._kpi_id(slug, kpi)}/values"
        return self._get(KpiValuePage, path, params={"page": page, "per_page": per_page})

    def _kpi_id(self, slug: str, kpi: int | str) -> int:
        if isinstance(kpi, int):
            return kpi
        for found in self.list_kpis(slug):
            if found.name == kpi:
                return found.id
        raise ValueError(f"project '{slug}' has no KPI named {kpi!r}")

    def _write(self, model: type[M], path: str, body: Mapping[str, Any], key: str | None) -> M:
        """POST a monitoring write under an idempotency key (a new UUID unless given), retried
        on connection failures and 429/502/503/504 with the same key, so it counts once."""
        content = json.dumps(body, allow_nan=False).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": key if key is not None else str(uuid.uuid4()),
        }
        attempt = 1
        while True:
            try:
                response = self._request("POST", path, content=content, headers=headers)
                return model.model_validate(response.json())
            except ContinuumAPIError as error:
                retryable = isinstance(error, ContinuumConnectionError | RateLimitedError) or (
                    error.status in RETRY_STATUSES
                )
                if not retryable or attempt >= self.write_attempts:
                    raise
                time.sleep(self._wait(error, attempt))
                attempt += 1

    def _wait(self, error: ContinuumAPIError, attempt: int) -> float:
        if isinstance(error, RetryLaterError) and error.retry_after is not None:
            return float(min(error.retry_after, self.max_wait_seconds))
        # Jitter spreads the retries of many clients refused at the same moment.
        jitter = random.uniform(0.5, 1.5)  # noqa: S311 (not for security)
        return float(min(self.backoff_seconds * 2 ** (attempt - 1) * jitter, self.max_wait_seconds))

    # --- transport ---------------------------------------------------------------------------

    def _get(self, model: type[M], path: str, *, params: Mapping[str, Any] | None = None) -> M:
        return model.model_validate(self._request("GET", path, params=params).json())

    def _get_list(self, model: type[M], path: str) -> list[M]:
        return TypeAdapter(list[model]).validate_python(  # type: ignore[valid-type]
            self._request("GET", path).json()
        )

    def _send(self, model: type[M], method: str, path: str, data: Body | None = None) -> M:
        return self._send_created(model, method, path, data)[0]

    def _send_created(
        self, model: type[M], method: str, path: str, data: Body | None = None
    ) -> tuple[M, bool]:
        """The answer, and whether the server created something (201) rather than found it."""
        payload: Any = None
        if isinstance(data, BaseModel):
            # Only the fields the caller set: an update must not reset the others to defaults.
            payload = data.model_dump(mode="json", exclude_unset=True)
        elif data is not None:
            payload = dict(data)
        # Encoded here rather than by httpx, which refuses NaN and ±inf: runs keep them, and the
        # server reads the NaN / Infinity literals that Python's json writes.
        response = self._request(
            method,
            path,
            content=None if payload is None else json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        return model.model_validate(response.json()), response.status_code == 201

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as err:
            raise ContinuumConnectionError(
                f"{self.url} did not answer within {self._http.timeout.read} s", code="timeout"
            ) from err
        except httpx.TransportError as err:
            raise ContinuumConnectionError(
                f"cannot reach the Continuum server at {self.url}: {err}", code="unreachable"
            ) from err
        if response.is_error:
            raise error_from_response(response)
        return response


def _versions(slug: str, model: str) -> str:
    return f"/projects/{_seg(slug)}/models/{_seg(model)}/versions"


def _seg(value: str) -> str:
    """A path segment, escaped so a slug or name can never change the path it is put in."""
    return quote(value, safe="")
