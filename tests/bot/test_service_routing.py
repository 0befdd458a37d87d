"""Supervisor words through the service: they never end up in a report, and nobody is dropped into one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

import bot.service
from bot.service import ReportService
from dialogs.loader import load_outline
from storage.db import Database
from storage.invites import Redeemed, redeem_invite
from storage.models import Answer, DialogStateRow, Submission
from tests.bot.conftest import Cadre
from tests.dialogs.conftest import DOCUMENT
from tests.secret import SECRET

# One narrative question: the shortest way to the submit confirmation.
ONE_QUESTION = load_outline(
    """
format: 1
id: mot-cau
version: 1
title: {vi: Báo cáo một câu, en: One-question report}
languages: [vi, en]
sections:
  - id: chung
    title: {vi: Chung, en: General}
    questions:
      - id: danh_gia
        type: text
        label: {vi: Đánh giá chung, en: Overall assessment}
"""
)


async def joined(database: Database, user_id: str, code: str) -> Cadre:
    cadre = Cadre(ReportService(database, secret=SECRET), user_id)
    assert "Chào mừng" in await cadre.says(code)
    return cadre


async def also_supervises(database: Database, cadre: Cadre, code: str) -> None:
    """The operator gives a member who reports for a commune the district's supervisor role too."""
    async with database.session() as session, session.begin():
        result = await redeem_invite(
            session, code, cadre.channel, cadre.user_id, "", datetime.now(UTC), secret=SECRET
        )
    assert isinstance(result, Redeemed) and result.role == "supervisor"


async def stored_answer(database: Database) -> str:
    async with database.session() as session:
        return (await session.execute(select(Answer.value))).scalar_one()


async def count(database: Database, table: type) -> int:
    async with database.session() as session:
        return (await session.execute(select(func.count()).select_from(table))).scalar_one()


