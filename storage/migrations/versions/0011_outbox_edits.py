"""Messages changed in place (issue 9): an outbox row of kind "edit" names the row whose sent message
it changes (a compile's "Đang tổng hợp 40/120 đơn vị…" on a channel that edits messages).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 22:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("replaces", sa.BigInteger().with_variant(sa.Integer(), "sqlite")))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("replaces")
