"""Shared fixtures: every storage test runs on a real SQLite file and a real PostgreSQL database.

Each test gets its own fresh database, cloned from a template migrated once per worker (a
file copy for SQLite, `CREATE DATABASE ... TEMPLATE` for PostgreSQL). When
CONTINUUM_TEST_REQUIRE_POSTGRES is set (CI, `scripts/test`), an unreachable PostgreSQL fails
the run instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mlcontinuum.app import create_app
from mlcontinuum.auth import service as auth_service
from mlcontinuum.auth.schemas import TokenCreate, UserCreate
from mlcontinuum.settings import Settings
from mlcontinuum.storage import migrate
from mlcontinuum.storage.engine import make_engine, transaction

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
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("backend") or list(BACKENDS)
        metafunc.parametrize("backend", chosen, scope="function")


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
def postgres_template() -> Iterator[str]:
    admin_url = _postgres_admin_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as err:
        admin.dispose()
        if os.environ.get("CONTINUUM_TEST_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required but not reachable at {admin_url}: {err}")
        pytest.skip(f"PostgreSQL not reachable at {admin_url}")
    name = f"continuum_tpl_{_worker()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated database of the backend under test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "continuum.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    template_name: str = request.getfixturevalue("postgres_template")
    admin = create_engine(_postgres_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"continuum_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    yield make_url(_postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


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
