"""release policies: what a release to each environment must meet; owners' overrides of it

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mlcontinuum.kernel.storage.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "release_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        # The type exists since 0008 (release requests).
        sa.Column(
            "environment",
            postgresql.ENUM("staging", "production", name="release_environment", create_type=False),
            nullable=False,
        ),
        sa.Column("required_gates", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("ml_team_approvals", sa.Integer(), nullable=False),
        sa.Column("customer_approvals", sa.Integer(), nullable=False),
        sa.Column("block_unsafe_artifact", sa.Boolean(), nullable=False),
        sa.Column("block_noncompliant_data", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", mlcontinuum.kernel.storage.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_release_policies_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_policies")),
        sa.UniqueConstraint(
            "project_id", "environment", name=op.f("uq_release_policies_project_id_environment")
        ),
    )
    op.create_table(
        "release_overrides",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("overridden_by", sa.String(length=64), nullable=False),
        sa.Column("overridden_at", mlcontinuum.kernel.storage.base.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("unmet", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["release_requests.id"],
            name=op.f("fk_release_overrides_request_id_release_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_release_overrides")),
    )


def downgrade() -> None:
    op.drop_table("release_overrides")
    op.drop_table("release_policies")
