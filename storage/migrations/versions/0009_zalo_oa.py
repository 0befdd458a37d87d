"""Zalo Official Account (issue 11): the OA's token pair, refreshed under a lock that holds across processes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 19:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "zalo_oa_tokens",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("expires_at", _AT, nullable=True),
        sa.Column("code_verifier", sa.String(length=128), nullable=True),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_zalo_oa_tokens")),
    )
    op.create_table(
        "zalo_oa_followers",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("following", sa.Boolean(), nullable=False),
        sa.Column("changed_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_zalo_oa_followers")),
    )


def downgrade() -> None:
    op.drop_table("zalo_oa_followers")
    op.drop_table("zalo_oa_tokens")
