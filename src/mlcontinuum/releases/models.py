"""Tables of the releases slice: release requests, their approvals and owners' overrides,
deployments, and the release policy of each environment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mlcontinuum.kernel.storage.base import Base, UTCDateTime, str_enum, utcnow
from mlcontinuum.releases.enums import Environment, ReleaseStatus, Side, Strategy


class ReleaseRequest(Base):
    __tablename__ = "release_requests"
    __table_args__ = (Index("ix_release_requests_project_status", "project_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    environment: Mapped[Environment] = mapped_column(str_enum(Environment, "release_environment"))
    strategy: Mapped[Strategy] = mapped_column(str_enum(Strategy, "release_strategy"))
    traffic_share: Mapped[float | None] = mapped_column(Float, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ReleaseStatus] = mapped_column(str_enum(ReleaseStatus, "release_status"))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rejected_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReleaseApproval(Base):
    __tablename__ = "release_approvals"
    # The database, not only the service, refuses the same person approving twice.
    __table_args__ = (UniqueConstraint("request_id", "username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("release_requests.id", ondelete="CASCADE"), index=True
    )
    username: Mapped[str] = mapped_column(String(64))
    side: Mapped[Side] = mapped_column(str_enum(Side, "approval_side"))
    comment: Mapped[str] = mapped_column(Text, default="")
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReleaseOverride(Base):
    """An owner's override of the policy's gate, artifact and data conditions for one release
    request, with the conditions it waived: a policy exception. At most one per request."""

    __tablename__ = "release_overrides"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("release_requests.id", ondelete="CASCADE"), primary_key=True
    )
    overridden_by: Mapped[str] = mapped_column(String(64))
    overridden_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    unmet: Mapped[list[str]] = mapped_column(JSON)


class Deployment(Base):
    """A version put into an environment, by an approved release or by a rollback."""

    __tablename__ = "deployments"
    __table_args__ = (
        Index("ix_deployments_project_env_deployed", "project_id", "environment", "deployed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    # The model name is kept here so "what runs in production for this model" is one query.
    model_name: Mapped[str] = mapped_column(String(100))
    environment: Mapped[Environment] = mapped_column(str_enum(Environment, "release_environment"))
    strategy: Mapped[Strategy] = mapped_column(str_enum(Strategy, "release_strategy"))
    traffic_share: Mapped[float | None] = mapped_column(Float, nullable=True)
    release_id: Mapped[int | None] = mapped_column(ForeignKey("release_requests.id"), nullable=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[list[str]] = mapped_column(JSON)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rollback: Mapped[bool] = mapped_column(Boolean, default=False)
    rollback_of_id: Mapped[int | None] = mapped_column(ForeignKey("deployments.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    # Set when a later rollback undid this deployment: it counts as a failed change.
    failed: Mapped[bool] = mapped_column(Boolean, default=False)


class ReleasePolicy(Base):
    """What a release to one environment of the project must meet. An environment without a row
    follows the default policy (`policy.DEFAULTS`)."""

    __tablename__ = "release_policies"
    __table_args__ = (UniqueConstraint("project_id", "environment"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    environment: Mapped[Environment] = mapped_column(str_enum(Environment, "release_environment"))
    # None: the gates the version's latest gate run marks required; a list: these gates; an
    # empty list: no gate condition.
    required_gates: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    ml_team_approvals: Mapped[int] = mapped_column(Integer)
    customer_approvals: Mapped[int] = mapped_column(Integer)
    block_unsafe_artifact: Mapped[bool] = mapped_column(Boolean)
    block_noncompliant_data: Mapped[bool] = mapped_column(Boolean)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
