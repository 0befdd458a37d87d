"""Revisions that store only the appended part of a narrative answer; who reviewed a submission, when.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows written before this revision each hold a whole value: "value" is right for all of them.
    with op.batch_alter_table("answer_revisions") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=8), server_default="value", nullable=False))
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("reviewed_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite")))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_submissions_reviewed_by_members"), "members", ["reviewed_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint(op.f("fk_submissions_reviewed_by_members"), type_="foreignkey")
        batch.drop_column("reviewed_at")
        batch.drop_column("reviewed_by")
    with op.batch_alter_table("answer_revisions") as batch:
        batch.drop_column("kind")
