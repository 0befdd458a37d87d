"""The document details of each submitted version (số/ký hiệu, date, signer, drafter, signed copy).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 15:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "submission_documents",
        sa.Column("submission_id", _ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("signed_on", sa.String(length=10), nullable=False),
        sa.Column("signer_title", sa.String(length=120), nullable=False),
        sa.Column("signer_name", sa.String(length=60), nullable=False),
        sa.Column("drafter_name", sa.String(length=60), nullable=False),
        sa.Column("drafter_phone", sa.String(length=16), nullable=False),
        sa.Column("attachment", sa.JSON(), nullable=True),
        sa.Column("member_id", _ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_submission_documents_submission_id_submissions"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_submission_documents_member_id_members")
        ),
        sa.PrimaryKeyConstraint("submission_id", "version", name=op.f("pk_submission_documents")),
    )


def downgrade() -> None:
    op.drop_table("submission_documents")
