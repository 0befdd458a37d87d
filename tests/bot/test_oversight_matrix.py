"""The authorization matrix: every supervisor command and button × who asks × a unit inside or outside
their subtree. Outside, or not a supervisor: one refusal, nothing of the unit, nothing changed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import Identity
from storage.units import unit_by_code
from tests.bot.conftest import Cadre
from tests.bot.oversight_world import NAMES, Province, province, submit
from tests.bot.test_oversight_bad_input import snapshot

__all__ = ["province"]

SECRET_ANSWERS = {"X11": ("Bí mật Một Một.", "111"), "X21": ("Bí mật Hai Một.", "987")}

TYPED = (
    "/chuanop {code}", "/tiendo {code}", "/donvi {code}", "/donvi {code} 2", "/duyet {code}",
    "/tralai {code}", "/tralai {code} Lý do trả lại", "/thanhvien {code}", "/xoa {code} {member}",
    "/moi {code} baocao 1 1", "/moi {code} theodoi 3 7",
)  # fmt: skip
PRESSED = (
    "ov:m:{unit}:0", "ov:m:{unit}:3", "ov:p:{unit}:0", "ov:r:{unit}:0", "ov:r:{unit}:1", "ov:a:{unit}:1",
    "ov:t:{unit}:1", "ov:x:{unit}:{member}", "ov:X:{unit}:{member}", "ov:u:{unit}",
)  # fmt: skip

REFUSALS = {
    "Đơn vị này không thuộc phạm vi anh/chị theo dõi.",
    "Danh sách này đã cũ; anh/chị vui lòng mở lại danh sách mới (ví dụ gõ “ai chưa nộp”).",
    "Xin chào! Để bắt đầu, anh/chị vui lòng gửi mã mời do cấp trên cung cấp (ví dụ: K7QM-4XPB).",
    "Chức năng này dành cho cán bộ theo dõi ở cấp trên; anh/chị là cán bộ phụ trách báo cáo của Xã Một Một."
    "\n\nBáo cáo anh/chị đang làm vẫn được giữ nguyên; gõ “tiếp tục” để làm tiếp.",
}


async def member_id(world: Province, user_id: str) -> int:
    async with world.database.session() as session:
        found = await session.scalar(select(Identity.member_id).where(Identity.external_id == user_id))
    assert found is not None
    return int(found)


async def requests(world: Province, code: str, member_user: str) -> list[tuple[str, str | None]]:
    async with world.database.session() as session:
        unit = await unit_by_code(session, code)
    assert unit is not None
    member = await member_id(world, member_user)
    typed = [(t.format(code=code, member=member), None) for t in TYPED]
    pressed = [("", p.format(unit=unit.id, member=member)) for p in PRESSED]
    return typed + pressed


def leaks(reply: str, visible: set[str]) -> list[str]:
    """Names and answers of units the asker may not see, found in a reply."""
    hidden = [NAMES[code] for code in NAMES if code not in visible]
    hidden += [
        answer for code, answers in SECRET_ANSWERS.items() if code not in visible for answer in answers
    ]
    return [word for word in hidden if word.lower() in reply.lower()]


@pytest.mark.parametrize("asker", ["reporter", "supervisor", "stranger"])
@pytest.mark.parametrize("where", ["inside", "outside"])
async def test_matrix(province: Province, asker: str, where: str) -> None:
    x11 = await province.joined("x11", "X11")
    x21 = await province.joined("x21", "X21")
    for cadre, code in ((x11, "X11"), (x21, "X21")):
        await submit(cadre, *SECRET_ANSWERS[code])
    who: Cadre = {
        "reporter": x11,
        "supervisor": await province.joined("h1", "H1"),
        "stranger": province.cadre("nobody"),
    }[asker]
    # The supervisor of H1 sees H1, X11, X12; the reporter and the stranger see no other unit.
    visible = {"supervisor": {"H1", "X11", "X12"}, "reporter": {"X11"}, "stranger": set()}[asker]
    code, owner = ("X11", "x11") if where == "inside" else ("X21", "x21")
    allowed = asker == "supervisor" and where == "inside"
    for text, action in await requests(province, code, owner):
        before = await snapshot(province)
        reply = await (who.says_action(action) if action else who.says(text))
        assert not leaks(reply, visible), (text or action, reply)
        if allowed and (action or "").startswith("ov:u:"):
            assert reply in REFUSALS  # switching is to one's own units only
        elif allowed:
            assert reply not in REFUSALS, (text or action, reply)
        elif asker == "reporter" and (action or "").startswith("ov:u:") and where == "inside":
            assert "Từ giờ anh/chị làm việc với Xã Một Một" in reply  # their own unit: a switch
        elif asker == "reporter" and text == "/donvi X11":
            assert "Từ giờ anh/chị làm việc với Xã Một Một" in reply
        else:
            assert reply in REFUSALS, (text or action, reply)
            assert await snapshot(province) == before, text or action
