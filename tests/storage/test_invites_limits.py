"""Guessing codes is stopped, not slowed: wrong codes are limited per account and overall, and every
attempt is on record; joins, failed joins, raised roles and new codes are in the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from storage.db import Database
from storage.invites import (
    WRONG_OVERALL,
    WRONG_PER_IDENTITY,
    Redeemed,
    RedeemFailure,
    create_invite,
    redeem_invite,
)
from storage.models import AuditEvent, Invite, JoinAttempt, Member
from storage.units import UnitRow, import_units, unit_by_code
from tests.secret import SECRET

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
WRONG = "BCFG-HJKM"  # well formed, never issued


@pytest.fixture
async def db(database: Database) -> Database:
    await import_units(
        database,
        [UnitRow(2, "H", "Huyện Mẫu", "huyen", None), UnitRow(3, "X1", "Xã Một", "xa", "H")],
    )
    return database


async def issue(db: Database, unit: str = "X1", role: str = "reporter", uses: int = 5, days: int = 30) -> str:
    async with db.session() as session, session.begin():
        return await create_invite(session, unit, role, uses=uses, days=days, now=NOW, secret=SECRET)


async def redeem(
    db: Database, code: str, user: str = "101", when: datetime = NOW, name: str = "Chị Lan"
) -> Redeemed | RedeemFailure:
    async with db.session() as session, session.begin():
        return await redeem_invite(session, code, "telegram", user, name, now=when, secret=SECRET)


async def attempts(db: Database) -> list[tuple[str, bool, str, int | None]]:
    async with db.session() as session:
        rows = await session.execute(
            select(JoinAttempt.external_id, JoinAttempt.ok, JoinAttempt.reason, JoinAttempt.unit_id).order_by(
                JoinAttempt.id
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def uses_left(db: Database) -> list[int]:
    async with db.session() as session:
        return list(await session.scalars(select(Invite.uses_left).order_by(Invite.id)))


async def x1(db: Database) -> int:
    async with db.session() as session:
        unit = await unit_by_code(session, "X1")
    assert unit is not None
    return unit.id


async def test_every_attempt_right_or_wrong_is_recorded(db: Database) -> None:
    code, spent = await issue(db, uses=1), await issue(db, uses=1)
    await redeem(db, spent, user="1")
    expired = await issue(db, days=1)
    unit = await x1(db)

    assert isinstance(await redeem(db, code), Redeemed)
    assert isinstance(await redeem(db, code), Redeemed)  # again: already in it
    assert await redeem(db, WRONG, user="2") == RedeemFailure("unknown")
    assert await redeem(db, "xin chào", user="2") == RedeemFailure("unknown")
    assert await redeem(db, spent, user="2") == RedeemFailure("used_up")
    assert await redeem(db, expired, user="3", when=NOW + timedelta(days=2)) == RedeemFailure("expired")

    assert await attempts(db) == [
        ("1", True, "joined", unit),
        ("101", True, "joined", unit),
        ("101", True, "already_member", unit),
        ("2", False, "unknown", None),
        ("2", False, "unknown", None),
        ("2", False, "used_up", unit),
        ("3", False, "expired", unit),
    ]


async def test_the_fifth_wrong_code_in_an_hour_says_how_long_to_wait_then_nothing_is_checked(
    db: Database,
) -> None:
    code = await issue(db)
    results = [
        await redeem(db, WRONG, when=NOW + timedelta(minutes=10 * n)) for n in range(WRONG_PER_IDENTITY)
    ]
    # Told once, with the fifth: free again when the first wrong code is an hour old (at 9:00).
    assert results[:-1] == [RedeemFailure("unknown")] * (WRONG_PER_IDENTITY - 1)
    assert results[-1] == RedeemFailure("unknown", wait_minutes=20)

    # Within that hour even the right code is refused, without being checked: guessing is impossible.
    assert await redeem(db, code, when=NOW + timedelta(minutes=45)) == RedeemFailure("limited")
    assert await redeem(db, code, when=NOW + timedelta(minutes=59)) == RedeemFailure("limited")
    assert await uses_left(db) == [5]
    assert [reason for *_, reason, _ in await attempts(db)][-2:] == ["limited", "limited"]

    # Someone else is not held back by this account's mistakes.
    assert isinstance(await redeem(db, code, user="202", when=NOW + timedelta(minutes=50)), Redeemed)
    # Once the oldest wrong code is an hour old, the account may try again.
    later = await redeem(db, code, when=NOW + timedelta(minutes=60, seconds=1))
    assert isinstance(later, Redeemed) and later.new_member


async def test_the_wait_is_told_once_even_after_more_tries(db: Database) -> None:
    for n in range(WRONG_PER_IDENTITY):
        told = await redeem(db, WRONG, when=NOW + timedelta(seconds=n))
    assert told == RedeemFailure("unknown", wait_minutes=60)
    quiet = [await redeem(db, WRONG, when=NOW + timedelta(minutes=m)) for m in (1, 2, 30)]
    assert quiet == [RedeemFailure("limited")] * 3  # no wait_minutes: the service says nothing


async def test_expired_and_used_up_codes_count_as_wrong_too(db: Database) -> None:
    expired = await issue(db, days=1)
    for n in range(WRONG_PER_IDENTITY - 1):
        await redeem(db, expired, when=NOW + timedelta(days=2, seconds=n))
    last = await redeem(db, WRONG, when=NOW + timedelta(days=2, seconds=10))
    assert last.reason == "unknown" and isinstance(last, RedeemFailure) and last.wait_minutes == 60


async def test_many_accounts_guessing_at_once_close_the_door_for_a_minute(db: Database) -> None:
    code = await issue(db)
    # Wrong codes from many accounts in the last minute, as a guessing botnet would send them.
    async with db.session() as session, session.begin():
        await session.execute(
            insert(JoinAttempt),
            [
                {
                    "channel": "telegram",
                    "external_id": f"bot-{n}",
                    "at": NOW - timedelta(seconds=n % 50),
                    "ok": False,
                    "reason": "unknown",
                }
                for n in range(WRONG_OVERALL)
            ],
        )

    # Not checked at all meanwhile, even a right code: one sentence asks to come back later.
    assert await redeem(db, code) == RedeemFailure("busy")
    assert await uses_left(db) == [5]
    assert (await attempts(db))[-1] == ("101", False, "busy", None)
    # A minute after the flood the right code works again.
    assert isinstance(await redeem(db, code, when=NOW + timedelta(seconds=61)), Redeemed)


async def test_joins_raised_roles_failures_and_new_codes_are_audited(db: Database) -> None:
    reporter = await issue(db, role="reporter")
    supervisor = await issue(db, role="supervisor")
    await redeem(db, reporter)
    await redeem(db, reporter)  # already in it: nothing changed, nothing audited
    await redeem(db, supervisor)
    await redeem(db, WRONG, user="999", name="")
    unit = await x1(db)
    async with db.session() as session:
        lan = await session.scalar(select(Member.id).where(Member.display_name == "Chị Lan"))
        rows = [
            tuple(row)
            for row in await session.execute(
                select(
                    AuditEvent.action,
                    AuditEvent.member_id,
                    AuditEvent.actor,
                    AuditEvent.unit_id,
                    AuditEvent.detail,
                ).order_by(AuditEvent.id)
            )
        ]
    assert rows == [
        ("invite_created", None, "operator", unit, {"role": "reporter", "uses": 5, "days": 30}),
        ("invite_created", None, "operator", unit, {"role": "supervisor", "uses": 5, "days": 30}),
        ("joined", lan, "Chị Lan", unit, {"role": "reporter"}),
        ("role_changed", lan, "Chị Lan", unit, {"from": "reporter", "to": "supervisor"}),
        (
            "join_failed",
            None,
            "telegram:999",
            None,
            {"reason": "unknown", "channel": "telegram", "external_id": "999"},
        ),
    ]


async def test_a_code_made_by_a_supervisor_in_chat_names_them(db: Database) -> None:
    await redeem(db, await issue(db, unit="H", role="supervisor"), name="Anh Minh")
    async with db.session() as session:
        minh = await session.scalar(select(Member.id))
    async with db.session() as session, session.begin():
        await create_invite(
            session, "X1", "reporter", uses=3, days=7, now=NOW, secret=SECRET, created_by=minh
        )
    async with db.session() as session:
        made_by = await session.scalar(select(Invite.created_by).order_by(Invite.id.desc()).limit(1))
        audited = (
            await session.execute(
                select(AuditEvent.member_id, AuditEvent.actor, AuditEvent.detail)
                .where(AuditEvent.action == "invite_created")
                .order_by(AuditEvent.id.desc())
                .limit(1)
            )
        ).one()
    assert made_by == minh
    assert tuple(audited) == (minh, "Anh Minh", {"role": "reporter", "uses": 3, "days": 7})


async def test_a_failed_attempt_is_recorded_even_though_nobody_joined(db: Database) -> None:
    await redeem(db, WRONG)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == 0
        assert await session.scalar(select(func.count()).select_from(JoinAttempt)) == 1


async def test_someone_with_no_name_on_their_channel_is_on_record_by_their_account(db: Database) -> None:
    await redeem(db, await issue(db), user="303", name="")
    async with db.session() as session:
        actor = await session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "joined"))
    assert actor == "telegram:303"
