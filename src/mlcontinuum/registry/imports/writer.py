"""Where an import writes: one project of this instance, through the registry's services, as one
user of it, whom the audit trail names.

Each run (with its parameters, tags, metric series and end) and each version is written in a
transaction of its own: an interrupted import leaves whole items behind, and the next one finds
them by their external ids and writes nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from pydantic import TypeAdapter
from sqlalchemy.orm import Session, sessionmaker

from mlcontinuum.charter import queries as charter_queries
from mlcontinuum.kernel.auth import service as auth_service
from mlcontinuum.kernel.auth.access import ProjectAccess, project_access
from mlcontinuum.kernel.errors import FieldProblem, ValidationFailed
from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.registry import queries, service
from mlcontinuum.registry.enums import RunStatus
from mlcontinuum.registry.permissions import RUNS_WRITE
from mlcontinuum.registry.schemas import (
    MAX_BATCH_METRICS,
    MAX_BATCH_PARAMS,
    MAX_BATCH_TAGS,
    MetricPoint,
    ModelName,
    RunCreate,
    RunLog,
    RunPublic,
    RunUpdate,
    VersionCreate,
)

_MODEL_NAME: TypeAdapter[str] = TypeAdapter(ModelName)


class RegistryWriter:
    def __init__(self, sessions: sessionmaker[Session], project: str, username: str) -> None:
        self._sessions = sessions
        self.project = project
        self.username = username

    @classmethod
    def open(
        cls, sessions: sessionmaker[Session], project: str, username: str | None
    ) -> RegistryWriter:
        """A writer into `project` acting as `username` (default: the project's owner, when it
        has exactly one), who must be allowed to write runs there: checked now, before anything
        is read from the other system."""
        with transaction(sessions) as session:
            if username is None:
                username = _only_owner(session, project)
            _access(session, project, username)
        return cls(sessions, project, username)

    @contextmanager
    def _writing(self) -> Iterator[tuple[Session, ProjectAccess]]:
        with transaction(self._sessions) as session:
            yield session, _access(session, self.project, self.username)

    def existing_run(self, external_id: str) -> RunPublic | None:
        with self._writing() as (session, access):
            return queries.run_by_external_id(session, access.project.id, external_id)

    def add_run(
        self,
        data: RunCreate,
        *,
        params: Mapping[str, str],
        tags: Mapping[str, str],
        metrics: Sequence[MetricPoint],
        status: RunStatus,
    ) -> tuple[RunPublic, bool]:
        """Start the run with everything logged to it and its end (a running one stays running):
        (the run, True), or (the run that has `data.external_id` already, False)."""
        with self._writing() as (session, access):
            run, created = service.start_run(session, access, data)
            if not created:
                return run, False
            for batch in _batches(params, tags, metrics):
                service.log_batch(session, access, run.number, batch)
            if status is not RunStatus.RUNNING:
                run = service.update_run(session, access, run.number, RunUpdate(status=status))
            return run, True

    def add_version(self, name: str, data: VersionCreate) -> bool:
        """Register the next version of model `name`; False if one with `data.external_id`
        exists already."""
        model = _MODEL_NAME.validate_python(name)
        with self._writing() as (session, access):
            _, created = service.create_version(session, access, model, data)
            return created


def _only_owner(session: Session, project: str) -> str:
    owners = charter_queries.project_owners(session, project)
    if len(owners) != 1:
        message = (
            f"project '{project}' has {len(owners)} owners; name the user to import as with "
            "--user (an owner or ML engineer of the project)"
        )
        raise ValidationFailed(message, [FieldProblem("--user", "required", message)])
    return owners[0]


def _access(session: Session, project: str, username: str) -> ProjectAccess:
    user = auth_service.user_by_name(session, username)
    return project_access(session, auth_service.principal_of(user), project, RUNS_WRITE)


def _batches(
    params: Mapping[str, str], tags: Mapping[str, str], metrics: Sequence[MetricPoint]
) -> Iterator[RunLog]:
    """Everything logged to a run, in batches that fit the registry's limits."""
    param_items, tag_items = list(params.items()), list(tags.items())
    count = max(
        -(-len(param_items) // MAX_BATCH_PARAMS),
        -(-len(tag_items) // MAX_BATCH_TAGS),
        -(-len(metrics) // MAX_BATCH_METRICS),
    )
    for index in range(count):
        yield RunLog(
            params=dict(param_items[index * MAX_BATCH_PARAMS : (index + 1) * MAX_BATCH_PARAMS]),
            tags=dict(tag_items[index * MAX_BATCH_TAGS : (index + 1) * MAX_BATCH_TAGS]),
            metrics=list(metrics[index * MAX_BATCH_METRICS : (index + 1) * MAX_BATCH_METRICS]),
        )
