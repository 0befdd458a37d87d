"""The /nhac cooldown held by a key (issue 10): when each unit was last reminded by hand in a
campaign, moved forward by an upsert only once the cooldown has passed.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 23:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "hand_reminded",
        sa.Column("campaign_id", _ID, nullable=False),
        sa.Column("unit_id", _ID, nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_member_id", _ID, nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["by_member_id"], ["members.id"]),
        sa.PrimaryKeyConstraint("campaign_id", "unit_id"),
    )


def downgrade() -> None:
    op.drop_table("hand_reminded")
