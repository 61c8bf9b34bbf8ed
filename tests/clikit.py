"""The CLI, run in-process by Typer's runner against the test's own database (both backends):
the `cli` and `engine` fixtures, registered for every test by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pytest
import typer
from click.testing import Result
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from mlcontinuum.console import build_cli
from mlcontinuum.kernel.events import Event
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.engine import make_engine


@dataclass
class Cli:
    app: typer.Typer
    env: dict[str, str | None]

    def __call__(
        self, *args: str, input: str | None = None, env: Mapping[str, str | None] | None = None
    ) -> Result:
        return CliRunner().invoke(
            self.app, list(args), input=input, env={**self.env, **(env or {})}
        )


@pytest.fixture
def cli(settings: Settings) -> Cli:
    """`continuum` pointed at the test's database; server options cleared from the environment."""
    return Cli(
        build_cli(),
        {
            "CONTINUUM_DATA_DIR": str(settings.data_dir),
            "CONTINUUM_DATABASE_URL": settings.resolved_database_url,
            "CONTINUUM_URL": None,
            "CONTINUUM_TOKEN": None,
            "CONTINUUM_CONFIG": None,
        },
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    db = make_engine(settings.resolved_database_url)
    yield db
    db.dispose()


def event_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Event)).scalar_one()
