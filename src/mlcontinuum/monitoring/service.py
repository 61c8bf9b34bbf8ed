"""The monitoring slice's commands: ingest of a deployment's production data (batches and
labels) and of the charter's KPI values, each written once per idempotency key, and evaluating
windows now rather than waiting for the background evaluator.

A batch stores its profile (raw features never reach the server) with one row per prediction;
labels join later by prediction id. Each write updates the tallies performance is computed from
(tallies.py) and marks the windows it touches dirty for the evaluator; none appends an event:
the event log records state changes, and one event per batch would serialise every ingest on
the project's chain head. A deployment that was rolled back or replaced still accepts batches:
traffic may still be flowing to it, and what it served is worth knowing.

Races: two requests with the same key, or with overlapping prediction ids, can pass the checks
at once. The database's unique constraints decide (see idempotency.KeyedWrite): the loser
answers as if it had come second, with the replay, the reused-key 422, or the 409 naming the
ids. Never a 500.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple, TypeVar

from sqlalchemy import column, insert, select, table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mlcontinuum.charter import service as charter
from mlcontinuum.kernel.auth.access import ProjectAccess
from mlcontinuum.kernel.errors import Conflict, FieldProblem, ValidationFailed
from mlcontinuum.kernel.settings import Settings
from mlcontinuum.kernel.storage.base import utcnow
from mlcontinuum.monitoring import evaluation
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.idempotency import Digest, KeyedWrite
from mlcontinuum.monitoring.limits import check_rows, check_time
from mlcontinuum.monitoring.models import KpiValue, LabelBatch, MonitorBatch, Prediction
from mlcontinuum.monitoring.schemas import (
    BatchAccepted,
    BatchCreate,
    EvaluationRun,
    KpiValueAccepted,
    KpiValueCreate,
    LabelsAccepted,
    LabelsCreate,
    accepted,
)
from mlcontinuum.monitoring.tallies import Tallies
from mlcontinuum.monitoring.windows import mark_dirty
from mlcontinuum.profiles import Profile, ProfileFormatError, loads
from mlcontinuum.releases import queries as releases

# Ids per IN (...) query: far below SQLite's and PostgreSQL's bound-parameter limits.
ID_CHUNK = 5_000
# Ids named in a message.
NAMED = 10

T = TypeVar("T")


# --- batches ---------------------------------------------------------------------------------


def log_batch(
    session: Session,
    access: ProjectAccess,
    deployment_id: int,
    key: str,
    data: BatchCreate,
    settings: Settings,
) -> BatchAccepted:
    """Store a batch once per key; the same key with the same content answers it again."""
    deployment = releases.get_deployment(session, access.project.id, deployment_id)
    raw_profile = profile_bytes(data.profile)
    profile = _decode_profile(raw_profile)
    write = KeyedWrite(
        session,
        MonitorBatch,
        (MonitorBatch.deployment_id == deployment.id) & (MonitorBatch.idempotency_key == key),
        key,
        batch_digest(data, profile),
        "batch",
    )
    earlier = write.earlier()
    if earlier is not None:
        return accepted(BatchAccepted, earlier, replayed=True)
    check_rows(data.rows, "batch", "rows", settings)
    _check_sizes(data, profile)
    check_time(data.at, settings, "at")
    duplicates = _repeated(data.prediction_ids)
    if duplicates:
        raise ValidationFailed(
            f"prediction ids repeat within the batch: {_names(duplicates)}; every prediction "
            "needs its own id",
            [FieldProblem("prediction_ids", "unique", "ids repeat within the batch")],
        )
    batch = MonitorBatch(
        project_id=access.project.id,
        deployment_id=deployment.id,
        idempotency_key=key,
        request_sha256=write.digest,
        at=data.at,
        hour_start=Granularity.HOUR.start_of(data.at),
        rows=data.rows,
        profile=raw_profile,
        received_by=access.actor,
        received_at=utcnow(),
    )
    try:
        stored, replayed = write.insert(
            batch,
            lambda: _insert_predictions(session, batch, data.prediction_ids, data.predictions),
        )
    except IntegrityError:
        # Not the key: a concurrent request logged some of the same prediction ids first.
        raise _ids_taken(session, deployment.id, data.prediction_ids) from None
    if not replayed:
        tallies = Tallies(deployment.id)
        tallies.predictions(batch.hour_start, data.rows)
        tallies.write(session)
        mark_dirty(session, access.project.id, deployment.id, [data.at])
    return accepted(BatchAccepted, stored, replayed=replayed)


def batch_digest(data: BatchCreate, profile: Profile) -> str:
    """The SHA-256 of a batch's content, whatever its JSON spelling.

    The profile counts by what it describes (row count, column names and kinds), not by its
    bytes: profiles of format v2 are deterministic, but clients still on format v1 wrote
    randomised sketches, so a re-run of their lost push sends different but equally valid bytes,
    and that re-run must be recognised as the same batch.
    """
    return (
        Digest("batch")
        .instant(data.at)
        .number(data.rows)
        .number(profile.row_count)
        .text(profile.schema_fingerprint)
        .texts(data.prediction_ids)
        .numbers(data.predictions)
        .hexdigest()
    )


# The hot path's insert: untyped columns, so no per-row type processing; the only value that
# needs it (hour_start, the same on every row) is converted once. About twice as fast as the
# typed table on SQLite for a batch of 100,000.
_PREDICTIONS = table(
    Prediction.__tablename__,
    column("deployment_id"),
    column("batch_id"),
    column("prediction_id"),
    column("hour_start"),
    column("value"),
)


def _insert_predictions(
    session: Session, batch: MonitorBatch, ids: Sequence[str], values: Sequence[float]
) -> None:
    """One executemany of plain rows: no ORM object, no per-row conversion."""
    dialect = session.get_bind().dialect
    convert = Prediction.__table__.c.hour_start.type.dialect_impl(dialect).bind_processor(dialect)
    hour = convert(batch.hour_start) if convert is not None else batch.hour_start
    rows = [
        {
            "deployment_id": batch.deployment_id,
            "batch_id": batch.id,
            "prediction_id": prediction_id,
            "hour_start": hour,
            "value": value,
        }
        for prediction_id, value in zip(ids, values, strict=True)
    ]
    session.execute(insert(_PREDICTIONS), rows)


def profile_bytes(encoded: str) -> bytes:
    """The profile's bytes from base64, or a 422 that says the field is not base64."""
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed(
            f"profile is not base64 ({exc}); send base64 of mlcontinuum.profiles.dumps(profile)",
            [FieldProblem("profile", "base64", "not base64")],
        ) from None


