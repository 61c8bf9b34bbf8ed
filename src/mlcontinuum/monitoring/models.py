"""Tables of the monitoring slice.

Production data arrives as batches: a profile (never raw features), prediction ids with predicted
values, later the labels for those ids, and business KPI values with a time. Every write carries
an idempotency key, unique per deployment (or project), with the SHA-256 of its request so a
retry with other content is refused rather than silently merged. Windows (hour, day) are marked
dirty by writes and evaluated by the evaluator, which stores the result on the window row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mlcontinuum.kernel.storage.base import Base, UTCDateTime, str_enum, utcnow
from mlcontinuum.monitoring.enums import Granularity, WindowScope

IDEMPOTENCY_KEY_LENGTH = 200
PREDICTION_ID_LENGTH = 200


class MonitorBatch(Base):
    """One logged batch: its profile and how many predictions came with it."""

    __tablename__ = "monitor_batches"
    __table_args__ = (
        UniqueConstraint("deployment_id", "idempotency_key"),
        Index("ix_monitor_batches_deployment_hour", "deployment_id", "hour_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"))
    idempotency_key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_LENGTH))
    request_sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    hour_start: Mapped[datetime] = mapped_column(UTCDateTime())
    rows: Mapped[int] = mapped_column(Integer)
    profile: Mapped[bytes] = mapped_column(LargeBinary)
    received_by: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Prediction(Base):
    """A predicted value with its id; the label joins later by (deployment, prediction id)."""

    __tablename__ = "predictions"
    __table_args__ = (
        UniqueConstraint("deployment_id", "prediction_id"),
        Index("ix_predictions_deployment_hour", "deployment_id", "hour_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("monitor_batches.id"), index=True)
    prediction_id: Mapped[str] = mapped_column(String(PREDICTION_ID_LENGTH))
    hour_start: Mapped[datetime] = mapped_column(UTCDateTime())
    value: Mapped[float] = mapped_column(Float)
    label: Mapped[float | None] = mapped_column(Float, nullable=True)
    labelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LabelBatch(Base):
    """A delivery of ground-truth labels, kept for idempotency and the record."""

    __tablename__ = "label_batches"
    __table_args__ = (UniqueConstraint("deployment_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"))
    idempotency_key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_LENGTH))
    request_sha256: Mapped[str] = mapped_column(String(64))
    labels: Mapped[int] = mapped_column(Integer)
    received_by: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KpiValue(Base):
    """A measured value of a charter KPI at a time (business KPIs come from the customer)."""

    __tablename__ = "kpi_values"
    __table_args__ = (
        UniqueConstraint("project_id", "idempotency_key"),
        Index("ix_kpi_values_kpi_at", "kpi_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_LENGTH))
    request_sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    value: Mapped[float] = mapped_column(Float)
    reported_by: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MonitorWindow(Base):
    """One window of one deployment (or of the project, for KPIs) and its stored evaluation.

    `scope_key` is "d<deployment id>" or "project" so the unique key needs no nullable column.
    `profile` is the merge of every batch up to `merged_through_batch_id`, so re-evaluating a
    window merges only the batches that arrived since, whatever the row count.
    """

    __tablename__ = "monitor_windows"
    __table_args__ = (
        UniqueConstraint("project_id", "scope_key", "granularity", "start"),
        Index("ix_monitor_windows_dirty", "dirty"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    scope: Mapped[WindowScope] = mapped_column(str_enum(WindowScope, "window_scope"))
    scope_key: Mapped[str] = mapped_column(String(32))
    deployment_id: Mapped[int | None] = mapped_column(
        ForeignKey("deployments.id"), nullable=True, index=True
    )
    granularity: Mapped[Granularity] = mapped_column(str_enum(Granularity, "window_granularity"))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    dirty: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    batches: Mapped[int] = mapped_column(Integer, default=0)
    profile: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    merged_through_batch_id: Mapped[int] = mapped_column(Integer, default=0)
    # {"drift": {...}, "checks": [...], "performance": {...}, "kpis": [...]}: see evaluation.py.
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    drifted_features: Mapped[int] = mapped_column(Integer, default=0)
    failed_checks: Mapped[int] = mapped_column(Integer, default=0)
    kpis_breached: Mapped[int] = mapped_column(Integer, default=0)


class PerformanceHour(Base):
    """Running totals of one deployment's predictions made in one hour and of their labels, kept
    by ingest in the transaction that writes the rows they count (see tallies.py). A window's
    performance sums at most 24 of these, whatever its row count."""

    __tablename__ = "performance_hours"

    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"), primary_key=True)
    hour_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    predictions: Mapped[int] = mapped_column(Integer)
    labelled: Mapped[int] = mapped_column(Integer)
    # Labelled predictions that rule out a binary task: a value outside [0, 1] or a label other
    # than 0 and 1.
    non_binary: Mapped[int] = mapped_column(Integer)
    # At the cut-off 0.5 (value >= 0.5 predicts 1), over every labelled prediction.
    true_positives: Mapped[int] = mapped_column(Integer)
    false_positives: Mapped[int] = mapped_column(Integer)
    false_negatives: Mapped[int] = mapped_column(Integer)
    abs_error: Mapped[float] = mapped_column(Float)  # sum of |value - label|
    squared_error: Mapped[float] = mapped_column(Float)  # sum of (value - label)²


class ScoreBin(Base):
    """How many labelled predictions of one deployment and hour fall in one of 100 score bins,
    per label (0 or 1); only predictions with a value in [0, 1] and a 0/1 label count. The ROC
    AUC is computed from these."""

    __tablename__ = "performance_score_bins"

    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"), primary_key=True)
    hour_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    positive: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    bin: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
