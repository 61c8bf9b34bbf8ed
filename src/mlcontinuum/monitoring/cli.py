"""`continuum monitor evaluate|push|labels`: evaluate windows now, and send production data and
labels from a file (reading, batching and sending are `monitoring.push`'s, through the SDK)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from mlcontinuum.cli.output import fail, note, out, reported_errors
from mlcontinuum.cli.remote import TokenOption, UrlOption, connect

monitor_app = typer.Typer(
    help="Production monitoring: send batches and labels of a deployment from files.",
    no_args_is_help=True,
)

DataArgument = Annotated[
    Path, typer.Argument(help="CSV or Parquet file, one row per prediction.", show_default=False)
]
DeploymentOption = Annotated[
    int,
    typer.Option(
        "--deployment",
        help="Id of the deployment that made the predictions (see GET .../deployments).",
        show_default=False,
    ),
]
ProjectOption = Annotated[
    str, typer.Option("--project", help="Slug of the project.", show_default=False)
]
IdColumn = Annotated[str, typer.Option("--id-column", help="Column of the prediction ids.")]
BatchRows = Annotated[
    int,
    typer.Option(
        "--batch-rows",
        min=1,
        help="Most rows per request; the server refuses more than its monitor_max_batch_rows.",
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


def register(app: typer.Typer) -> None:
    app.add_typer(monitor_app, name="monitor")


@monitor_app.command("evaluate")
def evaluate(ctx: typer.Context) -> None:
    """Evaluate every window with new data now, on the configured database, and raise alerts.

    What the server's background evaluator does (use it when CONTINUUM_BACKGROUND_WORKERS is
    false, or to see results at once): merge the new batch profiles of each dirty hour and day
    window, compare with the version's reference profile, run the data checks, compute
    performance from labelled predictions, judge KPIs against the charter.
    """
    from mlcontinuum.cli.local import local_database
    from mlcontinuum.monitoring.evaluation import evaluate_all_pending

    with reported_errors(), local_database(ctx, upgrade=False) as db:
        total = evaluate_all_pending(db.sessions, db.settings)
    out().print(f"evaluated {total} window(s)")


@monitor_app.command("push")
def push(
    data: DataArgument,
    deployment: DeploymentOption,
    project: ProjectOption,
    prediction_column: Annotated[
        str, typer.Option("--prediction-column", help="Column of the predicted values.")
    ] = "prediction",
    id_column: IdColumn = "id",
    at_column: Annotated[
        str | None,
        typer.Option(
            "--at-column",
            help="Column of the times the predictions were made; batches are split by hour. "
            "Times without a zone are read as UTC.",
            show_default=False,
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="One time for every row (ISO 8601, e.g. 2026-11-01T10:00:00Z), instead of "
            "--at-column. Default: the file's modification time.",
            show_default=False,
        ),
    ] = None,
    label_column: Annotated[
        str,
        typer.Option(
            "--label-column",
            help="Column of labels, if the file has one: left out of the profile (send labels "
            "with `continuum monitor labels`).",
        ),
    ] = "label",
    batch_rows: BatchRows = 10_000,
    quiet: QuietOption = False,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Send a file of predictions to a deployment: profiled here in batches, with a progress bar.

    Features are every column but the id, prediction, time and label columns; they never leave
    this machine, only their profile does. Batches are split by the hour of --at-column and by
    --batch-rows. Each batch's idempotency key comes from the file's SHA-256, these options and
    the batch's index: running the same push again (after a crash, say) answers the batches
    already stored and sends the rest, and never counts a prediction twice.
    """
    from mlcontinuum.monitoring import push
    from mlcontinuum.monitoring.client import MonitoringClient

    if at is not None and at_column is not None:
        fail("give --at or --at-column, not both")
    columns = push.Columns(
        ids=id_column, predictions=prediction_column, at=at_column, labels=label_column
    )
    with reported_errors():
        file = push.read_predictions(data, columns, at=at, batch_rows=batch_rows)
    with reported_errors(), connect(url, token, MonitoringClient) as client:
        monitor = client.monitor(project, deployment, max_rows=batch_rows)
        with _bar(quiet, "push", "batches", file.requests) as bar:
            report = push.send_predictions(monitor, file, bar)
    out().print(
        f"Pushed {report.rows:,} rows of {escape(str(data))} in {report.requests} batch(es) to "
        f"deployment {deployment} of '{escape(project)}': {report.new} new, "
        f"{report.replayed} already there."
    )


@monitor_app.command("labels")
def labels(
    data: DataArgument,
    deployment: DeploymentOption,
    project: ProjectOption,
    id_column: IdColumn = "id",
    label_column: Annotated[
        str, typer.Option("--label-column", help="Column of the labels (0/1, or true values).")
    ] = "label",
    batch_rows: BatchRows = 10_000,
    quiet: QuietOption = False,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Send ground-truth labels of logged predictions, by prediction id, from a file.

    Rows with an empty label are skipped. Each request is all-or-nothing: if one id was never
    logged, the server names it and stores none of that request. Keys come from the file's
    SHA-256 and the batch index, so running the command again never stores a request twice.
    """
    from mlcontinuum.monitoring import push
    from mlcontinuum.monitoring.client import MonitoringClient

    with reported_errors():
        file = push.read_labels(
            data, id_column=id_column, label_column=label_column, batch_rows=batch_rows
        )
    with reported_errors(), connect(url, token, MonitoringClient) as client:
        monitor = client.monitor(project, deployment, max_rows=batch_rows)
        with _bar(quiet, "labels", "requests", file.requests) as bar:
            report = push.send_labels(monitor, file, bar)
    skipped = f" ({report.skipped:,} row(s) without a label skipped)" if report.skipped else ""
    out().print(
        f"Sent {report.rows:,} label(s) in {report.requests} request(s) to deployment "
        f"{deployment} of '{escape(project)}': {report.new} new, {report.replayed} already "
        f"there{skipped}."
    )


class _Bar:
    """A progress bar on stderr, and what to say when a request fails."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress, self.task = progress, task

    def sent(self) -> None:
        self.progress.advance(self.task)

    def failed(self, index: int, total: int) -> None:
        note(
            f"request {index + 1} of {total} failed; the {index} before it are stored. Running "
            "the same command again sends only what is missing."
        )


@contextmanager
def _bar(quiet: bool, name: str, unit: str, total: int) -> Iterator[_Bar]:
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        console=Console(stderr=True, quiet=quiet),
        transient=True,
    ) as progress:
        yield _Bar(progress, progress.add_task(name, total=total))
