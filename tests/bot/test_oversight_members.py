"""Invites, members, removing and leaving from chat."""

from __future__ import annotations

import re

from bot.service import ReportService
from tests.bot.conftest import Cadre
from tests.bot.oversight_world import Province, province, texts
from tests.secret import SECRET

__all__ = ["province"]

CODE = re.compile(r"\b[2-9B-Z]{4}-[2-9B-Z]{4}\b")


async def test_a_district_invites_a_commune_cadre_who_then_joins(province: Province) -> None:
    district = await province.joined("h1", "H1", channel="telegram")
    assert "Gõ /moi" in await district.says("/moi")  # how to, with an example
    made = await district.says("/moi x12 baocao 3 10")
    assert "Mã mời vào Xã Một Hai với vai trò cán bộ phụ trách báo cáo" in made
    assert "Dùng được 3 lần" in made
    assert "t.me" not in made  # the bot's name is not known here: no link
    code = CODE.search(made)
    assert code is not None
    newcomer = province.cadre("new", channel="telegram")
    assert "Xã Một Hai" in await newcomer.says(code[0])
    assert "Đơn vị này không thuộc phạm vi" in await district.says("/moi X21 baocao 1 1")
    assert "Gõ /moi" in await district.says("/moi X12 baocao 1 2 3")


async def test_on_telegram_an_invite_comes_with_a_deep_link(province: Province) -> None:
    service = ReportService(province.database, secret=SECRET, bot_username="baocao_bot")
    district = Cadre(service, "h1", "telegram")
    await district.says(province.codes["H1"])
    made = await district.says("/moi X11 theodoi")
    code = CODE.search(made)
    assert code is not None and "cán bộ theo dõi" in made
    assert f"https://t.me/baocao_bot?start={code[0]}" in made


async def test_members_listed_removed_and_a_member_leaves(province: Province) -> None:
    district = await province.joined("h1", "H1")
    await province.joined("a", "X11")
    member = await province.joined("b", "X11")
    listed = await district.send("/thanhvien X11")
    shown = texts(listed)
    assert "Thành viên của Xã Một Một (2)" in shown
    assert listed is not None
    removes = [b.action for reply in listed.replies for row in reply.buttons for b in row]
    assert len(removes) == 2 and all(a.startswith("ov:x:") for a in removes)
    confirm = await district.send(action=removes[0])
    assert "Xoá" in texts(confirm) and "khỏi Xã Một Một" in texts(confirm)
    assert confirm is not None
    yes = confirm.replies[0].buttons[0][0].action
    assert yes.startswith("ov:X:")
    assert "Đã xoá" in await district.says_action(yes)
    assert "không còn là thành viên" in await district.says_action(yes)  # pressed again
    assert "Thành viên của Xã Một Một (1)" in await district.says("thành viên X11")

    asked = await member.send("/roikhoi")
    assert "có chắc muốn rời Xã Một Một" in texts(asked)
    assert "Đã thôi" in await member.says_action("ov:n")
    assert "Anh/chị đã rời Xã Một Một" in await member.says("/roikhoi X11")
    assert "mã mời" in await member.says("/baocao")  # no unit left: a stranger again
    assert "Xã Một Một có" not in await district.says("/thanhvien X11")
    assert "chưa có ai tham gia" in await district.says("/thanhvien X11")


async def test_what_a_supervisor_does_in_chat_is_audited_with_who_did_it(province: Province) -> None:
    from sqlalchemy import select

    from storage.models import AuditEvent

    district = await province.joined("h1", "H1")
    await province.joined("a", "X11")
    await district.says("/moi X12 baocao 2 5")
    listed = await district.send("/thanhvien X11")
    assert listed is not None
    remove = listed.replies[0].buttons[0][0].action.replace("ov:x:", "ov:X:")
    assert "Đã xoá" in await district.says_action(remove)
    async with province.database.session() as session:
        events = {row.action: row for row in (await session.execute(select(AuditEvent))).scalars()}
    cadre = events["joined"].member_id  # the last to join: the commune's cadre
    assert events["invite_created"].detail == {"role": "reporter", "uses": 2, "days": 5}
    assert events["invite_created"].member_id is not None
    assert events["removed"].member_id == events["invite_created"].member_id != cadre


async def test_every_code_made_is_read_as_a_code_when_a_joined_member_sends_it(province: Province) -> None:
    """Codes are drawn with a letter and a digit, which is what the router looks for in a joined
    member's message (so that a number or an abbreviation is never taken for a code)."""
    from datetime import UTC, datetime

    from bot.router import Join, MemberFacts, route
    from storage.invites import create_invite

    member = MemberFacts(joined=True, roles=frozenset({"reporter"}))
    async with province.database.session() as session, session.begin():
        for _ in range(300):
            code = await create_invite(session, "X11", "reporter", now=datetime.now(UTC), secret=SECRET)
            assert route(code, member) == Join(code), code