async def test_ai_chua_nop_in_the_middle_of_a_narrative_answer_is_not_part_of_it(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    cadre = await joined(database, "501", codes["X1"])
    await also_supervises(database, cadre, codes["H"])
    assert "Câu 1.1 (1/35)" in await cadre.says("/baocao")
    await cadre.says("Đã tổ chức 3 hội nghị quán triệt.")

    reply = await cadre.says("ai chua nop")
    assert "Chưa nộp — Huyện Mẫu" in reply
    assert await stored_answer(database) == "Đã tổ chức 3 hội nghị quán triệt."

    reply = await cadre.says("Ai chưa nộp?")
    assert "Chưa nộp — Huyện Mẫu" in reply
    assert await stored_answer(database) == "Đã tổ chức 3 hội nghị quán triệt."

    # The narrative goes on where it was.
    await cadre.says("Các thôn đều xây dựng hương ước.")
    assert (
        await stored_answer(database)
        == "Đã tổ chức 3 hội nghị quán triệt.\n\nCác thôn đều xây dựng hương ước."
    )


async def test_a_sentence_that_merely_contains_the_words_is_still_the_answer(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    cadre = await joined(database, "502", codes["X1"])
    await also_supervises(database, cadre, codes["H"])
    await cadre.says("/baocao")
    sentence = "Còn 2 thôn chưa nộp báo cáo tổng hợp, xã đã nhắc nhở."
    await cadre.says(sentence)
    assert await stored_answer(database) == sentence


async def test_a_supervisor_with_no_report_of_their_own_is_not_dropped_into_one(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    supervisor = Cadre(ReportService(database, secret=SECRET), "601")
    welcome = await supervisor.says(codes["T"])
    assert "cán bộ theo dõi của Tỉnh Mẫu" in welcome and "trợ giúp" in welcome
    assert "/baocao" not in welcome
    for typed in ("/trogiup", "trợ giúp"):
        assert "/chuanop" in await supervisor.says(typed)
    # The deep link opened again goes to joining (already a member there): never into a report.
    assert "Mục 1/5" not in await supervisor.says("/start " + codes["T"])
    for typed in ("/baocao", "báo cáo", "tiếp tục", "Đã tổ chức 3 hội nghị."):
        reply = await supervisor.says(typed)
        assert "Tỉnh Mẫu" in reply and "không có báo cáo riêng" in reply, typed
        assert "/chuanop" in reply and "“tổng hợp”" in reply, typed
        assert "Mục 1/5" not in reply, typed
    assert "Chưa nộp — Tỉnh Mẫu" in await supervisor.says("chưa nộp")
    # "tổng hợp" is understood; a service run without the runtime's background compiler says it
    # does not run here (through the runtime: tests/compile/test_chat_compile.py).
    assert "Chức năng tổng hợp chưa chạy ở đây" in await supervisor.says("tong hop")
    assert await count(database, Submission) == 0
    assert await count(database, DialogStateRow) == 0
    assert await count(database, Answer) == 0


async def test_a_district_supervisor_writes_the_district_s_own_report(world) -> None:  # type: ignore[no-untyped-def]
    # The campaign has a deadline for districts: the district reports to the province (journey 7).
    database, codes = world
    supervisor = await joined(database, "602", codes["H"])
    reply = await supervisor.says("/baocao")
    assert "Mục 1/5" in reply and "Huyện Mẫu" in reply
    await supervisor.says("Huyện đã ban hành kế hoạch.")
    assert await stored_answer(database) == "Huyện đã ban hành kế hoạch."
    # Supervisor words still stay out of the answer.
    assert "Chưa nộp — Huyện Mẫu" in await supervisor.says("ai chua nop")
    assert await stored_answer(database) == "Huyện đã ban hành kế hoạch."


async def test_a_reporter_asking_for_oversight_is_told_it_is_for_the_level_above(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    cadre = await joined(database, "701", codes["X1"])
    await cadre.says("/baocao")
    await cadre.says("Phần trả lời.")
    for typed in ("ai chua nop", "/tiendo", "tổng hợp", "/nhacnho@baocao_bot"):
        reply = await cadre.says(typed)
        assert "dành cho cán bộ theo dõi" in reply and "Xã Một" in reply, typed
        assert "tiếp tục" in reply, typed
    assert await stored_answer(database) == "Phần trả lời."


async def test_english_member_hears_not_yet_in_english(world) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    supervisor = await joined(database, "801", codes["T"])
    assert "English" in await supervisor.says("/ngonngu")
    assert "Compiling does not run here yet" in await supervisor.says("compile")
    assert "who has not submitted" in await supervisor.says("hello")
    assert "Not submitted — Tỉnh Mẫu" in await supervisor.says("missing")


@pytest.fixture
def one_question(monkeypatch: pytest.MonkeyPatch) -> None:
    """Campaigns use the one-question outline."""
    monkeypatch.setattr(bot.service, "get_outline", lambda *args, **kwargs: ONE_QUESTION)


async def test_chua_nop_at_the_submit_confirmation_still_means_not_yet(world, one_question: None) -> None:  # type: ignore[no-untyped-def]
    database, codes = world
    cadre = await joined(database, "901", codes["X1"])
    await cadre.says("/baocao")
    await cadre.says("Tốt.")
    await cadre.says("tiếp")
    assert "Nộp báo cáo lần 1" in await cadre.says("nộp")
    for no in ("chưa nộp", "chua nop"):
        assert "Chưa nộp." in await cadre.says(no)
        async with database.session() as session:
            assert (await session.execute(select(Submission.status))).scalar_one() == "draft"
        assert "Nộp báo cáo lần 1" in await cadre.says("nộp")
    assert "(1/7) Số, ký hiệu văn bản" in await cadre.says("có")
    for detail in DOCUMENT:
        await cadre.says(detail)
    async with database.session() as session:
        assert (await session.execute(select(Submission.status))).scalar_one() == "draft"  # not yet
    assert "Mã biên nhận: BN-" in await cadre.says("bỏ qua")
    async with database.session() as session:
        assert (await session.execute(select(Submission.status))).scalar_one() == "submitted"
