"""Ingest: production batches, labels and KPI values, each written once per idempotency key.

A batch stores its profile (raw features never reach the server) with one row per prediction;
labels join later by prediction id; KPI values arrive with the time they were measured. Each
write marks the windows it touches dirty for the evaluator; none appends an event: the event
log records state changes, and one event per batch would serialise every ingest on the
project's chain head. A deployment that was rolled back or replaced still accepts batches:
traffic may still be flowing to it, and what it served is worth knowing.

Races: two requests with the same key, or with overlapping prediction ids, can pass the checks
at once. The database's unique constraints decide; the loser's insert fails inside a savepoint,
which is rolled back, and the loser answers as if it had come second: the replay, the reused-key
422, or the 409 naming the ids. Never a 500.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, column, func, insert, select, table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mlcontinuum.auth.access import ProjectAccess
from mlcontinuum.charter.models import Kpi
from mlcontinuum.errors import (
    Conflict,
    FieldProblem,
    ValidationFailed,
)
from mlcontinuum.monitoring.enums import Granularity
from mlcontinuum.monitoring.idempotency import Digest, reused_key
from mlcontinuum.monitoring.limits import check_rows, check_time
from mlcontinuum.monitoring.models import KpiValue, LabelBatch, MonitorBatch, Prediction
from mlcontinuum.monitoring.schemas import (
    BatchAccepted,
    BatchCreate,
    BatchPage,
    BatchPublic,
    KpiValueAccepted,
    KpiValueCreate,
    KpiValuePage,
    KpiValuePublic,
    LabelsAccepted,
    LabelsCreate,
)
from mlcontinuum.monitoring.windows import mark_dirty
from mlcontinuum.profiles import Profile, ProfileFormatError, loads
from mlcontinuum.releases.deployments import deployment_row
from mlcontinuum.settings import Settings
from mlcontinuum.storage.base import utcnow
from mlcontinuum.storage.lookup import one_or_not_found

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
    deployment = deployment_row(session, access.project.id, deployment_id)
    raw_profile = profile_bytes(data.profile)
    profile = _decode_profile(raw_profile)
    digest = batch_digest(data, profile)
    earlier = _batch_by_key(session, deployment.id, key)
    if earlier is not None:
        return _replay_batch(earlier, key, digest)
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
    hour = Granularity.HOUR.start_of(data.at)
    batch = MonitorBatch(
        project_id=deployment.project_id,
        deployment_id=deployment.id,
        idempotency_key=key,
        request_sha256=digest,
        at=data.at,
        hour_start=hour,
        rows=data.rows,
        profile=raw_profile,
        received_by=access.actor,
        received_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(batch)
            session.flush()
            _insert_predictions(session, batch, data.prediction_ids, data.predictions)
    except IntegrityError:
        # A concurrent request won: with the same key (answer as its replay) or with some of
        # the same prediction ids (name them).
        earlier = _batch_by_key(session, deployment.id, key)
        if earlier is not None:
            return _replay_batch(earlier, key, digest)
        raise _ids_taken(session, deployment.id, data.prediction_ids) from None
    mark_dirty(session, deployment.project_id, deployment.id, [data.at])
    return BatchAccepted(**_batch_public(batch).model_dump(), replayed=False)


def batch_digest(data: BatchCreate, profile: Profile) -> str:
    """The SHA-256 of a batch's content, whatever its JSON spelling.

    The profile counts by what it describes (row count, column names and kinds), not by its
    bytes: its quantile sketches are randomised, so profiling the same rows again, as a client
    re-running a lost push does, gives different but equally valid bytes, and that re-run must
    be recognised as the same batch.
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


def _replay_batch(earlier: MonitorBatch, key: str, digest: str) -> BatchAccepted:
    if earlier.request_sha256 != digest:
        raise reused_key(key, f"batch {earlier.id}")
    return BatchAccepted(**_batch_public(earlier).model_dump(), replayed=True)


