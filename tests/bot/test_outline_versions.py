"""A campaign keeps the outline version it was opened on, after a newer version is shipped."""

from __future__ import annotations

from sqlalchemy import select

from bot.service import ReportService
from dialogs.builtin import get_outline
from storage.models import Answer, Campaign
from tests.bot.conftest import Cadre
from tests.secret import SECRET


async def test_a_campaign_opened_on_version_1_is_still_asked_and_reviewed_in_version_1(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world  # the world's campaign was opened on version 1
    assert get_outline("ct30-20nam").version == 2
    cadre = Cadre(ReportService(database, secret=SECRET), "702")
    await cadre.says(codes["X1"])
    first = await cadre.says("/baocao")
    assert "(1/35)" in first and "đơn vị đã làm gì, kết quả ra sao?" in first
    assert "Đơn vị báo cáo thuộc loại hình nào?" not in first  # version 2's first question
    await cadre.says("Đã tổ chức hội nghị quán triệt.")
    await cadre.says("tiếp")
    await cadre.says("5")
    review = await cadre.says("xem lại mục 1")
    assert "Số hội nghị, buổi tuyên truyền" in review and "Đã tổ chức hội nghị quán triệt." in review
    async with database.session() as session:
        stored = dict((await session.execute(select(Answer.question_id, Answer.value))).all())
        version = (await session.execute(select(Campaign.outline_version))).scalar_one()
    assert version == 1
    assert stored == {"tt_tuyen_truyen": "Đã tổ chức hội nghị quán triệt.", "so_hoi_nghi_tt": 5}
    assert all(get_outline("ct30-20nam", version).has_question(q) for q in stored)
