"""The bot recognises a member from their channel account, with their units, in one query."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from storage.db import Database
from storage.invites import create_invite, redeem_invite
from storage.members import MembershipView, member_by_identity, set_locale, touch_identity
from storage.models import Identity
from storage.units import UnitRow, import_units
from tests.secret import SECRET

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def db(database: Database) -> Database:
    await import_units(
        database,
        [
            UnitRow(2, "T", "Tỉnh Mẫu", "tinh", None),
            UnitRow(3, "H", "Huyện Mẫu", "huyen", "T"),
            UnitRow(4, "X", "Xã Mẫu", "xa", "H"),
        ],
    )
    async with database.session() as session, session.begin():
        for unit, role in (("X", "reporter"), ("H", "supervisor")):
            code = await create_invite(session, unit, role, now=NOW, secret=SECRET)
            await redeem_invite(session, code, "zalo_bot", "z-42", "Anh Minh", now=NOW, secret=SECRET)
    return database


async def test_a_member_is_found_with_every_membership_highest_unit_first(db: Database) -> None:
    statements: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    async with db.session() as session:
        member = await member_by_identity(session, "zalo_bot", "z-42")
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # On SQLite the hot path talks to the driver directly (storage/hot.py), past SQLAlchemy's events.
    assert len(selects) == (0 if db.is_sqlite else 1), "runs on every message: one round trip"
    assert member is not None
    assert (member.display_name, member.locale) == ("Anh Minh", "vi")
    h, x = member.memberships
    assert h == MembershipView(h.unit_id, "H", "Huyện Mẫu", "huyen", "supervisor", h.path)
    assert (x.unit_code, x.role, x.level) == ("X", "reporter", "xa")
    assert x.path.startswith(h.path)


async def test_an_unknown_account_is_nobody(db: Database) -> None:
    async with db.session() as session:
        assert await member_by_identity(session, "zalo_bot", "someone-else") is None
        assert await member_by_identity(session, "telegram", "z-42") is None  # another channel


async def test_the_chosen_language_is_kept(db: Database) -> None:
    async with db.session() as session, session.begin():
        member = await member_by_identity(session, "zalo_bot", "z-42")
        assert member is not None
        await set_locale(session, member.member_id, "en")
    async with db.session() as session:
        again = await member_by_identity(session, "zalo_bot", "z-42")
    assert again is not None and again.locale == "en"


async def test_touching_an_identity_records_when_it_was_last_heard_from(db: Database) -> None:
    later = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    async with db.session() as session, session.begin():
        await touch_identity(session, "zalo_bot", "z-42", now=later, chat_id="chat-7")
    async with db.session() as session:
        identity = (await session.execute(select(Identity))).scalar_one()
    assert (identity.last_seen_at, identity.chat_id) == (later, "chat-7")
