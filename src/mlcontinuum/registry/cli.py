"""`continuum import mlflow`: copy experiments, runs and model versions from another tracker into
this instance's database (a local command, like `continuum demo`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from mlcontinuum.cli.local import local_database
from mlcontinuum.cli.output import err, out, reported_errors

if TYPE_CHECKING:
    from mlcontinuum.registry.imports import ImportReport

import_app = typer.Typer(
    help="Copy runs and model versions from another tracking system into a project.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")


# The backslash in the docstring keeps Rich from reading "[mlflow]" in the help as markup.
@import_app.command("mlflow")
def mlflow_(
    ctx: typer.Context,
    tracking_uri: Annotated[
        str,
        typer.Option(
            "--tracking-uri",
            help="Where MLflow keeps its runs: http(s)://server, sqlite:///path/mlflow.db, "
            "postgresql://..., databricks.",
            show_default=False,
        ),
    ],
    project: Annotated[
        str,
        typer.Option("--project", help="Slug of the project to import into.", show_default=False),
    ],
    experiments: Annotated[
        list[str] | None,
        typer.Option(
            "--experiment",
            help="Name of an MLflow experiment to import (repeatable). Default: every active one.",
            show_default=False,
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="The user the import acts as (the audit trail names them); they need runs:write "
            "in the project. Default: the project's owner, when it has exactly one.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Copy MLflow experiments, runs and registered model versions into a project of this
    instance's database.

    Runs keep their parameters, metric histories, tags and status; artifacts are not copied.
    Running it again imports only what is new. Needs the MLflow extra:
    pip install 'mlcontinuum\\[mlflow]'
    """
    from mlcontinuum.registry.imports.mlflow import import_mlflow
    from mlcontinuum.registry.imports.writer import RegistryWriter

    with reported_errors(), local_database(ctx, upgrade=False) as db:
        writer = RegistryWriter.open(db.sessions, project, user)
        with _progress() as progress:
            report = import_mlflow(
                writer, tracking_uri, experiments=experiments or [], progress=progress
            )
    _print(report, project)


class _Bar:
    """The import's stages as Rich progress bars, on stderr so stdout keeps the summary."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def stage(self, description: str, total: int) -> None:
        self._task = self._progress.add_task(description, total=total)

    def advance(self) -> None:
        if self._task is not None:
            self._progress.advance(self._task)


@contextmanager
def _progress() -> Iterator[_Bar]:
    progress = Progress(
        TextColumn("{task.description:<15}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err(),
        transient=False,
    )
    with progress:
        yield _Bar(progress)


def _print(report: ImportReport, project: str) -> None:
    console = out()
    console.print(
        f"Imported into '{escape(project)}' from {report.experiments} experiment(s): "
        f"{report.runs_created} run(s) created, {report.runs_skipped} already there; "
        f"{report.versions_created} model version(s) created, "
        f"{report.versions_skipped} skipped."
    )
    if report.skipped:
        console.print(f"Not copied ({len(report.skipped)}):")
        for item in report.skipped:
            console.print(f"  {escape(item.item)}: {escape(item.reason)}")
