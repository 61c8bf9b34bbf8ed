"""release policies: what a release to each environment must meet; owners' overrides

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
    with op.batch_alter_table("release_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overridden_by", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("overridden_at", mlcontinuum.kernel.storage.base.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("override_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("override_unmet", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("release_requests", schema=None) as batch_op:
        batch_op.drop_column("override_unmet")
        batch_op.drop_column("override_reason")
        batch_op.drop_column("overridden_at")
        batch_op.drop_column("overridden_by")
    op.drop_table("release_policies")
