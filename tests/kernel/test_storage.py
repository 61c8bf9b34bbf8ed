"""Storage: SQLite runs with the safety pragmas; migrations bring an empty database to head."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Enum, text
from sqlalchemy.exc import IntegrityError

from mlcontinuum.app import create_app
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage import migrate
from mlcontinuum.kernel.storage.engine import make_engine
from mlcontinuum.slices import metadata as all_tables

ENUM_TYPES = sorted(
    {
        column.type.name
        for table in all_tables().sorted_tables
        for column in table.columns
        if isinstance(column.type, Enum) and column.type.name
    }
)


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10_000


def test_server_start_migrates_an_empty_database(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:  # start from nothing, not from the migrated template
        for table in reversed(all_tables().sorted_tables):
            cascade = " CASCADE" if engine.dialect.name == "postgresql" else ""
            connection.execute(text(f'DROP TABLE IF EXISTS "{table.name}"{cascade}'))
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        if engine.dialect.name == "postgresql":
            for enum in ENUM_TYPES:
                connection.execute(text(f"DROP TYPE IF EXISTS {enum}"))
    assert migrate.current_revision(engine) is None
    app = create_app(Settings(data_dir=tmp_path, database_url=database_url))
    assert migrate.current_revision(engine) == migrate.head_revision(engine)
    app.state.engine.dispose()
    engine.dispose()


def test_sqlite_foreign_keys_are_enforced(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        bad = text(
            "INSERT INTO memberships (project_id, user_id, role, created_at) "
            "VALUES (999, 999, 'owner', '2026-01-01 00:00:00')"
        )
        with pytest.raises(IntegrityError, match="FOREIGN KEY"), connection.begin():
            connection.execute(bad)
