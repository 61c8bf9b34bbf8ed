"""Tables of the registry slice: runs with their parameters, metric series, tags and inputs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mlcontinuum.kernel.storage.base import Base, UTCDateTime, str_enum, utcnow
from mlcontinuum.registry.enums import NonFinite, RunStatus, ScanVerdict, VersionStatus


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        UniqueConstraint("project_id", "external_id"),
        Index("ix_runs_project_started", "project_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    number: Mapped[int] = mapped_column(Integer)  # run 1, 2, 3 ... within the project
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus, "run_status"))
    hypothesis: Mapped[str] = mapped_column(Text, default="")
    kpi_id: Mapped[int | None] = mapped_column(ForeignKey("kpis.id", ondelete="SET NULL"))
    git_commit: Mapped[str] = mapped_column(String(64), default="")
    git_dirty: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    compute_cost: Mapped[float | None] = mapped_column(Float, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    # Id in the system a run was imported from (e.g. "mlflow:<run id>"); makes imports idempotent.
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reference_profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("stored_profiles.id"), nullable=True
    )


class RunParam(Base):
    __tablename__ = "run_params"
    __table_args__ = (UniqueConstraint("run_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(250))
    value: Mapped[str] = mapped_column(Text)


class RunTag(Base):
    __tablename__ = "run_tags"
    __table_args__ = (UniqueConstraint("run_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(250))
    value: Mapped[str] = mapped_column(Text)


class RunMetric(Base):
    """One point of a metric series. `value` is NULL exactly when `non_finite` says why."""

    __tablename__ = "run_metrics"
    __table_args__ = (Index("ix_run_metrics_run_key_step", "run_id", "key", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(250))
    step: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    non_finite: Mapped[NonFinite | None] = mapped_column(
        str_enum(NonFinite, "non_finite"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class RunMetricLatest(Base):
    """The last point of each metric series of a run, kept so tables sort by a metric cheaply."""

    __tablename__ = "run_metric_latest"
    __table_args__ = (
        UniqueConstraint("run_id", "key"),
        Index("ix_run_metric_latest_key_value", "key", "value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(250))
    step: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    non_finite: Mapped[NonFinite | None] = mapped_column(
        str_enum(NonFinite, "non_finite"), nullable=True
    )


class RunDataSource(Base):
    __tablename__ = "run_data_sources"
    __table_args__ = (UniqueConstraint("run_id", "data_source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    data_source_id: Mapped[int] = mapped_column(ForeignKey("data_sources.id"), index=True)


class StoredProfile(Base):
    """A reference profile (the profiles engine's own versioned format, never a pickle)."""

    __tablename__ = "stored_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    rows: Mapped[int] = mapped_column(Integer)
    columns: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ModelVersion(Base):
    __tablename__ = "model_versions"
    __table_args__ = (
        UniqueConstraint("project_id", "model_name", "version"),
        UniqueConstraint("project_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    model_name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(str_enum(VersionStatus, "version_status"))
    description: Mapped[str] = mapped_column(Text, default="")
    intended_use: Mapped[str] = mapped_column(Text, default="")
    limitations: Mapped[str] = mapped_column(Text, default="")
    evaluation_metrics: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"), nullable=True)
    reference_profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("stored_profiles.id"), nullable=True
    )
    artifact_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    artifact_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    artifact_filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    artifact_format: Mapped[str | None] = mapped_column(String(50), nullable=True)
    scan_verdict: Mapped[ScanVerdict | None] = mapped_column(
        str_enum(ScanVerdict, "scan_verdict"), nullable=True
    )
    scan_findings: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)


class ModelVersionRun(Base):
    """Lineage: the runs a version was built from."""

    __tablename__ = "model_version_runs"
    __table_args__ = (UniqueConstraint("version_id", "run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
