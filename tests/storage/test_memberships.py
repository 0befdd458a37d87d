"""A unit's members as a supervisor sees them in chat: listed, removed, leaving; where to tell a unit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.invites import create_invite, redeem_invite
from storage.members import (
    UnitMember,
    chats_of_unit,
    leave_unit,
    member_by_identity,
    remove_membership,
    set_current_unit,
    set_locale,
    touch_identity,
    unit_members,
)
from storage.models import AuditEvent, Identity
from storage.units import UnitRow, import_units, unit_by_code
from tests.secret import SECRET

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def db(database: Database) -> Database:
    await import_units(
        database,
        [
            UnitRow(2, "H", "Huyện Mẫu", "huyen", None),
            UnitRow(3, "X1", "Xã Một", "xa", "H"),
            UnitRow(4, "X2", "Xã Hai", "xa", "H"),
        ],
    )
    return database


async def join(
    db: Database, unit: str, role: str, channel: str, user: str, name: str, when: datetime = NOW
) -> int:
    async with db.session() as session, session.begin():
        code = await create_invite(session, unit, role, now=when, secret=SECRET)
        joined = await redeem_invite(session, code, channel, user, name, now=when, secret=SECRET)
    member_id = getattr(joined, "member_id", None)
    assert member_id is not None, joined
    return int(member_id)


async def unit_id(db: Database, code: str) -> int:
    async with db.session() as session:
        unit = await unit_by_code(session, code)
    assert unit is not None
    return unit.id


async def members_of(db: Database, code: str) -> list[UnitMember]:
    async with db.session() as session:
        return await unit_members(session, await unit_id(db, code))


async def audit_rows(db: Database) -> list[tuple[str, int | None, str, dict[str, object] | None]]:
    async with db.session() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.member_id, AuditEvent.actor, AuditEvent.detail)
            .where(AuditEvent.action.in_(["removed", "left"]))
            .order_by(AuditEvent.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_a_units_members_are_listed_supervisors_first_with_their_channels(db: Database) -> None:
    lan = await join(db, "X1", "reporter", "telegram", "t-1", "Chị Lan", NOW)
    minh = await join(db, "X1", "supervisor", "zalo_bot", "z-2", "Anh Minh", NOW + timedelta(hours=1))
    hoa = await join(db, "X1", "reporter", "console", "c-3", "Chị Hoa\u202e", NOW + timedelta(hours=2))
    await join(db, "X2", "reporter", "telegram", "t-4", "Người xã khác")
    # Chị Lan also chats from Zalo: the same member, two channels.
    async with db.session() as session, session.begin():
        session.add(Identity(member_id=lan, channel="zalo_oa", external_id="zo-1"))

    members = await members_of(db, "X1")

    assert members == [
        UnitMember(minh, "Anh Minh", "supervisor", NOW + timedelta(hours=1), ("zalo_bot",)),
        UnitMember(lan, "Chị Lan", "reporter", NOW, ("telegram", "zalo_oa")),
        UnitMember(hoa, "Chị Hoa", "reporter", NOW + timedelta(hours=2), ("console",)),
    ]
    assert await members_of(db, "H") == []  # members of units below are not the district's own


async def test_a_supervisor_removes_a_member_who_is_then_a_stranger_there(db: Database) -> None:
    boss = await join(db, "H", "supervisor", "telegram", "t-9", "Anh Tổ Trưởng")
    lan = await join(db, "X1", "reporter", "telegram", "t-1", "Chị Lan")
    x1 = await unit_id(db, "X1")
    async with db.session() as session, session.begin():
        await set_current_unit(session, lan, x1)

    async with db.session() as session, session.begin():
        assert await remove_membership(session, member_id=lan, unit_id=x1, by_member_id=boss, now=NOW)

    assert await members_of(db, "X1") == []
    async with db.session() as session:
        member = await member_by_identity(session, "telegram", "t-1")
    assert member is not None and member.memberships == () and member.current_unit_id is None
    assert await audit_rows(db) == [
        ("removed", boss, "Anh Tổ Trưởng", {"member_id": lan, "name": "Chị Lan", "role": "reporter"})
    ]


async def test_removing_twice_or_someone_not_in_the_unit_changes_nothing(db: Database) -> None:
    lan = await join(db, "X1", "reporter", "telegram", "t-1", "Chị Lan")
    x1, x2 = await unit_id(db, "X1"), await unit_id(db, "X2")
    async with db.session() as session, session.begin():
        assert not await remove_membership(session, member_id=lan, unit_id=x2, by_member_id=None, now=NOW)
        assert await remove_membership(session, member_id=lan, unit_id=x1, by_member_id=None, now=NOW)
        assert not await remove_membership(session, member_id=lan, unit_id=x1, by_member_id=None, now=NOW)
    # Only the one removal that happened is on the record, by the operator.
    assert await audit_rows(db) == [
        ("removed", None, "operator", {"member_id": lan, "name": "Chị Lan", "role": "reporter"})
    ]


async def test_leaving_one_unit_keeps_the_others_and_the_current_one_if_it_was_another(db: Database) -> None:
    minh = await join(db, "H", "supervisor", "zalo_bot", "z-2", "Anh Minh")
    await join(db, "X1", "reporter", "zalo_bot", "z-2", "Anh Minh")
    await join(db, "X2", "reporter", "zalo_bot", "z-2", "Anh Minh")
    h, x1 = await unit_id(db, "H"), await unit_id(db, "X1")
    async with db.session() as session, session.begin():
        await set_current_unit(session, minh, h)

    async with db.session() as session, session.begin():
        assert await leave_unit(session, member_id=minh, unit_id=x1, now=NOW)
        assert not await leave_unit(session, member_id=minh, unit_id=x1, now=NOW)

    async with db.session() as session:
        member = await member_by_identity(session, "zalo_bot", "z-2")
    assert member is not None
    assert [m.unit_code for m in member.memberships] == ["H", "X2"]
    assert member.current_unit_id == h
    assert await audit_rows(db) == [("left", minh, "Anh Minh", {"role": "reporter"})]


async def test_leaving_the_current_unit_falls_back_to_the_first_remaining(db: Database) -> None:
    minh = await join(db, "H", "supervisor", "zalo_bot", "z-2", "Anh Minh")
    await join(db, "X1", "reporter", "zalo_bot", "z-2", "Anh Minh")
    h, x1 = await unit_id(db, "H"), await unit_id(db, "X1")
    async with db.session() as session, session.begin():
        await set_current_unit(session, minh, x1)
        assert await leave_unit(session, member_id=minh, unit_id=x1, now=NOW)
    async with db.session() as session:
        member = await member_by_identity(session, "zalo_bot", "z-2")
    assert member is not None and member.current_unit_id is None
    assert member.current is not None and member.current.unit_id == h


async def test_a_unit_is_told_on_every_channel_of_its_reporters_in_their_language(db: Database) -> None:
    await join(db, "X1", "reporter", "telegram", "t-1", "Chị Lan")
    await join(db, "X1", "supervisor", "zalo_bot", "z-2", "Anh Minh")
    hoa = await join(db, "X1", "reporter", "console", "c-3", "Chị Hoa", NOW + timedelta(hours=1))
    await join(db, "X2", "reporter", "telegram", "t-4", "Người xã khác")
    await join(db, "H", "reporter", "telegram", "t-5", "Người huyện")
    async with db.session() as session, session.begin():
        # Telegram writes to a chat id of its own when it differs from the user's id.
        await touch_identity(session, "telegram", "t-1", now=NOW, chat_id="chat-77")
        session.add(Identity(member_id=hoa, channel="zalo_oa", external_id="zo-3"))
        await set_locale(session, hoa, "en")
    x1, x2 = await unit_id(db, "X1"), await unit_id(db, "X2")

    async with db.session() as session:
        reporters = await chats_of_unit(session, x1)
        everyone = await chats_of_unit(session, x1, role=None)
        supervisors = await chats_of_unit(session, x1, role="supervisor")
        nobody = await chats_of_unit(session, x2 + 1000)

    assert reporters == [("telegram", "chat-77", "vi"), ("console", "c-3", "en"), ("zalo_oa", "zo-3", "en")]
    assert supervisors == [("zalo_bot", "z-2", "vi")]
    assert sorted(everyone) == sorted(reporters + supervisors)
    assert nobody == []


async def test_a_removed_member_is_no_longer_told(db: Database) -> None:
    lan = await join(db, "X1", "reporter", "telegram", "t-1", "Chị Lan")
    x1 = await unit_id(db, "X1")
    async with db.session() as session, session.begin():
        await remove_membership(session, member_id=lan, unit_id=x1, by_member_id=None, now=NOW)
    async with db.session() as session:
        assert await chats_of_unit(session, x1) == []
    async with db.session() as session:
        # The member and their account stay (the audit trail names them); only the membership went.
        assert (await session.execute(select(Identity.member_id))).scalar_one() == lan
