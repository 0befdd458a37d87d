"""Every bad input of issue 8 gets one sentence and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.models import AuditEvent, Invite, Membership, Submission
from storage.units import unit_by_code
from tests.bot.oversight_world import Province, build_province, province, submit, texts, use_small_outline

__all__ = ["province"]


async def unit_id(world: Province, code: str) -> int:
    async with world.database.session() as session:
        unit = await unit_by_code(session, code)
        assert unit is not None
        return unit.id


async def snapshot(world: Province) -> tuple[object, ...]:
    """What a refused request must leave as it was."""
    async with world.database.session() as session:
        submissions = (await session.execute(select(Submission.status, Submission.version))).all()
        counts = [
            (await session.execute(select(func.count()).select_from(table))).scalar_one()
            for table in (Membership, Invite, AuditEvent)
        ]
    return (sorted(submissions), *counts)


def one_sentence(reply: str) -> None:
    assert reply and "\n" not in reply.strip() and "Traceback" not in reply, reply


async def test_unit_codes_unknown_outside_and_typed_loosely(province: Province) -> None:
    district = await province.joined("h1", "H1")
    before = await snapshot(province)
    unknown = await district.says("/chuanop ZZ9")
    one_sentence(unknown)
    assert "Không tìm thấy đơn vị nào có mã “ZZ9”" in unknown
    outside = await district.says("/tiendo X21")
    one_sentence(outside)
    assert outside == "Đơn vị này không thuộc phạm vi anh/chị theo dõi."
    outside_parent = await district.says("/chuanop T")
    assert outside_parent == outside  # the level above is outside too
    # Lower case, or with a space: the same unit.
    assert "Chưa nộp — Xã Một Hai" in await district.says("/chuanop x12")
    assert "Tiến độ — Huyện Một" in await district.says("/tiendo h1")
    assert await snapshot(province) == before


async def test_stale_and_forged_buttons(province: Province) -> None:
    district = await province.joined("h1", "H1")
    h1, x21, t = await unit_id(province, "H1"), await unit_id(province, "X21"), await unit_id(province, "T")
    commune = await province.joined("x21", "X21")
    await submit(commune, "Bí mật xã Hai Một.", "987")
    before = await snapshot(province)
    page = await district.send(action=f"ov:m:{h1}:9")  # a page that no longer exists
    shown = texts(page)
    assert "không còn trang 10; dưới đây là trang 1" in shown and "Xã Một Một" in shown
    assert "cũ" in await district.says_action("ov:r:999999:0")  # a unit that is gone
    for forged in (f"ov:r:{x21}:0", f"ov:m:{t}:0", f"ov:a:{x21}:1", f"ov:t:{x21}:1", f"ov:p:{x21}:0"):
        reply = await district.says_action(forged)
        assert reply == "Đơn vị này không thuộc phạm vi anh/chị theo dõi.", forged
    for garbage in ("ov:", "ov:r", "ov:r:x:1", "ov:zz:1:1", "ov:r:1:2:3", "ov:n:5"):
        one_sentence(await district.says_action(garbage))
    assert await snapshot(province) == before


async def test_duyet_twice_and_decisions_on_reports_not_submitted(province: Province) -> None:
    district = await province.joined("h1", "H1")
    assert "đơn vị nào" in await district.says("/duyet")  # nothing opened yet
    not_submitted = await district.says("/duyet X12")
    one_sentence(not_submitted)
    assert "chưa được nộp" in not_submitted
    assert "chưa được nộp" in await district.says("/tralai X12")
    commune = await province.joined("x11", "X11")
    await submit(commune)
    await district.says("/donvi X11")
    assert "Đã duyệt" in await district.says("/duyet")
    before = await snapshot(province)
    again = await district.says("/duyet")
    one_sentence(again)
    assert "đã được duyệt rồi" in again
    assert "đã được duyệt rồi" in await district.says("/tralai X11 muộn quá")
    assert await snapshot(province) == before


async def test_an_empty_reason_is_refused_and_huy_cancels(province: Province) -> None:
    district = await province.joined("h1", "H1")
    await submit(await province.joined("x11", "X11"))
    await district.says("/donvi X11")
    before = await snapshot(province)
    assert "gõ lý do" in await district.says("trả lại")
    for empty in ("", "   ", "...", "?!"):
        refused = await district.says(empty)
        one_sentence(refused)
        assert "không được để trống" in refused
    assert "không bị trả lại" in await district.says("/huy")
    assert await snapshot(province) == before
    # After cancelling, a message is no longer taken as a reason.
    assert "Chưa nộp" in await district.says("ai chưa nộp")
    assert await snapshot(province) == before


async def test_a_newer_version_than_the_one_read_is_not_decided_blind(province: Province) -> None:
    district = await province.joined("h1", "H1")
    commune = await province.joined("x11", "X11")
    await submit(commune)
    await district.says("/donvi X11")  # reads version 1
    await district.says("/tralai Thiếu số liệu.")
    await commune.says("/sua 2")
    await commune.says("30")
    await commune.says("nộp")
    await commune.says("có")
    await commune.says("có")  # version 2 submitted; the district has not read it
    before = await snapshot(province)
    pressed = await district.says_action(f"ov:a:{await unit_id(province, 'X11')}:1")  # the old button
    one_sentence(pressed)
    assert "đã đổi từ phiên bản 1 sang phiên bản 2" in pressed
    assert await snapshot(province) == before


async def test_a_supervisor_with_no_campaign(database, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    use_small_outline(monkeypatch)
    world = await build_province(database, with_campaign=False)
    district = await world.joined("h1", "H1")
    for typed in ("/chuanop", "/tiendo", "/donvi X11", "/duyet X11"):
        reply = await district.says(typed)
        one_sentence(reply)
        assert "chưa có đợt báo cáo nào" in reply, typed
