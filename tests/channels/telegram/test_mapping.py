"""The pure Telegram mapping: updates in, Bot API calls out; no network, no database."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from aiogram.types import Update

from bot.channels.base import RenderedButton, RenderedMessage
from bot.channels.telegram import mapping
from bot.render import render
from dialogs.events import Attachment, Button, Msg, Reply
from dialogs.text import utf16_len
from tests.channels.telegram.fake_bot_api import (
    callback_update,
    document_update,
    photo_update,
    text_update,
)


def update(raw: dict[str, Any], update_id: int = 7) -> Update:
    raw.setdefault("update_id", update_id)
    return Update.model_validate(raw)


def test_a_text_message_becomes_the_members_text() -> None:
    inbound = mapping.inbound_from_update(update(text_update(42, "Xin chào"), 7))
    assert inbound is not None
    assert (inbound.channel, inbound.user_id, inbound.chat_id) == ("telegram", "42", "42")
    assert inbound.update_id == "7"
    assert inbound.incoming.text == "Xin chào"
    assert inbound.incoming.action is None and inbound.incoming.attachment is None
    assert inbound.display_name == "Cán bộ"


def test_a_deep_link_arrives_as_start_with_the_code() -> None:
    inbound = mapping.inbound_from_update(update(text_update(42, "/start K7QM-4XPA")))
    assert inbound is not None and inbound.incoming.text == "/start K7QM-4XPA"


def test_the_bot_name_after_a_command_is_dropped() -> None:
    inbound = mapping.inbound_from_update(update(text_update(42, "/start@BaoCaoTestBot K7QM-4XPA")))
    assert inbound is not None and inbound.incoming.text == "/start K7QM-4XPA"


def test_a_button_press_becomes_the_engines_action() -> None:
    raw = callback_update(42, "c:loai_hinh:1")
    inbound = mapping.inbound_from_update(update(raw))
    assert inbound is not None
    assert inbound.incoming.action == "c:loai_hinh:1" and inbound.incoming.text == ""
    assert inbound.chat_id == "42"
    assert mapping.callback_query_id(update(raw)) == raw["callback_query"]["id"]


def test_a_photo_is_kept_by_its_largest_size_with_its_caption_as_text() -> None:
    inbound = mapping.inbound_from_update(update(photo_update(42, caption="Biên bản hội nghị")))
    assert inbound is not None
    assert inbound.incoming.attachment == Attachment(kind="photo", file_id="PHOTO-large", size=98_765)
    assert inbound.incoming.text == "Biên bản hội nghị"


def test_a_document_is_kept_with_its_name_and_size() -> None:
    inbound = mapping.inbound_from_update(update(document_update(42, "bao-cao.pdf", 123_456)))
    assert inbound is not None
    assert inbound.incoming.attachment == Attachment(
        kind="document", file_id="DOC-1", name="bao-cao.pdf", size=123_456
    )


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({"edited_message": text_update(42, "sửa")["message"]}, id="edited"),
        pytest.param(
            {"message": {**text_update(42, "nhóm")["message"],
                         "chat": {"id": -5, "type": "group", "title": "G"}}},
            id="group",
        ),
        pytest.param(
            {"message": {k: v for k, v in text_update(42, "x")["message"].items() if k != "text"}
             | {"sticker": {"file_id": "S", "file_unique_id": "s", "width": 1, "height": 1,
                            "is_animated": False, "is_video": False, "type": "regular"}}},
            id="sticker",
        ),
    ],
)
def test_updates_the_bot_does_not_act_on_are_ignored(raw: dict[str, Any]) -> None:
    assert mapping.inbound_from_update(update(raw)) is None


def test_an_edit_or_a_voice_note_is_answered_not_dropped() -> None:
    edited = mapping.notice_for(update({"edited_message": text_update(42, "sửa")["message"]}, 9))
    assert edited == mapping.Notice("42", "42", "9", "telegram.notice.edited")
    voice = text_update(42, "")
    del voice["message"]["text"]
    voice["message"]["voice"] = {"file_id": "V", "file_unique_id": "v", "duration": 3}
    notice = mapping.notice_for(update(voice))
    assert notice is not None and notice.text_id == "telegram.notice.unsupported"
    assert mapping.notice_for(update(text_update(42, "một câu trả lời"))) is None
    assert mapping.notice_for(update(photo_update(42))) is None
    group = text_update(42, "")
    group["message"]["chat"] = {"id": -5, "type": "group", "title": "G"}
    assert mapping.notice_for(update(group)) is None


def test_a_message_is_sent_as_html_with_its_inline_keyboard() -> None:
    message = RenderedMessage(
        "Câu 5: &lt;b&gt;", ((RenderedButton("Có", "c:q:0"), RenderedButton("Không", "c:q:1")),
                             (RenderedButton("◀ Quay lại", "b:q"),))
    )
    fields = mapping.send_message("42", message)
    assert fields["chat_id"] == "42" and fields["parse_mode"] == "HTML"
    assert fields["text"] == "Câu 5: &lt;b&gt;"
    assert json.loads(fields["link_preview_options"]) == {"is_disabled": True}
    rows = [[(b["text"], b["callback_data"]) for b in row]
            for row in json.loads(fields["reply_markup"])["inline_keyboard"]]
    assert rows == [[("Có", "c:q:0"), ("Không", "c:q:1")], [("◀ Quay lại", "b:q")]]
    assert "reply_markup" not in mapping.send_message("42", RenderedMessage("Không có nút"))


def test_callback_data_longer_than_64_bytes_is_refused_before_telegram_sees_it() -> None:
    too_long = "c:" + "đ" * 32  # 66 bytes in UTF-8
    with pytest.raises(ValueError):
        mapping.send_message("42", RenderedMessage("x", ((RenderedButton("x", too_long),),)))


def test_a_long_answer_with_markup_characters_is_escaped_split_and_kept_whole() -> None:
    paragraph = "Nhân dân <b>được biết</b> & được bàn, được làm & được kiểm tra. "
    text = (paragraph * 70)[:4096]
    assert len(text) == 4096
    reply = Reply(body=(Msg("view", {}),), buttons=((Button(Msg("next"), "n:q", "tiếp"),),))
    # A catalog id the catalogs do not have renders as itself; a parameterless Msg is enough here.
    pieces = render(Reply(body=(Msg(text),), buttons=reply.buttons), "vi", mapping.CAPABILITIES)
    assert len(pieces) == 1, "4,096 characters shown fit one Telegram message, escapes counted once"
    assert "<b>" not in pieces[0].text and "&lt;b&gt;" in pieces[0].text and "&amp;" in pieces[0].text
    assert html.unescape(pieces[0].text) == text

    longer = render(Reply(body=(Msg("Mở đầu"), Msg(text)), buttons=reply.buttons), "vi", mapping.CAPABILITIES)
    assert len(longer) == 2
    shown = [html.unescape(piece.text) for piece in longer]
    assert all(utf16_len(piece) <= 4096 for piece in shown)
    assert re.sub(r"\s+", "", "".join(shown)) == re.sub(r"\s+", "", "Mở đầu" + text)
    assert not longer[0].buttons and longer[-1].buttons, "buttons ride on the last piece"


def test_the_command_menu_is_vietnamese_and_valid_for_telegram() -> None:
    commands = mapping.menu("vi")
    assert [c.command for c in commands][:2] == ["baocao", "tiep"]
    assert all(re.fullmatch(r"[a-z0-9_]{1,32}", c.command) for c in commands)
    assert all(0 < len(c.description) <= 256 for c in commands)
    assert any("Nộp" in c.description for c in commands)
    assert any("Submit" in c.description for c in mapping.menu("en"))


def test_a_button_press_is_answered_in_the_webhook_response() -> None:
    assert mapping.webhook_answer("cq1") == {"method": "answerCallbackQuery", "callback_query_id": "cq1"}
