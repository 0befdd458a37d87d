"""Compiling (issue 9): the header of a campaign's compiled report (committee, số/ký hiệu, place,
signer, basis, recipients), set by `baocao campaign set`; and the compiled files served by a signed
link (`GET /files/{token}`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)
_HEADER = (
    ("header_committee", 255),
    ("header_superior", 255),
    ("header_number", 64),
    ("header_place", 120),
    ("header_on_behalf", 120),
    ("header_signer_title", 120),
    ("header_basis", 500),
)


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        for name, length in _HEADER:
            batch.add_column(sa.Column(name, sa.String(length=length), nullable=True))
        batch.add_column(sa.Column("header_recipients", sa.JSON(), nullable=True))
    op.create_table(
        "compiled_files",
        sa.Column("id", _ID, nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compiled_files")),
    )
    op.create_index(op.f("ix_compiled_files_expires_at"), "compiled_files", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_compiled_files_expires_at"), table_name="compiled_files")
    op.drop_table("compiled_files")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("header_recipients")
        for name, _ in reversed(_HEADER):
            batch.drop_column(name)
