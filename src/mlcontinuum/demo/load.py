"""Load the demo through the services, idempotently: what exists is left as it is, so a second
run writes nothing and appends no events. Each step checks its own "already there" condition,
so later slices can add steps that fill in an existing demo project."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from mlcontinuum.charter import service as charter_service
from mlcontinuum.charter.permissions import CHARTER_WRITE
from mlcontinuum.charter.schemas import ProjectCreate
from mlcontinuum.charter.service import document as charter_document
from mlcontinuum.charter.service import projects
from mlcontinuum.data import service as data_service
from mlcontinuum.data.permissions import DATA_WRITE
from mlcontinuum.demo import charter as content
from mlcontinuum.demo import data_register, modeling, operations
from mlcontinuum.demo.baselines import Baselines, compute, load_wa_churn
from mlcontinuum.kernel.auth import credentials
from mlcontinuum.kernel.auth import service as auth_service
from mlcontinuum.kernel.auth.access import project_access
from mlcontinuum.kernel.auth.models import User
from mlcontinuum.kernel.auth.permissions import PROJECT_READ
from mlcontinuum.kernel.auth.schemas import UserCreate
from mlcontinuum.kernel.errors import ContinuumError, NotFound
from mlcontinuum.kernel.settings import Settings, load_settings
from mlcontinuum.kernel.storage.artifacts import ArtifactStore
from mlcontinuum.kernel.storage.engine import transaction
from mlcontinuum.registry import queries as registry
from mlcontinuum.registry.permissions import RUNS_WRITE

PASSWORD_BYTES = 18


@dataclass
class DemoResult:
    project_created: bool = False
    # (user name, password) of accounts created by this run; the only time a password is known.
    new_accounts: list[tuple[str, str]] = field(default_factory=list)
    owner: str = ""
    production: operations.ProductionResult = field(default_factory=operations.ProductionResult)


def load(
    sessions: sessionmaker[Session],
    *,
    actor: str,
    artifacts: ArtifactStore | None = None,
    settings: Settings | None = None,
) -> DemoResult:
    """Load the project in one transaction: it is all there afterwards, or nothing is; then
    play its production weeks (operations.py), which commit step by step as production would.
    Model artifacts go to `artifacts`, by default the instance's store (as the server's)."""
    settings = settings or load_settings()
    if artifacts is None:
        artifacts = ArtifactStore(settings.data_dir / "artifacts")
    baselines = compute(load_wa_churn())
    result = DemoResult()
    with transaction(sessions) as session:
        admin = _first_admin(session)
        result.owner = admin.username
        users = {a.username: _account(session, a, actor, result) for a in content.ACCOUNTS}
        if not _project_exists(session, admin):
            _create_project(session, admin, users, baselines)
            result.project_created = True
        _fill_data_register(session, admin)
        _train_and_gate(session, users[content.ML_ENGINEER.username], artifacts)
    result.production = operations.run(sessions, settings, artifacts)
    return result


def _fill_data_register(session: Session, admin: User) -> None:
    """The register's sources, unless the project has a register already."""
    access = project_access(
        session, auth_service.principal_of(admin), content.SLUG, DATA_WRITE
    )
    if data_service.list_sources(session, access.project.id):
        return
    for source in data_register.sources(data_service.today()):
        data_service.add_source(session, access, source)


def _train_and_gate(session: Session, engineer: User, artifacts: ArtifactStore) -> None:
    """The ML engineer's runs, model versions and gate runs, unless the project has runs."""
    access = project_access(
        session, auth_service.principal_of(engineer), content.SLUG, RUNS_WRITE
    )
    if registry.has_runs(session, access.project.id):
        return
    modeling.train_and_gate(session, access, artifacts)


def _project_exists(session: Session, admin: User) -> bool:
    # An administrator sees every project: not found means there is none.
    try:
        project_access(session, auth_service.principal_of(admin), content.SLUG, PROJECT_READ)
    except NotFound:
        return False
    return True


def _first_admin(session: Session) -> User:
    admins = [user for user in auth_service.list_users(session) if user.is_admin]
    admin = min(admins, key=lambda user: user.id, default=None)
    if admin is None:
        raise ContinuumError(
            "the demo project is owned by the first administrator; run `continuum init` first"
        )
    return admin


def _account(
    session: Session, account: content.DemoAccount, actor: str, result: DemoResult
) -> User:
    try:
        return auth_service.user_by_name(session, account.username)
    except NotFound:
        pass
    password = credentials.new_secret(PASSWORD_BYTES)
    user = auth_service.create_user(
        session,
        UserCreate(
            username=account.username,
            email=account.email,
            full_name=account.full_name,
            password=password,
        ),
        actor=actor,
    )
    result.new_accounts.append((user.username, password))
    return user


def _create_project(
    session: Session, admin: User, users: dict[str, User], baselines: Baselines
) -> None:
    owner = auth_service.principal_of(admin)
    fields = content.PROJECT.model_dump()
    project = projects.create_project(session, owner, ProjectCreate(slug=content.SLUG, **fields))
    # Roles first: linking a stakeholder's account would otherwise invite it as a stakeholder.
    for account in content.ACCOUNTS:
        auth_service.set_membership(
            session,
            project_id=project.id,
            user=users[account.username],
            role=account.role,
            actor=owner.username,
        )
    access = project_access(session, owner, content.SLUG, CHARTER_WRITE)
    document = content.document(baselines)
    charter_document.import_document(session, access, document)
    # The data protection review changes the charter, written by the ML engineer.
    engineer = auth_service.principal_of(users[content.REVISION_AUTHOR.username])
    engineer_access = project_access(session, engineer, content.SLUG, CHARTER_WRITE)
    charter_service.update_charter(session, engineer_access, content.revision(document.charter))