def _batch_by_key(session: Session, deployment_id: int, key: str) -> MonitorBatch | None:
    return session.scalar(
        select(MonitorBatch).where(
            MonitorBatch.deployment_id == deployment_id, MonitorBatch.idempotency_key == key
        )
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


def list_batches(
    session: Session,
    access: ProjectAccess,
    deployment_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    page: int,
    per_page: int,
) -> BatchPage:
    """A deployment's batches, newest first (by time, then arrival)."""
    deployment = deployment_row(session, access.project.id, deployment_id)
    query = select(MonitorBatch).where(MonitorBatch.deployment_id == deployment.id)
    if since is not None:
        query = query.where(MonitorBatch.at >= since)
    if until is not None:
        query = query.where(MonitorBatch.at < until)
    total, rows = _page(
        session, query, (MonitorBatch.at.desc(), MonitorBatch.id.desc()), page, per_page
    )
    return BatchPage(
        items=[_batch_public(row) for row in rows], total=total, page=page, per_page=per_page
    )


def _batch_public(row: MonitorBatch) -> BatchPublic:
    return BatchPublic(
        id=row.id,
        deployment_id=row.deployment_id,
        at=row.at,
        hour_start=row.hour_start,
        rows=row.rows,
        received_by=row.received_by,
        received_at=row.received_at,
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
    deployment = deployment_row(session, access.project.id, deployment_id)
    ids = [prediction_id for prediction_id, _ in data.labels]
    values = [label for _, label in data.labels]
    digest = Digest("labels").texts(ids).numbers(values).hexdigest()
    earlier = _labels_by_key(session, deployment.id, key)
    if earlier is not None:
        return _replay_labels(earlier, key, digest)
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
    found: dict[str, tuple[int, datetime]] = {}
    for part in _chunks(ids, ID_CHUNK):
        found.update(
            (prediction_id, (row_id, hour))
            for row_id, prediction_id, hour in session.execute(
                select(Prediction.id, Prediction.prediction_id, Prediction.hour_start)
                .where(Prediction.deployment_id == deployment.id)
                .where(Prediction.prediction_id.in_(part))
            )
        )
    unknown = [prediction_id for prediction_id in ids if prediction_id not in found]
    if unknown:
        raise ValidationFailed(
            f"{len(unknown)} label(s) name prediction ids this deployment never logged: "
            f"{_names(unknown)}; nothing was written. Log the batch first, or drop these labels",
            [FieldProblem("labels", "unknown_prediction", f"{len(unknown)} unknown id(s)")],
        )
    now = utcnow()
    delivery = LabelBatch(
        project_id=deployment.project_id,
        deployment_id=deployment.id,
        idempotency_key=key,
        request_sha256=digest,
        labels=len(ids),
        received_by=access.actor,
        received_at=now,
    )
    try:
        with session.begin_nested():
            session.add(delivery)
            session.flush()
    except IntegrityError:
        earlier = _labels_by_key(session, deployment.id, key)
        if earlier is None:
            raise
        return _replay_labels(earlier, key, digest)
    # Rows in primary-key order, so concurrent deliveries lock them in one order (no deadlock).
    updates = sorted(
        (
            {"id": found[prediction_id][0], "label": label, "labelled_at": now}
            for prediction_id, label in data.labels
        ),
        key=lambda row: row["id"],  # type: ignore[arg-type,return-value]
    )
    session.execute(update(Prediction), updates)
    hours = {hour for _, hour in found.values()}
    mark_dirty(session, deployment.project_id, deployment.id, hours)
    return _labels_public(delivery, replayed=False)


def _labels_by_key(session: Session, deployment_id: int, key: str) -> LabelBatch | None:
    return session.scalar(
        select(LabelBatch).where(
            LabelBatch.deployment_id == deployment_id, LabelBatch.idempotency_key == key
        )
    )


def _replay_labels(earlier: LabelBatch, key: str, digest: str) -> LabelsAccepted:
    if earlier.request_sha256 != digest:
        raise reused_key(key, f"labels delivery {earlier.id}")
    return _labels_public(earlier, replayed=True)


def _labels_public(row: LabelBatch, *, replayed: bool) -> LabelsAccepted:
    return LabelsAccepted(
        id=row.id,
        deployment_id=row.deployment_id,
        labels=row.labels,
        received_by=row.received_by,
        received_at=row.received_at,
        replayed=replayed,
    )


# --- KPI values ------------------------------------------------------------------------------


def report_kpi_value(
    session: Session,
    access: ProjectAccess,
    kpi_id: int,
    key: str,
    data: KpiValueCreate,
    settings: Settings,
) -> KpiValueAccepted:
    """Record a measured value of one of the charter's KPIs, once per key."""
    kpi = _kpi(session, access.project.id, kpi_id)
    digest = Digest("kpi").number(kpi.id).instant(data.at).number(data.value).hexdigest()
    earlier = _kpi_value_by_key(session, kpi.project_id, key)
    if earlier is not None:
        return _replay_kpi_value(earlier, key, digest)
    check_time(data.at, settings, "at")
    row = KpiValue(
        project_id=kpi.project_id,
        kpi_id=kpi.id,
        idempotency_key=key,
        request_sha256=digest,
        at=data.at,
        value=data.value,
        reported_by=access.actor,
        received_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        earlier = _kpi_value_by_key(session, kpi.project_id, key)
        if earlier is None:
            raise
        return _replay_kpi_value(earlier, key, digest)
    mark_dirty(session, kpi.project_id, None, [data.at])
    return KpiValueAccepted(**_kpi_value_public(row).model_dump(), replayed=False)


def list_kpi_values(
    session: Session,
    access: ProjectAccess,
    kpi_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    page: int,
    per_page: int,
) -> KpiValuePage:
    """A KPI's values, newest first."""
    kpi = _kpi(session, access.project.id, kpi_id)
    query = select(KpiValue).where(KpiValue.kpi_id == kpi.id)
    if since is not None:
        query = query.where(KpiValue.at >= since)
    if until is not None:
        query = query.where(KpiValue.at < until)
    total, rows = _page(session, query, (KpiValue.at.desc(), KpiValue.id.desc()), page, per_page)
    return KpiValuePage(
        items=[_kpi_value_public(row) for row in rows], total=total, page=page, per_page=per_page
    )


def _kpi(session: Session, project_id: int, kpi_id: int) -> Kpi:
    return one_or_not_found(
        session,
        select(Kpi).where(Kpi.project_id == project_id, Kpi.id == kpi_id),
        f"no KPI {kpi_id} in this project",
    )


def _kpi_value_by_key(session: Session, project_id: int, key: str) -> KpiValue | None:
    return session.scalar(
        select(KpiValue).where(KpiValue.project_id == project_id, KpiValue.idempotency_key == key)
    )


def _replay_kpi_value(earlier: KpiValue, key: str, digest: str) -> KpiValueAccepted:
    if earlier.request_sha256 != digest:
        raise reused_key(key, f"KPI value {earlier.id}")
    return KpiValueAccepted(**_kpi_value_public(earlier).model_dump(), replayed=True)


def _kpi_value_public(row: KpiValue) -> KpiValuePublic:
    return KpiValuePublic(
        id=row.id,
        kpi_id=row.kpi_id,
        at=row.at,
        value=row.value,
        reported_by=row.reported_by,
        received_at=row.received_at,
    )


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


def _page(
    session: Session,
    query: Select[T],
    order: tuple[object, ...],
    page: int,
    per_page: int,
) -> tuple[int, Sequence[T]]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(*order).offset((page - 1) * per_page).limit(per_page)  # type: ignore[arg-type]
    ).all()
    return total, rows
