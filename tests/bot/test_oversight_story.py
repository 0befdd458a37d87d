"""Journeys 3 and 4 through the service: a district follows its communes from "ai chưa nộp" to approved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.i18n import translate
from storage.models import Submission
from storage.units import unit_by_code
from tests.bot.oversight_world import Province, province, submit, texts  # noqa: F401

__all__ = ["province"]


async def status_of(world: Province, code: str) -> tuple[str, int] | None:
    async with world.database.session() as session:
        unit = await unit_by_code(session, code)
        assert unit is not None
        row = (
            await session.execute(
                select(Submission.status, Submission.version).where(Submission.unit_id == unit.id)
            )
        ).one_or_none()
    return None if row is None else (row[0], row[1])


async def test_the_district_sees_each_step_from_missing_to_approved(province: Province) -> None:
    district = await province.joined("h1", "H1")
    first = await district.says("ai chưa nộp")
    assert "2 đơn vị chưa nộp" in first
    assert "Xã Một Một (X11)" in first and "Xã Một Hai (X12)" in first
    assert "chưa có ai tham gia" in first  # nobody has joined either commune: the most at risk
    assert "Xã Hai Một" not in first and "Huyện Hai" not in first  # another district's commune

    commune = await province.joined("x11", "X11")
    await province.joined("x12", "X12")
    assert "Đã nộp báo cáo" in await submit(commune, "Tốt.", "12")

    missing = await district.says("/chuanop")
    assert "1 đơn vị chưa nộp" in missing and "Xã Một Một" not in missing
    progress = await district.says("tiến độ")
    assert "Đã nộp 1/2" in progress and "chưa bắt đầu 1" in progress
    assert "Mục 1. Đánh giá chung: 1/2 (50%)" in progress

    review = await district.says("/donvi X11")
    assert "Trạng thái: đã nộp, phiên bản 1." in review
    assert "Văn bản số 12-BC/ĐU" in review
    assert "→ Tốt." in review and "→ 12" in review
    assert "Trang 1/2 của báo cáo (mục 1/2)" in review
    assert "Không có kiến nghị." in await district.says("/donvi X11 2")

    # Return: the reason is the next message; an empty one is refused and nothing changes.
    assert "gõ lý do trả lại" in await district.says("/tralai")
    assert "không được để trống" in await district.says("  ")
    assert await status_of(province, "X11") == ("submitted", 1)
    returned = await district.send("Bổ sung số liệu hội nghị.")
    assert "Đã trả lại báo cáo của Xã Một Một (phiên bản 1)" in texts(returned)
    assert returned is not None and len(returned.notices) == 1
    notice = returned.notices[0]
    assert (notice.channel, notice.chat_id) == ("console", "x11")
    told = "\n".join(translate(m, notice.locale) for reply in notice.replies for m in reply.body)
    assert "trả lại" in told and "Bổ sung số liệu hội nghị." in told and "Xã Một Một" in told
    assert await status_of(province, "X11") == ("returned", 2)

    missing = await district.says("ai chưa nộp")
    assert "2 đơn vị chưa nộp" in missing
    assert (
        "Xã Một Một (X11) — bị trả lại" in missing and "Lý do trả lại: Bổ sung số liệu hội nghị." in missing
    )
    assert "bị trả lại 1" in await district.says("/tiendo")

    # The commune corrects one figure and submits again, as version 2.
    assert "Bổ sung số liệu hội nghị." in await commune.says("tiếp tục")
    await commune.says("/sua 2")
    await commune.says("15")
    await commune.says("nộp")
    await commune.says("có")
    assert "Đã nộp báo cáo" in await commune.says("có")  # the document's details kept
    assert await status_of(province, "X11") == ("submitted", 2)

    review = await district.says("/donvi X11")
    assert "phiên bản 2" in review
    assert "Thay đổi so với phiên bản 1 anh/chị đã đọc:" in review and "Câu 2: 12 → 15" in review
    # Read once, the changes are not told again.
    assert "Thay đổi" not in await district.says("/donvi X11")

    approved = await district.send("duyệt")
    assert "Đã duyệt báo cáo của Xã Một Một (phiên bản 2)" in texts(approved)
    assert approved is not None and [n.chat_id for n in approved.notices] == ["x11"]
    assert await status_of(province, "X11") == ("approved", 2)
    assert "đã được duyệt rồi" in await district.says("/duyet")  # twice: one sentence, nothing changes
    assert await status_of(province, "X11") == ("approved", 2)
    assert "Đã nộp 1/2" in await district.says("/tiendo")


async def test_the_province_sees_districts_first_and_drills_down(province: Province) -> None:
    governor = await province.joined("t", "T")
    commune = await province.joined("x21", "X21")
    await submit(commune)
    page = await governor.send("/chuanop")
    shown = texts(page)
    assert "▸ Huyện Một (H1): 2/2 đơn vị chưa nộp" in shown
    assert "Huyện Hai" not in shown  # every commune of it submitted
    assert page is not None
    actions = [b.action for reply in page.replies for row in reply.buttons for b in row]
    assert len(actions) == 1 and actions[0].startswith("ov:m:")
    drilled = await governor.send(action=actions[0])
    assert "Chưa nộp — Huyện Một" in texts(drilled) and "Xã Một Một (X11)" in texts(drilled)
    assert drilled is not None
    labels = [translate(b.label, "vi") for reply in drilled.replies for row in reply.buttons for b in row]
    assert "⬆ Cấp trên" in labels


async def test_a_member_of_two_units_lists_and_switches_them(province: Province) -> None:
    member = await province.joined("m", "X11")
    assert "đã được thêm vào Xã Một Hai" in await member.says(province.codes["X12"])  # a second code
    units = await member.says("/donvi")
    assert "Xã Một Một (X11)" in units and "Xã Một Hai (X12)" in units
    assert "Từ giờ anh/chị làm việc với Xã Một Hai" in await member.says("đơn vị X12")
    assert "Xã Một Hai" in await member.says("/baocao")  # the report of the unit chosen
    await member.says("Đánh giá của xã Một Hai.")
    assert "Từ giờ anh/chị làm việc với Xã Một Một" in await member.says("/donvi x11")
    assert "đã trả lời 0/3" in await member.says("/baocao")  # the other unit's report is its own
    await member.says("/donvi X12")
    assert "đã trả lời 1/3" in await member.says("/baocao")


async def test_help_lists_the_supervisor_commands_and_both_sets_for_one_who_also_reports(
    province: Province,
) -> None:
    district = await province.joined("h1", "H1")
    shown = await district.says("trợ giúp")
    assert "/chuanop" in shown and "/thanhvien" in shown and "/moi" in shown and "/roikhoi" in shown
    both = await province.joined("x11", "X11")
    assert "đã được thêm vào Huyện Một" in await both.says(province.codes["H1"])  # oversees it too
    shown = await both.says("/trogiup")
    assert "Việc của cán bộ theo dõi" in shown and "/tralai" in shown
    assert shown.index("/baocao — “báo cáo”") < shown.index("Việc của cán bộ theo dõi")  # the report's first
    reporter = await province.joined("x12", "X12")
    assert "Việc của cán bộ theo dõi" not in await reporter.says("trợ giúp")


async def test_the_real_outline_reads_page_by_page_in_messages_that_fit(world) -> None:  # type: ignore[no-untyped-def]
    """ct30-20nam as campaigns collect it: progress per section and every page of a report."""
    from bot.channels.base import Capabilities
    from bot.render import render
    from bot.service import ReportService
    from tests.bot.conftest import Cadre
    from tests.secret import SECRET

    database, codes = world
    service = ReportService(database, secret=SECRET)
    commune, district = Cadre(service, "c1", "zalo_oa"), Cadre(service, "d1", "zalo_oa")
    await commune.says(codes["X1"])
    await commune.says("/baocao")
    await commune.says("Đã tổ chức 3 hội nghị quán triệt Chỉ thị 30. " * 40)
    await commune.says("tiếp")
    await commune.says("12")
    await district.says(codes["H"])
    zalo = Capabilities(buttons=False, files=True, edits=False, max_length=2000)
    progress = await district.send("/tiendo")
    assert progress is not None and "Mục 1." in texts(progress)
    page, seen = 1, []
    while True:
        shown = await district.send(f"/donvi X1 {page}")
        assert shown is not None
        for reply in shown.replies:
            assert len(render(reply, "vi", zalo)) == 1, page
        seen.append(texts(shown))
        if f"Trang {page}/" not in seen[-1] or page > 40:
            break
        total = int(seen[-1].split(f"Trang {page}/")[1].split()[0])
        if page == total:
            break
        page += 1
    assert page > 5 and "3 hội nghị" in seen[0] and "(cả câu trả lời dài" in seen[0]


async def test_a_reporter_s_answer_stays_on_the_hot_path(
    province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Oversight adds nothing to a cadre's turn: no ORM session (the rare paths' tool), for a reporter
    or for one who also supervises and has a report open on the supervisor's side."""
    from storage.transaction import TurnScope

    await submit(await province.joined("x12", "X12"))
    both = await province.joined("x11", "X11")
    await both.says(province.codes["H1"])
    assert "Xã Một Hai" in await both.says("/donvi X12")  # the supervisor's side keeps a report being read
    await both.says("/baocao")
    await both.says("Phần đầu.")  # the campaign list is cached from here on
    opened: list[int] = []
    real = TurnScope.session

    async def counted(self: TurnScope):  # type: ignore[no-untyped-def]
        opened.append(1)
        return await real(self)

    monkeypatch.setattr(TurnScope, "session", counted)
    for answer in ("Phần hai.", "tiếp", "12", "Phần ba."):
        await both.says(answer)
    assert opened == []
