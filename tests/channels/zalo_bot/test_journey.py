"""A commune cadre and a district supervisor on the Zalo Bot, through the real client against the fake
platform: join, report, stop and resume, submit, "ai chưa nộp", "tổng hợp" as signed links; numbered
typed options; long answers split at 2,000 UTF-16 units."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.app import runtime
from bot.files import Refused, fetch
from dialogs.text import utf16_len
from tests.bot.oversight_world import Province, build_province, use_small_outline
from tests.channels.zalo_bot.conftest import ZaloBot, ZaloCadre, ZaloWorld, zalo_settings
from tests.channels.zalo_bot.fake_bot import FakeZaloBot
from tests.compile.test_chat_compile import fake_writers
from tests.dialogs.conftest import DOCUMENT
from tests.secret import SECRET


@pytest.fixture
async def province_bot(
    database_url: str, fake_zalo: FakeZaloBot, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[ZaloBot, Province]]:
    use_small_outline(monkeypatch)
    fake_writers(monkeypatch)
    settings = zalo_settings(database_url, fake_zalo)
    async with runtime(settings, with_telegram=False) as running:
        province = await build_province(running.db)
        yield ZaloBot(running, fake_zalo, ZaloWorld(province.codes), settings), province


async def test_join_report_resume_submit_then_the_district_asks_and_compiles(
    province_bot: tuple[ZaloBot, Province],
) -> None:
    zbot, province = province_bot
    commune = ZaloCadre(zbot, "zx11")
    assert "Chào mừng" in await commune.says(province.codes["X11"])
    first = await commune.says("báo cáo")
    assert "Câu 1/3" in first and "Đánh giá chung" in first
    assert "bấm" not in first.lower(), "no buttons on the Zalo Bot: nothing to press"
    await commune.says("Đã tổ chức tốt các hội nghị.")
    await commune.says("tiếp")
    paused = await commune.says("tạm dừng")
    assert "lưu" in paused
    resumed = await commune.says("báo cáo")
    assert "Số hội nghị" in resumed, "resumed at the question where the cadre stopped"
    # A number typed to a number question is the number, never an option.
    assert "Đã lưu câu 2: 12" in await commune.says("12")
    await commune.says("Không có kiến nghị.")
    await commune.says("tiếp")
    confirm = await commune.says("nộp")
    assert "Gõ" in confirm or "gõ" in confirm
    await commune.says("có")
    for detail in DOCUMENT:
        await commune.says(detail)
    receipt = await commune.says("bỏ qua")
    assert "BN-" in receipt

    district = ZaloCadre(zbot, "zh1")
    assert "Chào mừng" in await district.says(province.codes["H1"])
    missing = await district.says("ai chua nop")
    assert "Xã Một Hai" in missing and "Xã Một Một" not in missing
    assert all(utf16_len(text) <= 2000 for text in zbot.fake.texts())

    started = await district.says("tổng hợp")
    assert "Đang tổng hợp báo cáo của Huyện Một" in started
    await zbot.fake.until(lambda: any("/files/" in text for text in zbot.fake.texts("zh1")), timeout=20)
    await zbot.settle()
    shown = "\n".join(zbot.fake.texts("zh1"))
    links = [
        line.split(": ", 1)[1] for line in shown.splitlines() if "https://baocao.example.vn/files/" in line
    ]
    assert len(links) == 3, shown
    assert zbot.fake.calls_of("sendChatAction"), "typing… while the compile runs"
    assert zbot.fake.calls_of("sendChatAction")[0].params == {"chat_id": "zh1", "action": "typing"}
    async with zbot.runtime.db.session() as session:
        names = set()
        for url in links:
            found = await fetch(session, SECRET, url.rsplit("/", 1)[1], datetime.now(UTC))
            assert not isinstance(found, Refused)
            names.add(found.filename)
    assert names == {"Bao-cao-tong-hop-H1.docx", "So-lieu-tong-hop-H1.xlsx", "Tien-do-H1.png"}


async def test_a_5000_character_answer_is_kept_whole_and_said_back_in_pieces_within_2000(
    province_bot: tuple[ZaloBot, Province],
) -> None:
    zbot, province = province_bot
    cadre = ZaloCadre(zbot, "zlong")
    await cadre.says(province.codes["X12"])
    await cadre.says("báo cáo")
    paragraph = "Chi bộ đã quán triệt đầy đủ nghị quyết, phát huy quyền làm chủ của nhân dân 👍. "
    answer = (paragraph * 80)[:5000]
    await cadre.deliver({"event_name": "message.text.received", "message": _message("zlong", answer)})
    await cadre.replies()
    await cadre.says("tiếp")
    shown = await cadre.says("xem câu 1")
    sent = zbot.fake.texts("zlong")
    assert all(utf16_len(text) <= 2000 for text in sent)
    assert shown.count("Chi bộ đã quán triệt") >= 60, "the whole answer, over several messages"
    from sqlalchemy import select

    from storage.models import Answer

    async with zbot.runtime.db.session() as session:
        stored = await session.scalar(select(Answer.value).where(Answer.question_id == "danh_gia"))
    assert stored == answer.strip()


def _message(user: str, text: str) -> dict[str, Any]:
    return {
        "from": {"id": user, "display_name": "Cán bộ", "is_bot": False},
        "chat": {"id": user, "chat_type": "PRIVATE"},
        "text": text,
        "message_id": f"long-{user}",
        "date": 1,
    }


async def test_a_typed_number_picks_the_numbered_option_and_a_number_question_takes_the_number(
    database_url: str, fake_zalo: FakeZaloBot
) -> None:
    # The real ct30-20nam, version 2: its first question is the unit's kind, offered as numbered options.
    settings = zalo_settings(database_url, fake_zalo)
    async with runtime(settings, with_telegram=False) as running:
        from tests.channels.zalo_bot.conftest import build_zalo_world

        world = await build_zalo_world(running)
        async with running.db.session() as session, session.begin():
            from sqlalchemy import update

            from storage.models import Campaign

            await session.execute(update(Campaign).values(outline_version=2))
        zbot = ZaloBot(running, fake_zalo, world, settings)
        cadre = ZaloCadre(zbot, "zopt")
        await cadre.says(world.codes["X1"])
        asked = await cadre.says("báo cáo")
        assert "1. Xã" in asked and "2." in asked, asked
        chosen = await cadre.says("1")
        assert "Đã lưu câu 1: Xã, phường, thị trấn" in chosen, "the number typed is option 1"
        assert "Câu 1.1 (2/53)" in chosen
