"""Oversight (issue 8): unit codes as typed, per-unit counts for progress, the current membership
and a supervisor's pending conversation, review reads, join attempts, the audit trail, who issued
an invite.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 17:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    from storage.units import code_key  # the one rule, also used by import

    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("code_key", sa.String(length=64), server_default="", nullable=False))
        batch.create_index(batch.f("ix_units_code_key"), ["code_key"], unique=False)
    units = sa.table(
        "units", sa.column("id", _ID), sa.column("code", sa.String), sa.column("code_key", sa.String)
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(units.c.id, units.c.code)).all()
    if rows:
        connection.execute(
            units.update().where(units.c.id == sa.bindparam("unit_id")).values(code_key=sa.bindparam("key")),
            [{"unit_id": unit_id, "key": code_key(code)} for unit_id, code in rows],
        )

    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("current_unit_id", _ID, nullable=True))
        batch.add_column(sa.Column("oversight_state", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_members_current_unit_id_units"), "units", ["current_unit_id"], ["id"]
        )
    with op.batch_alter_table("invites") as batch:
        batch.add_column(sa.Column("created_by", _ID, nullable=True))
        batch.create_foreign_key(op.f("fk_invites_created_by_members"), "members", ["created_by"], ["id"])
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("required_count", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("sections_answered", sa.JSON(), nullable=True))

    op.create_table(
        "join_attempts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("unit_id", _ID, nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_join_attempts_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_attempts")),
    )
    op.create_index("ix_join_attempts_identity", "join_attempts", ["channel", "external_id", "at"])
    op.create_index(op.f("ix_join_attempts_at"), "join_attempts", ["at"])

    op.create_table(
        "audit_events",
        sa.Column("id", _ID, nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("member_id", _ID, nullable=True),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("unit_id", _ID, nullable=True),
        sa.Column("campaign_id", _ID, nullable=True),
        sa.Column("submission_id", _ID, nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_audit_events_member_id_members")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_audit_events_unit_id_units")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_audit_events_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name=op.f("fk_audit_events_submission_id_submissions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_unit_at", "audit_events", ["unit_id", "at"])

    op.create_table(
        "review_reads",
        sa.Column("member_id", _ID, nullable=False),
        sa.Column("submission_id", _ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("read_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_review_reads_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name=op.f("fk_review_reads_submission_id_submissions")
        ),
        sa.PrimaryKeyConstraint("member_id", "submission_id", name=op.f("pk_review_reads")),
    )


def downgrade() -> None:
    op.drop_table("review_reads")
    op.drop_index("ix_audit_events_unit_at", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index(op.f("ix_join_attempts_at"), table_name="join_attempts")
    op.drop_index("ix_join_attempts_identity", table_name="join_attempts")
    op.drop_table("join_attempts")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("sections_answered")
        batch.drop_column("required_count")
    with op.batch_alter_table("invites") as batch:
        batch.drop_constraint(op.f("fk_invites_created_by_members"), type_="foreignkey")
        batch.drop_column("created_by")
    with op.batch_alter_table("members") as batch:
        batch.drop_constraint(op.f("fk_members_current_unit_id_units"), type_="foreignkey")
        batch.drop_column("oversight_state")
        batch.drop_column("current_unit_id")
    with op.batch_alter_table("units") as batch:
        batch.drop_index(batch.f("ix_units_code_key"))
        batch.drop_column("code_key")
