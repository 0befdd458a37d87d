"""A cadre joins with an invite code typed on a cheap phone; the code is spent exactly as issued."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from storage.db import Database
from storage.invites import (
    ALPHABET,
    InviteRefused,
    Redeemed,
    RedeemFailure,
    create_invite,
    normalise_code,
    redeem_invite,
)
from storage.members import member_by_identity
from storage.models import Identity, Invite, Member
from storage.units import UnitRow, UnknownUnit, import_units
from tests.secret import SECRET

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def db(database: Database) -> Database:
    await import_units(
        database,
        [
            UnitRow(2, "T", "Tỉnh Mẫu", "tinh", None),
            UnitRow(3, "H", "Huyện Mẫu", "huyen", "T"),
            UnitRow(4, "X1", "Xã Một", "xa", "H"),
        ],
    )
    return database


async def issue(db: Database, unit: str = "X1", role: str = "reporter", uses: int = 1, days: int = 30) -> str:
    async with db.session() as session, session.begin():
        return await create_invite(session, unit, role, uses=uses, days=days, now=NOW, secret=SECRET)


async def redeem(
    db: Database, code: str, user: str = "101", when: datetime = NOW, name: str = "Chị Lan"
) -> Redeemed | RedeemFailure:
    async with db.session() as session, session.begin():
        return await redeem_invite(session, code, "telegram", user, name, now=when, secret=SECRET)


async def uses_left(db: Database) -> list[int]:
    async with db.session() as session:
        return list(await session.scalars(select(Invite.uses_left).order_by(Invite.id)))


async def test_a_code_is_two_groups_of_four_unambiguous_symbols_and_only_its_hash_is_stored(
    db: Database,
) -> None:
    code = await issue(db)
    assert len(code) == 9 and code[4] == "-"
    assert all(symbol in ALPHABET for symbol in code.replace("-", ""))
    assert not set("01OILAEUYDW") & set(ALPHABET)
    async with db.session() as session:
        stored = (await session.execute(select(Invite))).scalar_one()
    symbols = code.replace("-", "")
    assert stored.code_hash == hmac.new(SECRET.encode(), symbols.encode(), hashlib.sha256).hexdigest()
    assert symbols not in repr(stored.__dict__)
    assert stored.expires_at == NOW + timedelta(days=30)


async def test_a_leaked_database_gives_no_code_away(db: Database) -> None:
    code = await issue(db)
    symbols = code.replace("-", "")
    async with db.session() as session:
        stored = await session.scalar(select(Invite.code_hash))
    # Not the plain SHA-256 an attacker could compute for each of the 1.5·10^11 codes…
    assert stored != hashlib.sha256(symbols.encode()).hexdigest()
    # …and a server with another key (a copy of the database elsewhere) cannot check the code.
    async with db.session() as session, session.begin():
        stolen = await redeem_invite(
            session, code, "telegram", "666", "Kẻ gian", now=NOW, secret="another-key-0123456789"
        )
    assert stolen == RedeemFailure("unknown")
    assert isinstance(await redeem(db, code), Redeemed)  # the real server still can


async def test_no_code_is_made_or_checked_without_a_secret(db: Database) -> None:
    async with db.session() as session, session.begin():
        with pytest.raises(InviteRefused) as raised:
            await create_invite(session, "X1", "reporter", now=NOW, secret="")
    assert raised.value.messages[0].id == "invites.error.no_secret"
    assert await uses_left(db) == []


def test_typing_is_forgiving() -> None:
    assert normalise_code("k7qm-4xpb") == "K7QM4XPB"
    assert normalise_code("  K7QM 4XPB ") == "K7QM4XPB"
    assert normalise_code("Ｋ７ＱＭ－４ＸＰＢ") == "K7QM4XPB"  # a full-width keyboard
    assert normalise_code("K7QM-4XP") is None
    assert normalise_code("K7QM-4XPO") is None  # O is never in a code


async def test_joining_creates_the_member_and_the_membership(db: Database) -> None:
    code = await issue(db, unit="H", role="supervisor")
    result = await redeem(db, code.lower().replace("-", " "))
    assert isinstance(result, Redeemed)
    assert (result.unit_code, result.unit_name, result.role, result.new_member) == (
        "H",
        "Huyện Mẫu",
        "supervisor",
        True,
    )
    async with db.session() as session:
        member = await member_by_identity(session, "telegram", "101")
    assert member is not None and member.display_name == "Chị Lan"
    assert [(m.unit_code, m.role) for m in member.memberships] == [("H", "supervisor")]


async def test_unknown_expired_and_used_up_codes_say_why(db: Database) -> None:
    assert await redeem(db, "BCFG-HJKM") == RedeemFailure("unknown")
    assert await redeem(db, "not a code") == RedeemFailure("unknown")
    code = await issue(db, days=1)
    assert await redeem(db, code, when=NOW + timedelta(days=1)) == RedeemFailure("expired")
    assert isinstance(await redeem(db, code, user="1"), Redeemed)
    assert await redeem(db, code, user="2") == RedeemFailure("used_up")
    async with db.session() as session:
        # Nobody who failed became a member.
        assert await session.scalar(select(func.count()).select_from(Member)) == 1


async def test_a_code_for_three_people_lets_in_three(db: Database) -> None:
    code = await issue(db, uses=3)
    results = [await redeem(db, code, user=str(n)) for n in range(4)]
    assert [isinstance(r, Redeemed) for r in results] == [True, True, True, False]
    assert await uses_left(db) == [0]


async def test_joining_the_same_unit_again_spends_no_use(db: Database) -> None:
    code = await issue(db, uses=2)
    first, again = await redeem(db, code), await redeem(db, code)
    assert isinstance(first, Redeemed) and isinstance(again, Redeemed)
    assert again.already_member and not again.new_member and again.member_id == first.member_id
    assert await uses_left(db) == [1]


async def test_a_supervisor_code_raises_a_reporter_and_never_the_reverse(db: Database) -> None:
    reporter, supervisor = await issue(db, role="reporter"), await issue(db, role="supervisor")
    await redeem(db, reporter)
    raised = await redeem(db, supervisor)
    assert isinstance(raised, Redeemed) and raised.role == "supervisor" and not raised.already_member
    another_reporter_code = await issue(db, role="reporter")
    kept = await redeem(db, another_reporter_code)
    assert isinstance(kept, Redeemed) and kept.role == "supervisor" and kept.already_member
    assert await uses_left(db) == [0, 0, 1]


async def test_an_existing_member_joins_a_second_unit_on_the_same_account(db: Database) -> None:
    await redeem(db, await issue(db, unit="X1"))
    second = await redeem(db, await issue(db, unit="H", role="supervisor"))
    assert isinstance(second, Redeemed) and not second.new_member
    async with db.session() as session:
        member = await member_by_identity(session, "telegram", "101")
        assert await session.scalar(select(func.count()).select_from(Identity)) == 1
    assert member is not None
    assert [m.unit_code for m in member.memberships] == ["H", "X1"]


async def test_two_people_racing_for_the_last_use_cannot_both_get_it(db: Database) -> None:
    code = await issue(db, uses=1)
    results = await asyncio.gather(*(redeem(db, code, user=str(n)) for n in range(2)))
    assert sorted(type(r).__name__ for r in results) == ["RedeemFailure", "Redeemed"]
    assert await uses_left(db) == [0]


async def test_many_people_racing_spend_exactly_the_uses(db: Database) -> None:
    code = await issue(db, uses=5)
    results = await asyncio.gather(*(redeem(db, code, user=str(n)) for n in range(12)))
    assert sum(isinstance(r, Redeemed) for r in results) == 5
    assert await uses_left(db) == [0]


async def test_an_invite_needs_a_known_unit_a_known_role_and_sane_numbers(db: Database) -> None:
    with pytest.raises(UnknownUnit):
        await issue(db, unit="NOPE")
    for kwargs, message_id in (
        ({"role": "admin"}, "invites.error.unknown_role"),
        ({"uses": 0}, "invites.error.bad_uses"),
        ({"days": -1}, "invites.error.bad_days"),
    ):
        with pytest.raises(InviteRefused) as raised:
            await issue(db, **kwargs)
        assert raised.value.messages[0].id == message_id
    assert await uses_left(db) == []


async def test_a_telegram_name_with_a_bidi_override_is_stored_as_one_clean_line(db: Database) -> None:
    code = await issue(db)
    # U+202E turns the rest of a line right-to-left: in a list of members it would garble the row.
    await redeem(db, code, name="Nguyễn\u202e Văn\u200b An\n\tphó chủ tịch")
    async with db.session() as session:
        member = await member_by_identity(session, "telegram", "101")
    assert member is not None and member.display_name == "Nguyễn Văn An phó chủ tịch"


async def test_a_name_stored_before_the_rule_is_read_clean(db: Database) -> None:
    code = await issue(db)
    await redeem(db, code)
    async with db.session() as session, session.begin():
        await session.execute(
            update(Member).values(display_name="\u2067Chị\u2069 Lan\u202e")  # written by an older version
        )
    async with db.session() as session:
        member = await member_by_identity(session, "telegram", "101")
    assert member is not None and member.display_name == "Chị Lan"


async def test_a_code_pasted_with_invisible_or_full_width_characters_still_works(db: Database) -> None:
    code = await issue(db)
    pasted = "\u200b" + code[:4].lower() + "\u00a0\u2060-" + "".join(chr(ord(ch) + 0xFEE0) for ch in code[5:])
    assert normalise_code(pasted) == code.replace("-", "")
    assert isinstance(await redeem(db, pasted), Redeemed)
