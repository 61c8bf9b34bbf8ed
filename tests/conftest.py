"""Shared fixtures: every storage test runs on a real SQLite file and a real PostgreSQL database.

Each test gets a fresh, migrated, empty database: a copy of a migrated template file for SQLite;
for PostgreSQL, one database per worker emptied before each test. When
CONTINUUM_TEST_STRICT is set (CI, `scripts/test`), a missing PostgreSQL, chromium or Spark fails
the run instead of skipping it.
"""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, NoReturn

import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mlcontinuum.app import create_app
from mlcontinuum.kernel import events
from mlcontinuum.kernel.auth import credentials
from mlcontinuum.kernel.auth import service as auth_service
from mlcontinuum.kernel.auth.schemas import TokenCreate, UserCreate
from mlcontinuum.kernel.settings import Settings

if TYPE_CHECKING:
    from tests.teams import Team
from mlcontinuum.kernel.storage import migrate
from mlcontinuum.kernel.storage.engine import make_engine, transaction
from mlcontinuum.slices import metadata as all_tables

# Fixtures shared by the slices' tests: pages (`visit`) and the CLI (`cli`, `engine`).
pytest_plugins = ("tests.pagekit", "tests.clikit")

BACKENDS = ("sqlite", "postgresql")
PASSWORD = "a-long-test-password"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        action="append",
        choices=BACKENDS,
        help="run storage tests on this backend only (repeatable); default: both",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    chosen_by_test = any(
        "backend" in str(marker.args[0])
        for marker in metafunc.definition.iter_markers("parametrize")
    )
    if "backend" in metafunc.fixturenames and not chosen_by_test:
        chosen = metafunc.config.getoption("backend") or list(BACKENDS)
        metafunc.parametrize("backend", chosen, scope="function")


def missing(reason: str) -> NoReturn:
    """A system dependency is absent: skip on a developer's machine, fail under scripts/test
    (CONTINUUM_TEST_STRICT), so CI can never pass by silently skipping PostgreSQL or chromium."""
    if os.environ.get("CONTINUUM_TEST_STRICT"):
        pytest.fail(f"required for this run: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require(module: str, install_hint: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError:
        missing(f"{module} is not installed: {install_hint}")


@pytest.fixture(scope="session", autouse=True)
def _cheaper_argon2() -> Iterator[None]:
    """Real argon2id, with test-sized cost: the recommended cost takes ~0.7 s per hash on two
    busy cores, and the suite creates hundreds of accounts. Each hash records its parameters,
    so verification is unchanged."""
    original = credentials._hasher
    credentials._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    credentials._hasher = original


def _postgres_admin_url() -> str:
    return os.environ.get(
        "CONTINUUM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One PostgreSQL database per worker, dropped at the end of the session."""
    admin_url = _postgres_admin_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as err:
        admin.dispose()
        missing(f"PostgreSQL is not reachable at {admin_url}: {err}")
    name = f"continuum_test_{_worker()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_postgres(url: str) -> None:
    """Empty every table (faster than a new database per test) and re-seed the genesis head.

    Migrating first also repairs the schema after a test that dropped it on purpose."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    tables = ", ".join(f'"{t.name}"' for t in all_tables().sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        connection.execute(
            text("INSERT INTO event_chain_heads (chain, seq, hash) VALUES (:c, 0, :h)"),
            {"c": events.INSTANCE_CHAIN, "h": events.GENESIS_HASH},
        )
    engine.dispose()


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, migrated, empty database of the backend under test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "continuum.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("postgres_database")
    _reset_postgres(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # Tests run the evaluator and the outbox themselves, where they want them.
    return Settings(data_dir=tmp_path / "data", database_url=database_url, background_workers=False)


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings, run_migrations=False)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Accounts:
    """Creates users straight through the service (as `continuum init` would) with a full token."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def create(self, username: str, *, admin: bool = False) -> Account:
        with transaction(self.app.state.session_factory) as db:
            user = auth_service.create_user(
                db,
                UserCreate(
                    username=username,
                    email=f"{username}@example.com",
                    full_name=username.capitalize(),
                    password=PASSWORD,
                    is_admin=admin,
                ),
                actor="test",
            )
            created = auth_service.create_token(
                db, auth_service.principal_of(user), TokenCreate(name="test"), project_id=None
            )
        return Account(username, PASSWORD, created.token)


@pytest.fixture
def accounts(app: FastAPI) -> Accounts:
    return Accounts(app)


@pytest.fixture
def owner(accounts: Accounts) -> Account:
    return accounts.create("olivia")


@pytest.fixture
def project(client: TestClient, owner: Account) -> str:
    """A project owned by `owner`; returns its slug."""
    response = client.post(
        "/api/v1/projects",
        json={"slug": "churn", "name": "Churn prediction", "customer": "Telco"},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    return "churn"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The app served over real HTTP by uvicorn in a thread; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def team(client: TestClient, accounts: Accounts, owner: Account, project: str) -> Team:
    """The project's people (tests/teams.py): owner, ML engineer, stakeholder and viewer."""
    from tests.teams import Team

    return Team(client, accounts, owner, project)
