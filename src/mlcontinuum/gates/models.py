"""Tables of the gates slice: a gate run on a model version and its per-gate results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mlcontinuum.gates.enums import GateStatus
from mlcontinuum.kernel.storage.base import Base, UTCDateTime, str_enum, utcnow


def _status() -> Enum:
    return str_enum(GateStatus, "gate_status")


class GateRun(Base):
    __tablename__ = "gate_runs"
    __table_args__ = (Index("ix_gate_runs_version_created", "version_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    status: Mapped[GateStatus] = mapped_column(_status())
    commit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GateResult(Base):
    __tablename__ = "gate_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("gate_runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order of the gates file
    gate: Mapped[str] = mapped_column(String(100))
    type_key: Mapped[str] = mapped_column(String(150))
    status: Mapped[GateStatus] = mapped_column(_status())
    required: Mapped[bool] = mapped_column(Boolean)
    message: Mapped[str] = mapped_column(Text)
    measured: Mapped[dict[str, float | None]] = mapped_column(JSON)
    thresholds: Mapped[dict[str, float]] = mapped_column(JSON)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    duration_seconds: Mapped[float] = mapped_column(Float)
