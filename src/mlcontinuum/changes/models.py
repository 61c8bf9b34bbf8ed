"""Tables of the change-control slice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mlcontinuum.changes.enums import ChangeOption, ChangeStatus
from mlcontinuum.kernel.storage.base import Base, UTCDateTime, str_enum, utcnow
from mlcontinuum.releases.enums import Side


class ChangeRequest(Base):
    __tablename__ = "change_requests"
    __table_args__ = (Index("ix_change_requests_project_status", "project_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    deployment_id: Mapped[int | None] = mapped_column(ForeignKey("deployments.id"), nullable=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(300))
    what_changed: Mapped[str] = mapped_column(Text, default="")
    # [{"kind": "window" | "metric" | "chart" | "note", ...}]: see schemas.Evidence.
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    options: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[ChangeStatus] = mapped_column(str_enum(ChangeStatus, "change_status"))
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decision: Mapped[ChangeOption | None] = mapped_column(
        str_enum(ChangeOption, "change_option"), nullable=True
    )
    rationale: Mapped[str] = mapped_column(Text, default="")
    # For redeploy: the model version to release.
    decision_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id"), nullable=True
    )
    proposed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # {"kind": "retrain" | "release" | "plan_note", "id": ..., "event_seq": ...}
    follow_up: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class ChangeApproval(Base):
    __tablename__ = "change_approvals"
    __table_args__ = (UniqueConstraint("change_id", "username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[int] = mapped_column(
        ForeignKey("change_requests.id", ondelete="CASCADE"), index=True
    )
    username: Mapped[str] = mapped_column(String(64))
    side: Mapped[Side] = mapped_column(str_enum(Side, "approval_side"))
    comment: Mapped[str] = mapped_column(Text, default="")
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlanNote(Base):
    """A note for the project plan, written by an accepted change (the plan's backlog reads it)."""

    __tablename__ = "plan_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    change_id: Mapped[int | None] = mapped_column(ForeignKey("change_requests.id"), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
