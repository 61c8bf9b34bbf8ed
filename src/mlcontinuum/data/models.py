"""Tables of the data slice."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mlcontinuum.data.enums import LawfulBasis, SourceKind
from mlcontinuum.kernel.storage.base import Base, UTCDateTime, str_enum, utcnow


class DataSource(Base):
    __tablename__ = "data_sources"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(200), default="")
    # A description or URI, recorded for people; the server never opens it.
    location: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[SourceKind] = mapped_column(str_enum(SourceKind, "source_kind"))
    description: Mapped[str] = mapped_column(Text, default="")
    personal_data: Mapped[bool] = mapped_column(Boolean, default=False)
    personal_data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    special_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    lawful_basis: Mapped[LawfulBasis | None] = mapped_column(
        str_enum(LawfulBasis, "lawful_basis"),
        nullable=True,
    )
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    retention_starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    dpia_reference: Mapped[str] = mapped_column(String(200), default="")
    access_approved_by: Mapped[str] = mapped_column(String(200), default="")
    access_approved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
