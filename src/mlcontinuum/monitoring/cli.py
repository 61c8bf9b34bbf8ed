"""`continuum monitor push|labels`: production data and labels from a file, through the SDK.

Each batch is profiled on this machine; only profiles, prediction ids and predicted values (or
labels) are sent. Idempotency keys are derived from the file's SHA-256, the options that shape
the batches, and the batch's index, so running the same command again after a crash answers
the batches already stored instead of counting them twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from mlcontinuum.cli.output import EXIT_INPUT, fail, note, out, reported_errors
from mlcontinuum.cli.remote import TokenOption, UrlOption, connect

if TYPE_CHECKING:
    import pyarrow as pa

    from mlcontinuum.monitoring.client import Monitor
    from mlcontinuum.monitoring.schemas import BatchAccepted, LabelsAccepted

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
    from mlcontinuum.monitoring.evaluation import evaluate_pending

    with reported_errors(), local_database(ctx, upgrade=False) as db:
        total = 0
        while done := evaluate_pending(db.sessions, db.settings):
            total += done
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
    if at is not None and at_column is not None:
        fail("give --at or --at-column, not both")
    table = _read(data, id_column)
    _require_columns(table, data, [id_column, prediction_column, at_column])
    features = [
        name
        for name in table.column_names
        if name not in {id_column, prediction_column, at_column, label_column}
    ]
    if not features:
        fail(f"{data} has no feature columns besides the id, prediction, time and label columns")
    ids = _ids(table, id_column, data)
    predictions = _numbers(table, prediction_column, data)
    if at_column is not None:
        times = _times(table, at_column, data)
        fixed = None
    else:
        fixed = _parse_time(at) if at is not None else _modified(data)
        times = None
    options = {
        "ids": id_column,
        "predictions": prediction_column,
        "at_column": at_column,
        "at": None if fixed is None else fixed.isoformat(),
        "labels": label_column,
        "batch_rows": batch_rows,
    }
    keys = _Keys("push", data, options)
    batches = list(_batches(table.num_rows, times, fixed, batch_rows))
    new = replayed = 0
    from mlcontinuum.monitoring.client import MonitoringClient

    with reported_errors(), connect(url, token, MonitoringClient) as client:
        monitor = client.monitor(project, deployment, max_rows=batch_rows)
        with _bar(quiet, "batches") as bar:
            task = bar.add_task("push", total=len(batches))
            for index, (rows, when) in enumerate(batches):
                with _resumable(index, len(batches)):
                    answer = _log_batch(
                        monitor,
                        table.select(features).take(rows),
                        [predictions[i] for i in rows],
                        [ids[i] for i in rows],
                        when,
                        keys.key(index),
                    )
                replayed += answer.replayed
                new += not answer.replayed
                bar.advance(task)
    out().print(
        f"Pushed {table.num_rows:,} rows of {escape(str(data))} in {len(batches)} batch(es) to "
        f"deployment {deployment} of '{escape(project)}': {new} new, {replayed} already there."
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
    table = _read(data, id_column)
    _require_columns(table, data, [id_column, label_column])
    ids = _ids(table, id_column, data)
    known = [
        (prediction_id, value)
        for prediction_id, value in zip(ids, _labels(table, label_column, data), strict=True)
        if value is not None
    ]
    skipped = table.num_rows - len(known)
    keys = _Keys("labels", data, {"ids": id_column, "labels": label_column, "rows": batch_rows})
    parts = [known[i : i + batch_rows] for i in range(0, len(known), batch_rows)]
    new = replayed = 0
    from mlcontinuum.monitoring.client import MonitoringClient

    with reported_errors(), connect(url, token, MonitoringClient) as client:
        monitor = client.monitor(project, deployment, max_rows=batch_rows)
        with _bar(quiet, "requests") as bar:
            task = bar.add_task("labels", total=len(parts))
            for index, part in enumerate(parts):
                with _resumable(index, len(parts)):
                    answer = _log_labels(
                        monitor,
                        [prediction_id for prediction_id, _ in part],
                        [value for _, value in part],
                        keys.key(index),
                    )
                replayed += answer.replayed
                new += not answer.replayed
                bar.advance(task)
    note = f" ({skipped:,} row(s) without a label skipped)" if skipped else ""
    out().print(
        f"Sent {len(known):,} label(s) in {len(parts)} request(s) to deployment {deployment} "
        f"of '{escape(project)}': {new} new, {replayed} already there{note}."
    )


# --- reading the file ------------------------------------------------------------------------


def _read(path: Path, id_column: str) -> pa.Table:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if not path.is_file():
        fail(f"{path}: {'not a file' if path.exists() else 'no such file'}")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        fail(f"{path}: unsupported file type {suffix!r} (use .csv or .parquet)")
    try:
        if suffix == ".csv":
            # Ids as written ("00123" stays "00123"), whatever they look like.
            types = pacsv.ConvertOptions(column_types={id_column: pa.string()})
            return pacsv.read_csv(path, convert_options=types)
        return pq.read_table(path)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        fail(f"{path}: cannot be read ({str(exc).splitlines()[0]})")


def _require_columns(table: pa.Table, path: Path, wanted: list[str | None]) -> None:
    missing = [name for name in wanted if name is not None and name not in table.column_names]
    if missing:
        fail(
            f"{path} has no column {', '.join(repr(m) for m in missing)}; its columns are "
            f"{', '.join(table.column_names)} (choose them with --id-column, "
            "--prediction-column, --at-column, --label-column)"
        )


def _ids(table: pa.Table, name: str, path: Path) -> list[str]:
    import pyarrow as pa

    column = table.column(name)
    _no_nulls(column, name, path)
    kind = column.type
    if not (
        pa.types.is_integer(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)
    ):
        fail(f"{path}: column {name!r} holds {kind}; prediction ids are text or integers")
    return [str(value) for value in column.to_pylist()]


def _numbers(table: pa.Table, name: str, path: Path) -> list[float]:
    import pyarrow as pa

    column = table.column(name)
    _no_nulls(column, name, path)
    if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
        fail(f"{path}: column {name!r} holds {column.type}, not numbers")
    values: list[float] = column.cast(pa.float64()).to_pylist()
    return values


def _labels(table: pa.Table, name: str, path: Path) -> list[float | None]:
    import pyarrow as pa

    column = table.column(name)
    kind = column.type
    if not (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_null(kind)
    ):
        fail(f"{path}: column {name!r} holds {kind}; labels are numbers (0/1 for a class)")
    values: list[float | None] = column.cast(pa.float64()).to_pylist()
    return values


def _times(table: pa.Table, name: str, path: Path) -> list[datetime]:
    import pyarrow as pa

    column = table.column(name)
    _no_nulls(column, name, path)
    if pa.types.is_timestamp(column.type):
        return [_utc(value) for value in column.to_pylist()]
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        fail(f"{path}: column {name!r} holds {column.type}; times are ISO 8601 text or timestamps")
    return [_parse_time(value, f"{path}: column {name!r}") for value in column.to_pylist()]


def _no_nulls(column: Any, name: str, path: Path) -> None:
    if column.null_count:
        fail(f"{path}: column {name!r} has {column.null_count} empty value(s)")


def _parse_time(text: str, where: str = "--at") -> datetime:
    try:
        return _utc(datetime.fromisoformat(text))
    except ValueError:
        fail(f"{where}: {text!r} is not an ISO 8601 time such as 2026-11-01T10:00:00Z")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


# --- batches and keys ------------------------------------------------------------------------


def _batches(
    rows: int, times: list[datetime] | None, fixed: datetime | None, size: int
) -> Iterator[tuple[list[int], datetime]]:
    """(row indices, time) per batch: by hour when every row has a time, then by `size`."""
    if times is None:
        assert fixed is not None
        for start in range(0, rows, size):
            yield list(range(start, min(start + size, rows))), fixed
        return
    by_hour: dict[datetime, list[int]] = {}
    for index, when in enumerate(times):
        by_hour.setdefault(when.replace(minute=0, second=0, microsecond=0), []).append(index)
    for hour in sorted(by_hour):
        members = by_hour[hour]
        for start in range(0, len(members), size):
            part = members[start : start + size]
            yield part, min(times[i] for i in part)


@dataclass
class _Keys:
    """Idempotency keys that are the same whenever the same file is sent the same way."""

    kind: str
    path: Path
    options: dict[str, Any]

    def __post_init__(self) -> None:
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        shaped = json.dumps(self.options, sort_keys=True).encode()
        self.base = hashlib.sha256(digest.digest() + shaped).hexdigest()[:32]

    def key(self, index: int) -> str:
        return f"{self.kind}-{self.base}-{index:06d}"


def _log_batch(
    monitor: Monitor,
    features: pa.Table,
    predictions: list[float],
    ids: list[str],
    at: datetime,
    key: str,
) -> BatchAccepted:
    from mlcontinuum.profiles import ProfileError

    try:
        return monitor.log_batch(features, predictions, ids=ids, at=at, idempotency_key=key)
    except (ValueError, ProfileError) as exc:
        fail(str(exc), EXIT_INPUT)


def _log_labels(monitor: Monitor, ids: list[str], values: list[float], key: str) -> LabelsAccepted:
    try:
        return monitor.log_labels(ids, values, idempotency_key=key)
    except ValueError as exc:
        fail(str(exc), EXIT_INPUT)


@contextmanager
def _resumable(index: int, total: int) -> Iterator[None]:
    """On a refusal, say what was stored and that running the command again resumes."""
    from mlcontinuum.remote.errors import ContinuumAPIError

    try:
        yield
    except ContinuumAPIError:
        note(
            f"request {index + 1} of {total} failed; the {index} before it are stored. Running "
            "the same command again sends only what is missing."
        )
        raise


def _bar(quiet: bool, unit: str) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        console=Console(stderr=True, quiet=quiet),
        transient=True,
    )
