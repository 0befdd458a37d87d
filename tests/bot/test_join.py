"""Joining through the service: a code typed any way a phone allows, wrong codes limited, one sentence
for each refusal, and a member who already joined gaining another unit with another code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from bot.router import Join
from bot.service import Inbound, Outbound, ReportService
from dialogs.events import Incoming
from storage.db import Database
from storage.invites import WRONG_OVERALL, create_invite
from storage.members import load_member, member_by_identity
from storage.models import Invite, JoinAttempt, Member
from storage.transaction import turn_transaction
from tests.bot.conftest import Cadre, text_of
from tests.secret import SECRET

WRONG = "BCFG-HJKM"  # well formed, never issued


class Clock:
    """The service's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def issue(database: Database, unit: str = "X1", role: str = "reporter", uses: int = 1) -> str:
    async with database.session() as session, session.begin():
        return await create_invite(session, unit, role, uses=uses, now=datetime.now(UTC), secret=SECRET)


def full_width(code: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isalnum() or ch == "-" else ch for ch in code)


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(lambda code: code, id="as issued"),
        pytest.param(lambda code: code.lower(), id="lower case"),
        pytest.param(lambda code: code.replace("-", ""), id="no dash"),
        pytest.param(lambda code: code.replace("-", " "), id="a space for the dash"),
        pytest.param(lambda code: f"  {code[:2]} {code[2:4]} - {code[5:]}  ", id="spaces between"),
        pytest.param(full_width, id="full width"),
        pytest.param(
            lambda code: full_width(code.lower()).replace("－", "　"), id="full width, lower, space"
        ),
    ],
)
async def test_a_code_typed_any_way_a_phone_allows_is_the_same_code(world, typed) -> None:  # type: ignore[no-untyped-def]
    database, _ = world
    code = await issue(database)
    reply = await Cadre(ReportService(database, secret=SECRET), "501").says(typed(code))
    assert "Anh/chị đã được ghi nhận là cán bộ phụ trách báo cáo của Xã Một." in reply


