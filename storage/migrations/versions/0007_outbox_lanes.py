"""The outbox across processes (issue 10): bot-wide send rates shared by every
process, bulk sends behind replies.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 19:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("bulk", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(
        "ix_outbox_pending_bulk",
        "outbox",
        ["bulk", "id"],
        postgresql_where=_PENDING,
        sqlite_where=_PENDING,
    )
    op.create_table(
        "send_rates",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_send_rates")),
    )
    op.create_table(
        "outbox_holds",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("worker", sa.String(length=32), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "chat_id", name=op.f("pk_outbox_holds")),
    )
    op.create_index(op.f("ix_outbox_holds_until"), "outbox_holds", ["until"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_holds_until"), table_name="outbox_holds")
    op.drop_table("outbox_holds")
    op.drop_table("send_rates")
    op.drop_index("ix_outbox_pending_bulk", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("bulk")
