"""Commands that work on this instance's database directly (no server): settings, engine,
migrations. They are for the operator of the instance, who already holds the database."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from mlcontinuum.cli.output import EXIT_FAILURE, fail

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from mlcontinuum.kernel.settings import Settings


@dataclass(frozen=True)
class Composition:
    """What the CLI's composition root (`mlcontinuum.console`) hands every command through the
    click context: how sessions are made, so the slices' reactions run for local commands too."""

    session_factory: Callable[[Engine], sessionmaker[Session]]


@dataclass(frozen=True)
class LocalDatabase:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def safe_url(self) -> str:
        """The database URL without its password, fit for printing."""
        from sqlalchemy.engine import make_url

        return make_url(self.settings.resolved_database_url).render_as_string(hide_password=True)


@contextmanager
def local_database(ctx: typer.Context, *, upgrade: bool) -> Iterator[LocalDatabase]:
    """Open the configured database. With `upgrade`, apply migrations first; without it, refuse
    a database whose schema is behind, since older tables would fail in confusing ways."""
    from mlcontinuum.kernel.settings import load_settings
    from mlcontinuum.kernel.storage import migrate
    from mlcontinuum.kernel.storage.engine import make_engine

    composition = ctx.find_object(Composition)
    if composition is None:
        raise RuntimeError("local commands run inside the CLI built by mlcontinuum.console")
    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        db = LocalDatabase(settings, engine, composition.session_factory(engine))
        if upgrade:
            migrate.upgrade(engine)
        elif migrate.current_revision(engine) != migrate.head_revision(engine):
            fail(
                f"the database at {db.safe_url} is not up to date; run `continuum db upgrade`",
                EXIT_FAILURE,
            )
        yield db
    finally:
        engine.dispose()


def operator_actor() -> str:
    """Who the audit trail names for local commands: the operating-system account running them."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # containers may run as a uid without a passwd entry
        return "cli"
