"""A district supervisor on Telegram: lists, buttons, a return told at once to the commune's chat, and
forged callback data naming a unit outside the subtree."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.invites import create_invite
from storage.models import Submission
from storage.units import unit_by_code
from tests.bot.oversight_world import use_small_outline
from tests.channels.telegram.conftest import Bot, Cadre
from tests.dialogs.conftest import DOCUMENT
from tests.secret import SECRET

OUTSIDE = ("Tỉnh Mẫu", "Bí mật")


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    use_small_outline(monkeypatch)


async def supervisor(bot: Bot, user_id: int, unit: str) -> Cadre:
    async with bot.runtime.db.session() as session, session.begin():
        code = await create_invite(
            session, unit, "supervisor", uses=1, days=30, now=datetime.now(UTC), secret=SECRET
        )
    cadre = Cadre(bot, user_id)
    assert "Chào mừng" in await cadre.says(f"/start {code}")
    return cadre


async def submitted(bot: Bot, user_id: int, unit: str, assessment: str) -> Cadre:
    cadre = Cadre(bot, user_id)
    await cadre.says(f"/start {bot.world.codes[unit]}")
    await cadre.says("/baocao")
    for text in (assessment, "tiếp", "12", "Không có kiến nghị.", "tiếp", "nộp", "có", *DOCUMENT, "bỏ qua"):
        await cadre.says(text)
    return cadre


async def unit_ids(bot: Bot) -> dict[str, int]:
    async with bot.runtime.db.session() as session:
        return {code: (await unit_by_code(session, code)).id for code in ("T", "H", "X1", "X2")}  # type: ignore[union-attr]


async def test_the_district_returns_a_report_by_buttons_and_the_commune_is_told_at_once(
    bot: Bot, small: None
) -> None:
    commune = await submitted(bot, 101, "X1", "Tốt.")
    district = await supervisor(bot, 201, "H")
    ids = await unit_ids(bot)

    listed = await district.says("ai chưa nộp")
    assert "1 đơn vị chưa nộp" in listed and "Xã Hai (X2)" in listed
    assert ("📄 X2", f"ov:r:{ids['X2']}:0") in district.buttons()

    review = await district.presses(f"ov:r:{ids['X1']}:0")
    assert "Trạng thái: đã nộp, phiên bản 1." in review and "→ Tốt." in review
    assert ("✅ Duyệt phiên bản 1", f"ov:a:{ids['X1']}:1") in district.buttons()
    assert ("Trang sau ▶", f"ov:r:{ids['X1']}:1") in district.buttons()
    assert "gõ lý do trả lại" in await district.presses(f"ov:t:{ids['X1']}:1")
    done = await district.says("Thiếu số liệu <hội nghị> & đơn thư.")
    assert "Đã trả lại báo cáo của Xã Một (phiên bản 1)" in done and "Đã báo cho 1 cán bộ" in done

    # The notice goes out through the outbox's poller, to the commune's own chat, escaped for HTML.
    def told() -> bool:
        return any(
            "Thiếu số liệu &lt;hội nghị&gt; &amp; đơn thư." in c.params["text"] for c in bot.api.messages(101)
        )

    await bot.api.until(told)
    assert any("đã được cấp trên trả lại" in c.params["text"] for c in bot.api.messages(101))
    async with bot.runtime.db.session() as session:
        assert (await session.execute(select(Submission.status))).scalars().all() == ["returned"]
    commune.seen = len(bot.api.messages(101))
    assert "Thiếu số liệu" in await commune.says("tiếp tục")


async def test_forged_callback_data_naming_another_unit_reveals_nothing(bot: Bot, small: None) -> None:
    await submitted(bot, 101, "X1", "Bí mật của xã Một.")
    district = await supervisor(bot, 201, "X2")  # a commune's own supervisor: X1 is outside
    ids = await unit_ids(bot)
    before = bot.api.messages(201)[-1].params["text"]
    for forged in (
        f"ov:r:{ids['X1']}:0", f"ov:m:{ids['T']}:0", f"ov:p:{ids['H']}:0", f"ov:a:{ids['X1']}:1",
        f"ov:t:{ids['X1']}:1", "ov:m:999999:0", "ov:r:abc",
    ):  # fmt: skip
        reply = await district.presses(forged)
        assert reply, forged  # one sentence, and the press is answered
        assert not any(word in reply for word in ("Xã Một", "Huyện Mẫu", *OUTSIDE)), (forged, reply)
    assert before
    async with bot.runtime.db.session() as session:
        assert (await session.execute(select(Submission.status))).scalars().all() == ["submitted"]
    # A reporter pressing a supervisor's button is told it is for supervisors.
    reporter = Cadre(bot, 101)
    reporter.seen = len(bot.api.messages(101))
    reply = await reporter.presses(f"ov:m:{ids['H']}:0")
    assert "Huyện Mẫu" not in reply and "Xã Hai" not in reply
