"""Issue 7, item 16: what the service itself says, in the administrative register."""

from __future__ import annotations

from bot.service import ReportService
from tests.bot.conftest import Cadre
from tests.secret import SECRET


async def test_joining_says_the_member_is_registered_as_the_officer_in_charge(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    reply = await Cadre(ReportService(database, secret=SECRET), "701").says(codes["X1"])
    assert "Anh/chị đã được ghi nhận là cán bộ phụ trách báo cáo của Xã Một." in reply
    assert "đã tham gia với vai trò" not in reply