def _decode_profile(raw: bytes) -> Profile:
    try:
        return loads(raw)
    except ProfileFormatError as exc:
        raise ValidationFailed(
            f"profile cannot be read: {exc}",
            [FieldProblem("profile", "profile_format", str(exc))],
        ) from None


def _check_sizes(data: BatchCreate, profile: Profile) -> None:
    sizes = {
        "rows": data.rows,
        "the profile's row count": profile.row_count,
        "prediction_ids": len(data.prediction_ids),
        "predictions": len(data.predictions),
    }
    if len(set(sizes.values())) > 1:
        said = ", ".join(f"{name} {count}" for name, count in sizes.items())
        raise ValidationFailed(
            f"the batch's sizes disagree ({said}); each row needs one id and one prediction, "
            "and rows must equal the profile's row count",
            [FieldProblem("rows", "sizes_disagree", said)],
        )


def _ids_taken(session: Session, deployment_id: int, ids: Sequence[str]) -> Conflict:
    taken: list[str] = []
    for part in _chunks(ids, ID_CHUNK):
        taken.extend(
            session.scalars(
                select(Prediction.prediction_id)
                .where(Prediction.deployment_id == deployment_id)
                .where(Prediction.prediction_id.in_(part))
                .limit(NAMED)
            )
        )
        if len(taken) >= NAMED:
            break
    named = _names(taken) if taken else "(taken by a request that finished at the same time)"
    return Conflict(
        f"prediction ids already logged for this deployment: {named}; a prediction is logged "
        "once (retry a lost batch with its original Idempotency-Key, which answers it again)",
        [FieldProblem("prediction_ids", "unique", "already logged for this deployment")],
    )


# --- labels ----------------------------------------------------------------------------------


def log_labels(
    session: Session,
    access: ProjectAccess,
    deployment_id: int,
    key: str,
    data: LabelsCreate,
    settings: Settings,
) -> LabelsAccepted:
    """Attach ground truth to logged predictions: every id must exist, or nothing is written.
    A label given again replaces the earlier one (a correction)."""
    deployment = releases.get_deployment(session, access.project.id, deployment_id)
    ids = [prediction_id for prediction_id, _ in data.labels]
    write = KeyedWrite(
        session,
        LabelBatch,
        (LabelBatch.deployment_id == deployment.id) & (LabelBatch.idempotency_key == key),
        key,
        Digest("labels").texts(ids).numbers([label for _, label in data.labels]).hexdigest(),
        "labels delivery",
    )
    earlier = write.earlier()
    if earlier is not None:
        return accepted(LabelsAccepted, earlier, replayed=True)
    if not ids:
        raise ValidationFailed(
            'labels is empty; send at least one {"id": ..., "label": ...}',
            [FieldProblem("labels", "too_short", "at least one label")],
        )
    check_rows(len(ids), "labels delivery", "labels", settings)
    duplicates = _repeated(ids)
    if duplicates:
        raise ValidationFailed(
            f"labels repeat prediction ids: {_names(duplicates)}; give each prediction one label",
            [FieldProblem("labels", "unique", "ids repeat")],
        )
    found = _predictions_by_id(session, deployment.id, ids)
    unknown = [prediction_id for prediction_id in ids if prediction_id not in found]
    if unknown:
        raise ValidationFailed(
            f"{len(unknown)} label(s) name prediction ids this deployment never logged: "
            f"{_names(unknown)}; nothing was written. Log the batch first, or drop these labels",
            [FieldProblem("labels", "unknown_prediction", f"{len(unknown)} unknown id(s)")],
        )
    now = utcnow()
    delivery = LabelBatch(
        project_id=access.project.id,
        deployment_id=deployment.id,
        idempotency_key=key,
        request_sha256=write.digest,
        labels=len(ids),
        received_by=access.actor,
        received_at=now,
    )
    stored, replayed = write.insert(delivery)
    if replayed:
        return accepted(LabelsAccepted, stored, replayed=True)
    # In primary-key order: every delivery locks rows in one order, so two never wait for each
    # other in a cycle.
    rows = sorted((found[prediction_id], label) for prediction_id, label in data.labels)
    before = _locked_labels(session, [row.id for row, _ in rows])
    session.execute(
        update(Prediction),
        [{"id": row.id, "label": label, "labelled_at": now} for row, label in rows],
    )
    tallies = Tallies(deployment.id)
    for row, label in rows:
        tallies.relabel(row.hour, row.value, before[row.id], label)
    tallies.write(session)
    mark_dirty(session, access.project.id, deployment.id, {row.hour for row, _ in rows})
    return accepted(LabelsAccepted, delivery, replayed=False)


