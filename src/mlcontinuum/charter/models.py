"""Tables of the charter slice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mlcontinuum.charter.enums import Direction, Frequency, KpiKind
from mlcontinuum.kernel.storage.base import Base, UTCDateTime, str_enum, utcnow


class Charter(Base):
    """The current charter text of a project; every change also lands in `CharterVersion`."""

    __tablename__ = "charters"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    problem_statement: Mapped[str] = mapped_column(Text, default="")
    in_scope: Mapped[str] = mapped_column(Text, default="")
    out_of_scope: Mapped[str] = mapped_column(Text, default="")
    minimal_viable_product: Mapped[str] = mapped_column(Text, default="")
    success_criteria: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    assumptions: Mapped[str] = mapped_column(Text, default="")


class CharterVersion(Base):
    """A snapshot of the whole charter (text, KPIs, stakeholders) after one change."""

    __tablename__ = "charter_versions"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[str] = mapped_column(Text)
    change: Mapped[str] = mapped_column(String(300))
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Stakeholder(Base):
    __tablename__ = "stakeholders"
    __table_args__ = (UniqueConstraint("project_id", "name", "organisation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Kpi(Base):
    __tablename__ = "kpis"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[KpiKind] = mapped_column(str_enum(KpiKind, "kpi_kind"))
    unit: Mapped[str] = mapped_column(String(40), default="")
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, "kpi_direction"))
    baseline: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    alert_threshold: Mapped[float] = mapped_column(Float)
    measurement: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency, "kpi_frequency"))
