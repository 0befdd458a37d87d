"""The Telegram bot in this process: updates through aiogram's dispatcher, replies to a fake Bot API."""

from __future__ import annotations

import asyncio
import html
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

import bot.service
from bot.channels.telegram.runner import NotApplied
from dialogs.loader import load_outline
from storage.models import Answer, OutboxMessage
from tests.channels.telegram.conftest import Bot, Cadre
from tests.channels.telegram.fake_bot_api import (
    callback_update,
    document_update,
    photo_update,
    text_update,
)
from tests.dialogs.conftest import DOCUMENT

CHOICES = load_outline((Path(__file__).parent / "fixtures" / "choices.yaml").read_text(encoding="utf-8"))


async def answers(bot: Bot) -> dict[str, Answer]:
    async with bot.runtime.db.session() as session:
        rows = (await session.execute(select(Answer))).scalars()
        return {row.question_id: row for row in rows}


async def joined(bot: Bot, user_id: int = 101, unit: str = "X1") -> Cadre:
    cadre = Cadre(bot, user_id)
    assert "Chào mừng" in await cadre.says(f"/start {bot.world.codes[unit]}")
    return cadre


@pytest.fixture
def choices_outline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Campaigns use the small outline with choice, multi and yes/no questions."""
    monkeypatch.setattr(bot.service, "get_outline", lambda *args, **kwargs: CHOICES)


async def test_nobody_without_a_code_gets_in_and_a_deep_link_joins(bot: Bot) -> None:
    stranger = Cadre(bot, 999)
    assert "mã mời" in await stranger.says("/baocao")
    cadre = Cadre(bot, 101)
    reply = await cadre.says(f"/start {bot.world.codes['X1']}")
    assert "Chào mừng" in reply and "Xã Một" in reply
    assert "Mục 1/5" in await cadre.says("/baocao")


async def test_the_code_can_be_typed_instead_of_the_deep_link(bot: Bot) -> None:
    cadre = Cadre(bot, 102)
    assert "Chào mừng" in await cadre.says(bot.world.codes["X2"].lower().replace("-", ""))


async def test_choices_multi_and_yes_no_come_as_buttons_tied_to_their_question(
    bot: Bot, choices_outline: None
) -> None:
    cadre = await joined(bot)
    await cadre.says("/baocao")
    assert cadre.buttons()[:3] == [
        ("1. Xã, phường, thị trấn", "c:loai_hinh:0"),
        ("2. Cơ quan", "c:loai_hinh:1"),
        ("3. Không thuộc loại nào", "c:loai_hinh:2"),
    ]
    assert "Câu 2" in await cadre.presses("c:loai_hinh:0")
    await cadre.says("12")
    assert ("☐ 1. Đất đai", "m:linh_vuc:0") in cadre.buttons()
    await cadre.presses("m:linh_vuc:0")
    assert ("☑ 1. Đất đai", "m:linh_vuc:0") in cadre.buttons()
    await cadre.presses("m:linh_vuc:2")
    await cadre.presses("d:linh_vuc")
    await cadre.says("Lĩnh vực y tế")
    assert ("Câu tiếp ▶", "n:linh_vuc_khac") in cadre.buttons()
    await cadre.presses("n:linh_vuc_khac")
    assert cadre.buttons()[:2] == [("Có", "c:co_ban_chi_dao:0"), ("Không", "c:co_ban_chi_dao:1")]
    await cadre.presses("c:co_ban_chi_dao:0")
    stored = await answers(bot)
    assert stored["loai_hinh"].value == "xa"
    assert stored["linh_vuc"].value == ["dat_dai", "khac"]
    assert stored["co_ban_chi_dao"].value is True
    assert all(len(data.encode()) <= 64 for _, data in cadre.buttons())


async def test_submitting_asks_for_confirmation_with_buttons_and_gives_a_receipt(
    bot: Bot, choices_outline: None
) -> None:
    cadre = await joined(bot)
    await cadre.says("/baocao")
    await cadre.presses("c:loai_hinh:1")
    await cadre.presses("s:linh_vuc")
    await cadre.presses("c:co_ban_chi_dao:1")
    await cadre.presses("s:kinh_phi")
    await cadre.says("Tốt")
    await cadre.presses("n:danh_gia")
    assert ("Nộp báo cáo", "sub") in cadre.buttons()
    await cadre.presses("sub")
    assert cadre.buttons() == [("✅ Nộp", "ok:1"), ("Chưa", "no")]
    assert "Chưa nộp" in await cadre.presses("no")
    await cadre.presses("sub")
    assert "(1/7) Số, ký hiệu văn bản" in await cadre.presses("ok:1")
    for detail in DOCUMENT:  # the document's details, then no photo of the signed paper
        await cadre.says(detail)
    assert cadre.buttons()[0] == ("Nộp không kèm ảnh", "ok:1:skip")
    receipt = await cadre.presses("ok:1:skip")
    assert "✅ Đã nộp báo cáo." in receipt and "Văn bản: số 12-BC/ĐU" in receipt
    # The confirmation pressed again later is stale: it must not submit a second time silently.
    again = await cadre.presses("ok:1")
    assert again


async def test_a_button_from_an_old_message_never_answers_another_question(
    bot: Bot, choices_outline: None
) -> None:
    cadre = await joined(bot)
    await cadre.says("/baocao")
    await cadre.presses("c:loai_hinh:0")  # now on question 2, a number
    reply = await cadre.presses("c:co_ban_chi_dao:0")  # a yes/no button of a question not reached
    stored = await answers(bot)
    assert "so_thon" not in stored, "the current question is untouched"
    reply = await cadre.presses("n:loai_hinh")  # "next" under the first question's old message
    assert "Câu 2" in reply
    assert (await answers(bot))["loai_hinh"].value == "xa"
    assert "so_thon" not in await answers(bot)


async def test_the_same_update_delivered_twice_is_applied_once(bot: Bot) -> None:
    cadre = await joined(bot)
    await cadre.says("/baocao")
    raw = text_update(cadre.user_id, "Đã tổ chức 12 hội nghị", update_id=bot.api.next_update_id())
    await cadre.deliver(json.loads(json.dumps(raw)))
    await cadre.deliver(json.loads(json.dumps(raw)))
    assert len(await cadre.replies()) == 1
    assert (await answers(bot))["tt_tuyen_truyen"].value == "Đã tổ chức 12 hội nghị"


async def test_a_photo_and_a_document_are_kept_with_the_current_answer(bot: Bot) -> None:
    cadre = await joined(bot)
    await cadre.says("/baocao")
    await cadre.deliver(photo_update(cadre.user_id, caption="Ảnh hội nghị"))
    await cadre.deliver(document_update(cadre.user_id, "bien-ban.pdf", 52_000))
    await cadre.replies()
    files = (await answers(bot))["tt_tuyen_truyen"].attachments
    assert {"kind": "photo", "file_id": "PHOTO-large", "name": None, "size": 98_765} in files
    assert {"kind": "document", "file_id": "DOC-1", "name": "bien-ban.pdf", "size": 52_000} in files


async def test_ngonngu_switches_the_member_to_english_and_back(bot: Bot) -> None:
    cadre = await joined(bot)
    assert "English" in await cadre.says("/ngonngu") or "Switched" in "".join(bot.api.texts(101)[-1:])
    assert "Section 1/5" in await cadre.says("/baocao")
    assert "tiếng Việt" in await cadre.says("/ngonngu")


async def test_a_4096_character_answer_with_markup_comes_back_escaped_split_and_whole(bot: Bot) -> None:
    cadre = await joined(bot)
    await cadre.says("/baocao")
    sentence = "Nhân dân <b>được biết</b>, được bàn & được kiểm tra ở cơ sở. "
    answer = (sentence * 80)[:4096].strip()
    await cadre.says(answer)
    assert (await answers(bot))["tt_tuyen_truyen"].value == answer
    await cadre.deliver(callback_update(cadre.user_id, "v:tt_tuyen_truyen"))
    shown = [call.params["text"] for call in await cadre.replies()]
    assert len(shown) >= 2, "the answer with its label is longer than one message: split"
    assert all("<b>" not in piece for piece in shown), "the member's text is escaped"
    assert all(len(html.unescape(piece)) <= 4096 for piece in shown)
    assert any("&lt;b&gt;" in piece and "&amp;" in piece for piece in shown)
    joined_text = re.sub(r"\s+", " ", html.unescape(" ".join(shown)))
    assert re.sub(r"\s+", " ", answer) in joined_text, "nothing lost"
    assert all(call.params.get("parse_mode") == "HTML" for call in bot.api.messages(cadre.user_id))


async def test_an_update_that_fails_half_way_is_not_acknowledged_then_applied_once(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    cadre = await joined(bot)
    await cadre.says("/baocao")
    real_handle = bot.runtime.service.handle
    failures = [OperationalError("SELECT", {}, ConnectionError("database down"))]

    async def handle_once_broken(inbound, within=None):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        return await real_handle(inbound, within)

    monkeypatch.setattr(bot.runtime.service, "handle", handle_once_broken)
    raw = text_update(cadre.user_id, "Câu trả lời quan trọng", update_id=bot.api.next_update_id())
    with pytest.raises(NotApplied):
        await cadre.deliver(dict(raw))
    assert await cadre.replies() == [] and "tt_tuyen_truyen" not in await answers(bot)
    await cadre.deliver(dict(raw))  # Telegram delivers it again
    assert len(await cadre.replies()) == 1
    assert (await answers(bot))["tt_tuyen_truyen"].value == "Câu trả lời quan trọng"


async def test_an_update_that_keeps_failing_ends_with_asking_the_member_to_send_it_again(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    cadre = await joined(bot)

    async def broken(inbound, within=None):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    monkeypatch.setattr(bot.runtime.service, "handle", broken)
    raw = text_update(cadre.user_id, "/baocao", update_id=bot.api.next_update_id())
    for _ in range(2):
        with pytest.raises(NotApplied):
            await cadre.deliver(dict(raw))
    await cadre.deliver(dict(raw))  # the third time it is acknowledged, with a word to the member
    [reply] = await cadre.replies()
    assert "gửi lại" in reply.params["text"]


async def test_polling_applies_each_update_once_in_order_and_never_skips_a_failed_one(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = bot.api
    first, second = await joined(bot, 101, "X1"), await joined(bot, 102, "X2")
    for cadre in (first, second):
        await cadre.says("/baocao")
    real_handle = bot.runtime.service.handle
    broken_once = {"Phần 1"}

    async def flaky(inbound, within=None):  # type: ignore[no-untyped-def]
        if inbound.incoming.text in broken_once:
            broken_once.clear()
            raise OperationalError("UPDATE", {}, ConnectionError("database down"))
        return await real_handle(inbound, within)

    monkeypatch.setattr(bot.runtime.service, "handle", flaky)
    ids = [
        api.push_update(text_update(101, "Phần 1")),
        api.push_update(text_update(102, "Xã Hai trả lời")),
        api.push_update(text_update(101, "Phần 2")),
    ]
    stop = asyncio.Event()
    polling = asyncio.create_task(bot.runtime.telegram.poll(stop, timeout=1))
    try:
        await api.until(lambda: api.confirmed_below > ids[-1], timeout=15)
    finally:
        stop.set()
        await polling
    async with bot.runtime.db.session() as session:
        values = sorted((await session.execute(select(Answer.value))).scalars())
    assert values == ["Phần 1\n\nPhần 2", "Xã Hai trả lời"], "each applied once, a member's in order"
    offsets = [int(call.params.get("offset", 0)) for call in api.calls_of("getUpdates")]
    assert ids[0] in offsets, "after the failure, polling asked for the failed update again"


async def test_a_members_messages_arriving_together_are_handled_in_order(bot: Bot) -> None:
    cadre = await joined(bot)
    await cadre.says("/baocao")
    raws = [text_update(cadre.user_id, f"Đoạn {i}", update_id=bot.api.next_update_id()) for i in range(6)]
    await asyncio.gather(*(cadre.deliver(raw) for raw in raws))
    value = (await answers(bot))["tt_tuyen_truyen"].value
    assert re.findall(r"Đoạn (\d)", value) == [str(i) for i in range(6)]
    await cadre.replies()
    assert [row.chat_id for row in await outbox_rows(bot)].count(str(cadre.user_id)) >= 6


async def test_a_429_from_telegram_is_waited_out_and_the_reply_sent_once(bot: Bot) -> None:
    cadre = await joined(bot)
    bot.api.fail("sendMessage", 429, retry_after=1)
    await cadre.deliver(text_update(cadre.user_id, "/baocao"))
    tries = await cadre.replies()  # the fake Bot API records refused calls too
    assert len(tries) == 2 and tries[0].params["text"] == tries[1].params["text"], "refused, then sent once"
    assert tries[1].at - tries[0].at >= 1.0, "retry_after honoured"
    # Outcomes are written back in batches, just after the send.
    for _ in range(200):
        rows = await outbox_rows(bot)
        if all(row.status == "sent" for row in rows):
            break
        await asyncio.sleep(0.02)
    assert [row.status for row in rows] == ["sent"] * len(rows)


async def test_a_button_press_seen_by_polling_is_answered(bot: Bot, choices_outline: None) -> None:
    cadre = await joined(bot)
    await cadre.says("/baocao")
    update_id = bot.api.push_update(callback_update(cadre.user_id, "c:loai_hinh:1"))
    stop = asyncio.Event()
    polling = asyncio.create_task(bot.runtime.telegram.poll(stop, timeout=1))
    try:
        await bot.api.until(lambda: bot.api.confirmed_below > update_id)
        await bot.api.until(lambda: len(bot.api.calls_of("answerCallbackQuery")) == 1)
    finally:
        stop.set()
        await polling
    assert (await answers(bot))["loai_hinh"].value == "co_quan"


async def outbox_rows(bot: Bot) -> list[OutboxMessage]:
    async with bot.runtime.db.session() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def test_a_voice_note_or_an_edit_gets_a_word_back_once(bot: Bot) -> None:
    cadre = await joined(bot)
    voice = text_update(cadre.user_id, "", update_id=bot.api.next_update_id())
    del voice["message"]["text"]
    voice["message"]["voice"] = {"file_id": "V", "file_unique_id": "v", "duration": 3}
    await cadre.deliver(json.loads(json.dumps(voice)))
    await cadre.deliver(json.loads(json.dumps(voice)))
    edit = {"edited_message": text_update(cadre.user_id, "sửa lại")["message"]}
    await cadre.deliver(edit)
    await bot.api.until(lambda: len(bot.api.texts(cadre.user_id)) >= 3)
    await asyncio.sleep(0.2)
    said = [call.params["text"] for call in await cadre.replies()]
    assert len(said) == 2, "the voice note delivered twice is answered once"
    assert "tin thoại" in said[0] and "đã sửa" in said[1]


async def test_a_pressed_buttons_keyboard_is_taken_away_once_the_press_is_applied(
    bot: Bot, choices_outline: None
) -> None:
    cadre = await joined(bot)
    await cadre.says("/baocao")
    await cadre.deliver(callback_update(cadre.user_id, "c:loai_hinh:0", message_id=77))
    await cadre.replies()
    await bot.api.until(lambda: len(bot.api.calls_of("editMessageReplyMarkup")) == 1)
    [edit] = bot.api.calls_of("editMessageReplyMarkup")
    assert edit.params == {"chat_id": str(cadre.user_id), "message_id": "77"}, "no reply_markup: none left"
    assert cadre.buttons(), "the new question's message keeps its buttons"