async def test_wrong_codes_get_a_polite_wait_once_then_silence_even_for_the_right_code(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    clock = Clock()
    cadre = Cadre(ReportService(database, secret=SECRET, clock=clock), "502")
    replies = []
    for _ in range(5):
        replies.append(await cadre.says(WRONG))
        clock.now += timedelta(minutes=1)
    assert all("Mã mời không đúng" in reply for reply in replies)
    assert "thử lại sau" not in " ".join(replies[:4])
    assert "Anh/chị đã nhập sai mã mời nhiều lần. Vui lòng thử lại sau 56 phút." in replies[4]

    # Further codes in that hour get no reply at all (each would cost a message) and are not checked.
    for attempt in (WRONG, codes["X1"]):
        silent = await cadre.send(attempt)
        assert silent is not None and silent.replies == ()
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == 0
        assert await session.scalar(select(Invite.uses_left).order_by(Invite.id).limit(1)) == 2

    # An hour after the first wrong code, the right one is welcome.
    clock.now += timedelta(hours=1)
    assert "Xã Một" in await cadre.says(codes["X1"])


async def test_a_flood_of_wrong_codes_from_everyone_makes_codes_wait_a_minute(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    clock = Clock()
    async with database.session() as session, session.begin():
        await session.execute(
            insert(JoinAttempt),
            [
                {
                    "channel": "telegram",
                    "external_id": f"g{n}",
                    "at": clock.now,
                    "ok": False,
                    "reason": "unknown",
                }
                for n in range(WRONG_OVERALL)
            ],
        )
    cadre = Cadre(ReportService(database, secret=SECRET, clock=clock), "503")
    busy = await cadre.says(codes["X1"])
    assert busy == "Hệ thống đang bận nên chưa kiểm tra được mã mời. Anh/chị vui lòng thử lại sau ít phút."
    clock.now += timedelta(minutes=2)
    assert "Xã Một" in await cadre.says(codes["X1"])


async def test_a_server_without_a_secret_key_says_so_and_checks_nothing(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    reply = await Cadre(ReportService(database, secret=None), "504").says(codes["X1"])
    assert "BAOCAO_SECRET_KEY" in reply
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(JoinAttempt)) == 0


async def test_expired_and_used_up_codes_each_get_their_sentence(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    service = ReportService(database, secret=SECRET)
    assert "Xã Hai" in await Cadre(service, "505").says(codes["X2"])  # its only use
    used_up = await Cadre(service, "506").says(codes["X2"])
    assert used_up == (
        "Mã mời này đã được dùng hết số lần cho phép. Anh/chị vui lòng xin mã mới từ cấp trên."
    )
    late = Clock()
    late.now += timedelta(days=31)
    expired = await Cadre(ReportService(database, secret=SECRET, clock=late), "507").says(codes["X1"])
    assert expired == "Mã mời này đã hết hạn. Anh/chị vui lòng xin mã mới từ cấp trên."


# --- a member who already joined sends another code -------------------------------------------------
# The router sends a joined member's code-shaped message to Join (bot/router.py); here the service's
# join is given that intent directly, with the member as the turn loaded them.


async def join_as_member(service: ReportService, database: Database, user: str, code: str) -> Outbound:
    inbound = Inbound("telegram", user, user, Incoming(text=code))
    async with turn_transaction(database) as scope:
        member = await load_member(await scope.executor(), "telegram", user)
        assert member is not None
        return await service._join(await scope.session(), inbound, Join(code), service.clock(), member)


async def test_a_member_who_sends_another_valid_code_gains_that_unit_and_is_told(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    service = ReportService(database, secret=SECRET)
    assert "Xã Một" in await Cadre(service, "601").says(codes["X1"])

    added = text_of(await join_as_member(service, database, "601", full_width(codes["X2"].lower())))
    assert added.startswith("Anh/chị đã được thêm vào Xã Hai với vai trò cán bộ phụ trách báo cáo.")
    again = text_of(await join_as_member(service, database, "601", codes["X1"]))
    assert again.startswith("Anh/chị đã là cán bộ phụ trách báo cáo của Xã Một rồi")
    raised = text_of(await join_as_member(service, database, "601", codes["H"]))
    assert raised.startswith("Anh/chị đã được thêm vào Huyện Mẫu với vai trò cán bộ theo dõi.")

    async with database.session() as session:
        member = await member_by_identity(session, "telegram", "601")
        uses = list(await session.scalars(select(Invite.uses_left).order_by(Invite.id)))
    assert member is not None
    assert [(m.unit_code, m.role) for m in member.memberships] == [
        ("H", "supervisor"),
        ("X1", "reporter"),
        ("X2", "reporter"),
    ]
    assert uses == [1, 0, 4, 5]  # "already in it" spent no use of X1's code


async def test_a_supervisor_code_for_the_members_own_unit_raises_the_role(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    service = ReportService(database, secret=SECRET)
    await Cadre(service, "602").says(codes["X1"])
    supervisor_code = await issue(database, "X1", "supervisor")
    reply = text_of(await join_as_member(service, database, "602", supervisor_code))
    assert reply.startswith(
        "Vai trò của anh/chị tại Xã Một đã được đổi từ cán bộ phụ trách báo cáo thành cán bộ theo dõi."
    )


async def test_a_member_is_answered_in_their_own_language(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    service = ReportService(database, secret=SECRET)
    cadre = Cadre(service, "603")
    await cadre.says(codes["X1"])
    await cadre.says("/ngonngu")
    async with database.session() as session, session.begin():
        assert await session.scalar(select(Member.locale)) == "en"
    wrong = await join_as_member(service, database, "603", WRONG)
    assert wrong.locale == "en" and text_of(wrong).startswith("That invite code is not right.")
