"""Reminders (issue 10): each campaign's schedule, and every reminder recorded once under
its key before it is sent.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 19:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reminder_schedules",
        sa.Column("campaign_id", _ID, nullable=False),
        sa.Column("offsets", sa.JSON(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("weekends", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_reminder_schedules_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_reminder_schedules")),
    )
    op.create_table(
        "reminders",
        sa.Column("id", _ID, nullable=False),
        sa.Column("campaign_id", _ID, nullable=False),
        sa.Column("unit_id", _ID, nullable=False),
        sa.Column("member_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("slot", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("outbox_id", _ID, nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.Column("by_member_id", _ID, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_reminders_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_reminders_unit_id_units")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_reminders_member_id_members")),
        sa.ForeignKeyConstraint(
            ["by_member_id"], ["members.id"], name=op.f("fk_reminders_by_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint(
            "campaign_id",
            "unit_id",
            "member_id",
            "kind",
            "slot",
            name=op.f("uq_reminders_campaign_id_unit_id_member_id_kind_slot"),
        ),
    )
    op.create_index("ix_reminders_campaign_unit", "reminders", ["campaign_id", "unit_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_reminders_campaign_unit", table_name="reminders")
    op.drop_table("reminders")
    op.drop_table("reminder_schedules")
