"""Zalo Bot and linked identities (issue 11): one-time codes that link a second channel's account to a member.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 19:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "link_codes",
        sa.Column("id", _ID, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", _ID, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.Column("used_at", _AT, nullable=True),
        sa.Column("used_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_link_codes_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_link_codes_code_hash")),
    )
    op.create_index(op.f("ix_link_codes_member_id"), "link_codes", ["member_id"])
    op.create_index(op.f("ix_link_codes_expires_at"), "link_codes", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_link_codes_expires_at"), table_name="link_codes")
    op.drop_index(op.f("ix_link_codes_member_id"), table_name="link_codes")
    op.drop_table("link_codes")
