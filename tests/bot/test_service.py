"""The report journey through the service and a real database: join, answer, repeat, race, resume."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.service import ReportService
from storage.models import Answer, AnswerRevision
from tests.bot.conftest import Cadre
from tests.secret import SECRET


async def test_nobody_without_a_valid_code_sees_anything(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    stranger = Cadre(ReportService(database, secret=SECRET), "999")
    reply = await stranger.says("/baocao")
    assert "mã mời" in reply
    assert "Mục" not in reply
    reply = await stranger.says("ABCD-EFGH")
    assert "không đúng" in reply


async def test_join_by_deep_link_then_answer_and_resume_after_restart(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    cadre = Cadre(ReportService(database, secret=SECRET), "101")
    joined = await cadre.says(f"/start {codes['X1']}")
    assert "Xã Một" in joined
    first = await cadre.says("/baocao")
    assert "Mục 1/5" in first and "Câu 1.1 (1/35)" in first
    await cadre.says("Đã tổ chức 3 hội nghị quán triệt Chỉ thị 30 cho toàn thể cán bộ, đảng viên.")

    # The process restarts: a new service on the same database, the cadre carries on.
    restarted = Cadre(ReportService(database, secret=SECRET), "101")
    restarted.update = 100
    resumed = await restarted.says("/baocao")
    assert "Mục 1/5" in resumed
    assert "3 hội nghị" in resumed  # the answer given before the restart is shown back
    async with database.session() as session:
        stored = (await session.execute(select(Answer.value))).scalars().all()
    assert any("3 hội nghị" in str(v) for v in stored)


async def test_the_same_update_delivered_twice_is_applied_once(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    service = ReportService(database, secret=SECRET)
    cadre = Cadre(service, "102")
    await cadre.says(codes["X1"])
    await cadre.says("/baocao")
    first = await cadre.send("Nội dung trả lời", update_id="u-42")
    again = await cadre.send("Nội dung trả lời", update_id="u-42")
    assert first is not None and again is None
    async with database.session() as session:
        revisions = (await session.execute(select(func.count()).select_from(AnswerRevision))).scalar_one()
    assert revisions == 1


async def test_two_messages_at_the_same_moment_are_both_kept(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    # Two processes (two services) receive two messages of one member at once.
    a, b = (
        Cadre(ReportService(database, secret=SECRET), "103"),
        Cadre(ReportService(database, secret=SECRET), "103"),
    )
    b.update = 50
    await a.says(codes["X2"])
    await a.says("/baocao")
    await asyncio.gather(a.send("Phần thứ nhất."), b.send("Phần thứ hai."))
    async with database.session() as session:
        value = (await session.execute(select(Answer.value))).scalar_one()
    assert "Phần thứ nhất." in value and "Phần thứ hai." in value


async def test_invite_code_used_up(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    service = ReportService(database, secret=SECRET)
    assert "Xã Hai" in await Cadre(service, "201").says(codes["X2"])
    assert "dùng hết" in await Cadre(service, "202").says(codes["X2"])


async def test_language_switch(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    cadre = Cadre(ReportService(database, secret=SECRET), "301")
    await cadre.says(codes["X1"])
    assert "English" in await cadre.says("/ngonngu")
    assert "Section 1/5" in await cadre.says("/baocao")
    assert "tiếng Việt" in await cadre.says("ngôn ngữ")


async def test_answers_written_on_the_fast_path_read_back_typed(world) -> None:  # type: ignore[no-untyped-def]
    """The hot path writes with the driver; everything else reads with SQLAlchemy: they must agree."""
    database, codes = world
    cadre = Cadre(ReportService(database, secret=SECRET), "401")
    await cadre.says(codes["X1"])
    await cadre.says("/baocao")
    await cadre.says("Văn bản trả lời")
    await cadre.says("tiếp")
    await cadre.says("1.000")  # an integer question
    async with database.session() as session:
        rows = {row.question_id: row for row in (await session.execute(select(Answer))).scalars()}
    values = sorted((type(row.value).__name__, row.value) for row in rows.values())
    assert ("int", 1000) in values
    assert ("str", "Văn bản trả lời") in values
    for row in rows.values():
        assert row.updated_at.tzinfo is not None
        assert abs((row.updated_at - datetime.now(UTC)).total_seconds()) < 60
