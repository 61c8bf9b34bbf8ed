"""`continuum db upgrade|current`: the schema of the configured database."""

from __future__ import annotations

import typer

from mlcontinuum.cli.local import local_database
from mlcontinuum.cli.output import out, reported_errors

db_app = typer.Typer(
    help="The database schema: apply migrations, show the revision.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Apply every pending migration to the configured database and print its revision.

    The database is CONTINUUM_DATABASE_URL, or the SQLite file in the data directory.
    """
    from mlcontinuum.kernel.storage import migrate

    with reported_errors(), local_database(ctx, upgrade=True) as db:
        revision = migrate.current_revision(db.engine)
        out().print(f"database {db.safe_url} is at revision {revision} (head)")


@db_app.command("current")
def current() -> None:
    """Print the configured database's revision and whether migrations are pending."""
    from mlcontinuum.kernel.settings import load_settings
    from mlcontinuum.kernel.storage import migrate
    from mlcontinuum.kernel.storage.engine import make_engine

    with reported_errors():
        engine = make_engine(load_settings().resolved_database_url)
        try:
            revision = migrate.current_revision(engine)
            head = migrate.head_revision(engine)
        finally:
            engine.dispose()
    if revision == head:
        out().print(f"revision {revision} (head)")
    else:
        out().print(
            f"revision {revision or 'none (empty database)'}; head is {head}: "
            "run `continuum db upgrade`"
        )
