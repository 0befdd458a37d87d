"""Link codes (storage.links): stored as an HMAC, one use, ten minutes; the account linked joins the
same member; every attempt recorded and audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.invites import Redeemed, create_invite, redeem_invite
from storage.links import LINK_TTL, Linked, LinkFailure, create_link_code, redeem_link
from storage.models import AuditEvent, Identity, JoinAttempt, LinkCode
from storage.units import UnitRow, import_units
from tests.secret import SECRET

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def member(database: Database) -> int:
    """A Telegram member of Xã Một."""
    await import_units(
        database, [UnitRow(2, "H", "Huyện Mẫu", "huyen", None), UnitRow(3, "X1", "Xã Một", "xa", "H")]
    )
    async with database.session() as session, session.begin():
        code = await create_invite(session, "X1", "reporter", now=NOW, secret=SECRET)
        joined = await redeem_invite(session, code, "telegram", "101", "Chị Lan", now=NOW, secret=SECRET)
    assert isinstance(joined, Redeemed)
    return joined.member_id


async def new_code(database: Database, member_id: int, when: datetime = NOW) -> str:
    async with database.session() as session, session.begin():
        return await create_link_code(session, member_id, "telegram", when, secret=SECRET)


async def link(
    database: Database, code: str, user: str = "z1", when: datetime = NOW, joined: bool = False
) -> Linked | LinkFailure | None:
    async with database.session() as session, session.begin():
        return await redeem_link(
            session, code, "zalo_bot", user, "Lan Zalo", when, secret=SECRET, joined=joined
        )


async def test_a_code_links_the_account_to_the_same_member_once(database: Database, member: int) -> None:
    code = await new_code(database, member)
    async with database.session() as session:
        stored = await session.scalar(select(LinkCode.code_hash))
    assert stored is not None and code.replace("-", "") not in stored, "only the HMAC is kept"
    linked = await link(database, code, when=NOW + timedelta(minutes=9))
    assert linked == Linked(member, "telegram", ("Xã Một",))
    async with database.session() as session:
        identities = set((await session.execute(select(Identity.channel, Identity.member_id))).all())
        audited = list(await session.scalars(select(AuditEvent.action).where(AuditEvent.action == "linked")))
        reasons = list(await session.scalars(select(JoinAttempt.reason).order_by(JoinAttempt.id)))
    assert identities == {("telegram", member), ("zalo_bot", member)}
    assert audited == ["linked"] and reasons[-1] == "linked"
    again = await link(database, code, user="z2")
    assert again == LinkFailure("used_up")


async def test_a_code_lives_ten_minutes_and_a_newer_one_voids_it(database: Database, member: int) -> None:
    code = await new_code(database, member)
    assert await link(database, code, when=NOW + LINK_TTL) == LinkFailure("expired")
    first = await new_code(database, member, NOW + timedelta(minutes=20))
    second = await new_code(database, member, NOW + timedelta(minutes=21))
    assert await link(database, first, when=NOW + timedelta(minutes=22)) is None, "voided: unknown"
    assert isinstance(await link(database, second, when=NOW + timedelta(minutes=22)), Linked)


async def test_a_joined_account_links_nothing_and_an_unknown_code_is_left_to_the_invites(
    database: Database, member: int
) -> None:
    code = await new_code(database, member)
    assert await link(database, code, joined=True) == LinkFailure("already_joined")
    assert await link(database, "BCFG-HJK2") is None
    assert await link(database, "not a code") is None
    assert isinstance(await link(database, code), Linked), "still unused"
