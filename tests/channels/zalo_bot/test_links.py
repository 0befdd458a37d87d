"""One person on two channels: a cadre who started the report on Telegram types /lienket, sends the
code from Zalo, and continues the same draft there (and back)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.app import runtime
from tests.bot.oversight_world import Province, build_province, use_small_outline
from tests.channels.telegram.conftest import Bot
from tests.channels.telegram.conftest import Cadre as TelegramCadre
from tests.channels.telegram.fake_bot_api import TOKEN as TELEGRAM_TOKEN
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.zalo_bot.conftest import ZaloBot, ZaloCadre, ZaloWorld, zalo_settings
from tests.channels.zalo_bot.fake_bot import FakeZaloBot

CODE_LINE = "Mã liên kết của anh/chị: "


@dataclass
class Both:
    telegram: Bot
    zalo: ZaloBot
    province: Province


@pytest.fixture
async def both(
    database_url: str, fake_zalo: FakeZaloBot, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Both]:
    use_small_outline(monkeypatch)
    with FakeBotApi() as api:
        settings = zalo_settings(
            database_url,
            fake_zalo,
            telegram_token=TELEGRAM_TOKEN,
            telegram_api_base=api.base_url,
            telegram_chat_messages_per_second=1000.0,
            telegram_chat_burst=100,
        )
        async with runtime(settings) as running:
            assert {"telegram", "zalo_bot"} <= {adapter.name for adapter in running.channels}
            province = await build_province(running.db)
            yield Both(
                Bot(running, api, province, settings),  # type: ignore[arg-type]
                ZaloBot(running, fake_zalo, ZaloWorld(province.codes), settings),
                province,
            )


def code_in(reply: str) -> str:
    line = next(line for line in reply.splitlines() if line.startswith(CODE_LINE))
    return line.removeprefix(CODE_LINE).strip()


async def test_the_draft_started_on_telegram_continues_on_zalo_and_back(both: Both) -> None:
    on_telegram = TelegramCadre(both.telegram, 7001)
    assert "Chào mừng" in await on_telegram.says(f"/start {both.province.codes['X11']}")
    await on_telegram.says("/baocao")
    await on_telegram.says("Đã tổ chức tốt các hội nghị.")
    assert "Số hội nghị" in await on_telegram.says("tiếp")

    asked = await on_telegram.says("/lienket")
    code = code_in(asked)
    assert "10 phút" in asked

    on_zalo = ZaloCadre(both.zalo, "zalo-7001")
    linked = await on_zalo.says(code)
    assert "Đã liên kết với tài khoản Telegram của anh/chị (Xã Một Một)" in linked
    resumed = await on_zalo.says("báo cáo")
    assert "Câu 2/3" in resumed and "Số hội nghị" in resumed, "the same draft, where it stopped"
    assert "Đã lưu câu 2: 12" in await on_zalo.says("12")

    back = await on_telegram.says("tiếp tục")
    assert "Câu 3/3" in back and "Kiến nghị" in back, "Telegram sees what was answered on Zalo"


async def test_a_code_is_used_once_and_not_by_an_account_already_joined(both: Both) -> None:
    on_telegram = TelegramCadre(both.telegram, 7002)
    await on_telegram.says(f"/start {both.province.codes['X12']}")
    code = code_in(await on_telegram.says("liên kết"))

    other = ZaloCadre(both.zalo, "zalo-other")
    assert "Chào mừng" in await other.says(both.province.codes["X21"])
    assert "đã tham gia rồi" in await other.says(f"/lienket {code}"), "a joined account links nothing"

    mine = ZaloCadre(both.zalo, "zalo-7002")
    assert "Đã liên kết" in await mine.says(f"/lienket {code.lower()}")
    third = ZaloCadre(both.zalo, "zalo-third")
    assert "đã được dùng" in await third.says(code)
    assert "Chào mừng" not in await third.says("báo cáo"), "the third account is nobody"


async def test_wrong_codes_count_against_the_join_limits(both: Both) -> None:
    guesser = ZaloCadre(both.zalo, "zalo-guess")
    replies = [await guesser.says(f"/lienket K7QM-4XP{digit}") for digit in "23456"]
    assert all("không đúng" in reply for reply in replies[:4])
    assert "phút" in replies[4], "told once, with the fifth, how long to wait"
    on_telegram = TelegramCadre(both.telegram, 7003)
    await on_telegram.says(f"/start {both.province.codes['X11']}")
    code = code_in(await on_telegram.says("/lienket"))
    assert await guesser.says(code) == "", "a right code is not even checked while the account waits"
