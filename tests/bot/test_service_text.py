"""Text is cleaned once, by the service, before the engine reads it: what is stored is what officials read."""

from __future__ import annotations

from sqlalchemy import select

from bot.service import ReportService
from storage.models import Answer
from tests.bot.conftest import Cadre
from tests.secret import SECRET


async def test_a_dirty_message_is_stored_clean_and_a_dirty_command_still_works(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    cadre = Cadre(ReportService(database, secret=SECRET), "301")
    await cadre.says(codes["X1"])
    await cadre.says("\u200b/baocao\u200b")  # a zero-width space pasted around the command
    # Decomposed Vietnamese (NFD, as some keyboards send it), a bidi override and a NUL.
    reply = await cadre.says("Đa\u0303 to\u0302\u0309 chư\u0301c\u202e hội nghị\x00 quán triệt.\r\n")
    assert "Đã lưu nội dung câu 1." in reply
    assert "Câu 2/35" in await cadre.says("\u2066tiếp\u2069")  # a command word wrapped in isolates
    async with database.session() as session:
        stored = (await session.execute(select(Answer.value))).scalars().all()
    assert [str(v) for v in stored] == ["Đã tổ chức hội nghị quán triệt."]
