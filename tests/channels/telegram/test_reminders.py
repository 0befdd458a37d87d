"""Reminders through the fake Bot API: a blocked member (403) is recorded undeliverable and shown in
"ai chưa nộp"; a 429 in the middle of a broadcast still delivers every reminder once; the button
resumes the report."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.models import Reminder
from storage.outbox import counts
from tests.channels.telegram.conftest import Bot, Cadre
from tests.channels.telegram.test_oversight_telegram import supervisor

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MINUS_3 = datetime(2030, 6, 27, 8, 0, tzinfo=HCM)  # the communes' deadline is 30/6/2030


async def joined(bot: Bot, user_id: int, unit: str) -> Cadre:
    cadre = Cadre(bot, user_id)
    assert "Chào mừng" in await cadre.says(f"/start {bot.world.codes[unit]}")
    return cadre


async def until_sent(bot: Bot) -> None:
    """Until no outbox row is pending (sent or failed for good)."""

    async def pending() -> int:
        async with bot.runtime.db.session() as session:
            return (await counts(session))["pending"]

    for _ in range(500):
        if await pending() == 0 and bot.runtime.outbox.held == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("outbox rows still pending")


async def test_a_member_who_blocked_the_bot_shows_in_ai_chua_nop(bot: Bot) -> None:
    await joined(bot, 1001, "X1")
    await bot.settle()
    bot.api.fail("sendMessage", 403, description="Forbidden: bot was blocked by the user")
    report = await bot.runtime.scheduler.run_once(MINUS_3)
    assert report.queued == 1
    await until_sent(bot)

    district = await supervisor(bot, 2001, "H")
    listed = await district.says("ai chưa nộp")
    assert "Xã Một (X1)" in listed
    assert "⚠ Không gửi được nhắc nhở: Cán bộ (đã chặn bot)" in listed
    # The next pass copies the outcome from the outbox (purged after a week) onto the reminder.
    await bot.runtime.scheduler.run_once(MINUS_3)
    await until_sent(bot)
    async with bot.runtime.db.session() as session:
        query = select(Reminder.outcome, Reminder.error).where(Reminder.kind == "scheduled")
        [(outcome, error)] = (await session.execute(query)).all()
    assert outcome == "undeliverable" and "blocked" in error


async def test_a_429_in_the_middle_of_a_broadcast_still_delivers_every_reminder_once(bot: Bot) -> None:
    for user_id in (1001, 1002, 1003):
        await joined(bot, user_id, "X1")
    for user_id in (1004, 1005):
        await joined(bot, user_id, "X2")
    await bot.settle()
    delivered: list[str] = []

    def on_send(method: str, params: dict[str, Any]) -> None:
        delivered.append(str(params["chat_id"]))

    bot.api.on_send = on_send
    bot.api.fail("sendMessage", 429, retry_after=1, count=2)
    report = await bot.runtime.scheduler.run_once(MINUS_3)
    assert report.queued == 5
    await until_sent(bot)
    await asyncio.sleep(0.3)
    assert sorted(delivered) == ["1001", "1002", "1003", "1004", "1005"], "each once, none lost"


async def test_the_reminder_s_button_resumes_the_report_where_it_stopped(bot: Bot) -> None:
    cadre = await joined(bot, 1001, "X1")
    await cadre.says("/baocao")
    await bot.runtime.scheduler.run_once(MINUS_3)
    await until_sent(bot)
    [reminder] = await cadre.replies()
    assert "Báo cáo “Tổng kết 20 năm Chỉ thị 30” của Xã Một" in reminder.params["text"]
    assert cadre.buttons() == [("Tiếp tục báo cáo", "go")]
    resumed = await cadre.presses("go")
    assert "Câu 1" in resumed or "câu" in resumed.lower()


async def test_a_district_reminds_its_late_communes_by_hand_with_the_button(bot: Bot) -> None:
    await joined(bot, 1001, "X1")
    await joined(bot, 1002, "X2")
    district = await supervisor(bot, 2001, "H")
    asked = await district.says("/nhac")
    assert "cho 2 đơn vị chưa nộp dưới Huyện Mẫu (2 người nhận)?" in asked
    [(label, action)] = district.buttons()
    assert label == "Gửi nhắc nhở" and action.startswith("rm:")
    done = await district.presses(action)
    assert "Đã gửi nhắc nhở" in done and "2 đơn vị (2 người nhận)" in done
    await until_sent(bot)
    for user_id in ("1001", "1002"):
        [reminder] = [t for t in bot.api.texts(user_id) if "Huyện Mẫu nhắc anh/chị" in t]
        assert "Báo cáo “Tổng kết 20 năm Chỉ thị 30”" in reminder
    again = await district.says("/nhac")
    assert "Bỏ qua 2 đơn vị vừa được nhắc trong 4 giờ qua" in again and district.buttons() == []
