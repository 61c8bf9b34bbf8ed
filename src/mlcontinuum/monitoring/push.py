"""Pushing a file of production data to a deployment: predictions (`continuum monitor push`) or
labels (`continuum monitor labels`), read from CSV or Parquet, cut into requests and sent.

Each batch of predictions is profiled on this machine; only profiles, prediction ids and
predicted values (or labels) are sent. Idempotency keys are derived from the file's SHA-256,
the options that shape the requests, and the request's index, so pushing the same file again
after a crash answers the requests already stored instead of counting them twice.

Reading happens before anything is sent, so a file that cannot be pushed sends nothing. What the
file says wrong is a `ValidationFailed` naming the file and the column. The server is reached
through a `Sender` (the SDK's `Monitor` is one), so this module needs no client of its own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from mlcontinuum.kernel.errors import ValidationFailed
from mlcontinuum.profiles import ProfileError

if TYPE_CHECKING:
    import pyarrow as pa

    from mlcontinuum.monitoring.schemas import BatchAccepted, LabelsAccepted


class Sender(Protocol):
    """What sends one deployment's batches and labels to the server (the SDK's `Monitor`)."""

    def log_batch(
        self,
        features: Any,
        predictions: list[float],
        *,
        ids: list[str],
        at: datetime,
        idempotency_key: str,
    ) -> BatchAccepted: ...

    def log_labels(
        self, ids: list[str], labels: list[float], *, idempotency_key: str
    ) -> LabelsAccepted: ...


class Progress(Protocol):
    """Told of every request sent, and of the one that failed (the ones before it are stored:
    pushing the same file again sends only what is missing)."""

    def sent(self) -> None: ...

    def failed(self, index: int, total: int) -> None: ...


@dataclass(frozen=True)
class PushReport:
    rows: int  # rows of the file sent (labels: rows with a label)
    requests: int
    new: int
    replayed: int  # requests the server already had
    skipped: int = 0  # labels: rows without a label


@dataclass(frozen=True)
class Columns:
    """The columns of a predictions file, as `continuum monitor push` names them."""

    ids: str
    predictions: str
    at: str | None  # one time per row; None: `at` for every row
    labels: str  # left out of the profile when the file has it


@dataclass(frozen=True)
class Predictions:
    """A predictions file read and cut into batches, ready to send."""

    table: Any  # the file's pyarrow Table
    features: list[str]
    ids: list[str]
    predictions: list[float]
    batches: list[tuple[list[int], datetime]]  # (row indices, time) of each request
    keys: _Keys

    @property
    def requests(self) -> int:
        return len(self.batches)


@dataclass(frozen=True)
class Labels:
    """A labels file read (rows without a label left out) and cut into requests."""

    parts: list[list[tuple[str, float]]]
    skipped: int
    keys: _Keys

    @property
    def requests(self) -> int:
        return len(self.parts)


# --- predictions -------------------------------------------------------------------------------


def read_predictions(
    path: Path, columns: Columns, *, at: str | None, batch_rows: int
) -> Predictions:
    """Read `path` and cut it by the hour of the time column, then by `batch_rows`. Features
    are every column but the id, prediction, time and label columns. Without a time column,
    every row was made `at` (ISO 8601), by default when the file was last modified."""
    table = _read(path, columns.ids)
    _require_columns(table, path, [columns.ids, columns.predictions, columns.at])
    left_out = {columns.ids, columns.predictions, columns.at, columns.labels}
    features = [name for name in table.column_names if name not in left_out]
    if not features:
        _refuse(f"{path} has no feature columns besides the id, prediction, time and label columns")
    ids = _ids(table, columns.ids, path)
    predictions = _numbers(table, columns.predictions, path)
    if columns.at is not None:
        times = _times(table, columns.at, path)
        fixed = None
    else:
        fixed = parse_time(at) if at is not None else _modified(path)
        times = None
    shape = {
        "ids": columns.ids,
        "predictions": columns.predictions,
        "at_column": columns.at,
        "at": None if fixed is None else fixed.isoformat(),
        "labels": columns.labels,
        "batch_rows": batch_rows,
    }
    return Predictions(
        table=table,
        features=features,
        ids=ids,
        predictions=predictions,
        batches=list(_batches(table.num_rows, times, fixed, batch_rows)),
        keys=_Keys("push", path, shape),
    )


def send_predictions(sender: Sender, file: Predictions, progress: Progress) -> PushReport:
    new = replayed = 0
    for index, (rows, when) in enumerate(file.batches):
        with _request(index, file.requests, progress):
            answer = sender.log_batch(
                file.table.select(file.features).take(rows),
                [file.predictions[i] for i in rows],
                ids=[file.ids[i] for i in rows],
                at=when,
                idempotency_key=file.keys.key(index),
            )
        replayed += answer.replayed
        new += not answer.replayed
        progress.sent()
    return PushReport(file.table.num_rows, file.requests, new, replayed)


# --- labels ------------------------------------------------------------------------------------


def read_labels(path: Path, *, id_column: str, label_column: str, batch_rows: int) -> Labels:
    """Read `path`'s labels by prediction id, skipping rows with an empty label, in requests
    of at most `batch_rows`."""
    table = _read(path, id_column)
    _require_columns(table, path, [id_column, label_column])
    ids = _ids(table, id_column, path)
    known = [
        (prediction_id, value)
        for prediction_id, value in zip(ids, _labels(table, label_column, path), strict=True)
        if value is not None
    ]
    shape = {"ids": id_column, "labels": label_column, "rows": batch_rows}
    return Labels(
        parts=[known[i : i + batch_rows] for i in range(0, len(known), batch_rows)],
        skipped=table.num_rows - len(known),
        keys=_Keys("labels", path, shape),
    )


def send_labels(sender: Sender, file: Labels, progress: Progress) -> PushReport:
    new = replayed = 0
    for index, part in enumerate(file.parts):
        with _request(index, file.requests, progress):
            answer = sender.log_labels(
                [prediction_id for prediction_id, _ in part],
                [value for _, value in part],
                idempotency_key=file.keys.key(index),
            )
        replayed += answer.replayed
        new += not answer.replayed
        progress.sent()
    rows = sum(len(part) for part in file.parts)
    return PushReport(rows, file.requests, new, replayed, skipped=file.skipped)


@contextmanager
def _request(index: int, total: int, progress: Progress) -> Iterator[None]:
    """What the sender refuses before sending (the batch itself is wrong) is the input's
    fault; anything else (the server refused, or could not be reached) stops the push after
    `index` stored requests, which `progress` is told."""
    try:
        yield
    except (ValueError, ProfileError) as exc:
        raise ValidationFailed(str(exc)) from exc
    except Exception:
        progress.failed(index, total)
        raise


# --- reading the file --------------------------------------------------------------------------


def _refuse(message: str) -> NoReturn:
    raise ValidationFailed(message)


def _read(path: Path, id_column: str) -> pa.Table:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if not path.is_file():
        _refuse(f"{path}: {'not a file' if path.exists() else 'no such file'}")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        _refuse(f"{path}: unsupported file type {suffix!r} (use .csv or .parquet)")
    try:
        if suffix == ".csv":
            # Ids as written ("00123" stays "00123"), whatever they look like.
            types = pacsv.ConvertOptions(column_types={id_column: pa.string()})
            return pacsv.read_csv(path, convert_options=types)
        return pq.read_table(path)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        _refuse(f"{path}: cannot be read ({str(exc).splitlines()[0]})")


def _require_columns(table: pa.Table, path: Path, wanted: Sequence[str | None]) -> None:
    missing = [name for name in wanted if name is not None and name not in table.column_names]
    if missing:
        _refuse(
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
        _refuse(f"{path}: column {name!r} holds {kind}; prediction ids are text or integers")
    return [str(value) for value in column.to_pylist()]


def _numbers(table: pa.Table, name: str, path: Path) -> list[float]:
    import pyarrow as pa

    column = table.column(name)
    _no_nulls(column, name, path)
    if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
        _refuse(f"{path}: column {name!r} holds {column.type}, not numbers")
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
        _refuse(f"{path}: column {name!r} holds {kind}; labels are numbers (0/1 for a class)")
    values: list[float | None] = column.cast(pa.float64()).to_pylist()
    return values


def _times(table: pa.Table, name: str, path: Path) -> list[datetime]:
    import pyarrow as pa

    column = table.column(name)
    _no_nulls(column, name, path)
    if pa.types.is_timestamp(column.type):
        return [_utc(value) for value in column.to_pylist()]
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        _refuse(
            f"{path}: column {name!r} holds {column.type}; times are ISO 8601 text or timestamps"
        )
    return [parse_time(value, f"{path}: column {name!r}") for value in column.to_pylist()]


def _no_nulls(column: Any, name: str, path: Path) -> None:
    if column.null_count:
        _refuse(f"{path}: column {name!r} has {column.null_count} empty value(s)")


def parse_time(text: str, where: str = "--at") -> datetime:
    """An ISO 8601 time, in UTC (read as UTC without a zone)."""
    try:
        return _utc(datetime.fromisoformat(text))
    except ValueError:
        _refuse(f"{where}: {text!r} is not an ISO 8601 time such as 2026-11-01T10:00:00Z")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


# --- batches and keys --------------------------------------------------------------------------


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