class _Logged(NamedTuple):
    """A logged prediction, as labels need it."""

    id: int
    hour: datetime
    value: float


def _predictions_by_id(
    session: Session, deployment_id: int, ids: Sequence[str]
) -> dict[str, _Logged]:
    """The deployment's predictions with these ids, by id; ids it never logged are missing."""
    found: dict[str, _Logged] = {}
    for part in _chunks(ids, ID_CHUNK):
        for row_id, prediction_id, hour, value in session.execute(
            select(Prediction.id, Prediction.prediction_id, Prediction.hour_start, Prediction.value)
            .where(Prediction.deployment_id == deployment_id)
            .where(Prediction.prediction_id.in_(part))
        ):
            found[prediction_id] = _Logged(row_id, hour, value)
    return found


def _locked_labels(session: Session, row_ids: Sequence[int]) -> dict[int, float | None]:
    """The current labels of these rows (sorted ids), locked until the transaction ends: a
    concurrent correction of one of them waits, then reads the label this one writes."""
    labels: dict[int, float | None] = {}
    for part in _chunks(row_ids, ID_CHUNK):
        for row_id, label in session.execute(
            select(Prediction.id, Prediction.label)
            .where(Prediction.id.in_(part))
            .order_by(Prediction.id)
            .with_for_update()
        ):
            labels[row_id] = label
    return labels


# --- KPI values --------------------------------------------------------------------------------


def report_kpi_value(
    session: Session,
    access: ProjectAccess,
    kpi_id: int,
    key: str,
    data: KpiValueCreate,
    settings: Settings,
) -> KpiValueAccepted:
    """Record a measured value of one of the charter's KPIs, once per key (per project); it
    counts in the project's KPI windows."""
    project_id = access.project.id
    kpi = charter.get_kpi(session, project_id, kpi_id)
    write = KeyedWrite(
        session,
        KpiValue,
        (KpiValue.project_id == project_id) & (KpiValue.idempotency_key == key),
        key,
        Digest("kpi").number(kpi.id).instant(data.at).number(data.value).hexdigest(),
        "KPI value",
    )
    earlier = write.earlier()
    if earlier is not None:
        return accepted(KpiValueAccepted, earlier, replayed=True)
    check_time(data.at, settings, "at")
    row = KpiValue(
        project_id=project_id,
        kpi_id=kpi.id,
        idempotency_key=key,
        request_sha256=write.digest,
        at=data.at,
        value=data.value,
        reported_by=access.actor,
        received_at=utcnow(),
    )
    stored, replayed = write.insert(row)
    if not replayed:
        mark_dirty(session, project_id, None, [data.at])
    return accepted(KpiValueAccepted, stored, replayed=replayed)


# --- evaluating now ----------------------------------------------------------------------------


def evaluate_now(session: Session, project_id: int, deployment_id: int) -> EvaluationRun:
    """Evaluate the deployment's dirty windows and the project's dirty KPI windows in the
    caller's transaction (404 for a deployment the project does not have)."""
    releases.get_deployment(session, project_id, deployment_id)
    return evaluation.evaluate_dirty(session, project_id, deployment_id)


# --- shared checks ---------------------------------------------------------------------------


def _repeated(values: Sequence[str]) -> list[str]:
    if len(set(values)) == len(values):
        return []
    seen: set[str] = set()
    repeated: dict[str, None] = {}
    for value in values:
        if value in seen:
            repeated[value] = None
        seen.add(value)
    return list(repeated)


def _names(ids: Sequence[str]) -> str:
    shown = ", ".join(repr(i) for i in ids[:NAMED])
    more = len(ids) - NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def _chunks(values: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
