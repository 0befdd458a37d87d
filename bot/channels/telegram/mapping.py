"""Telegram ⇄ our values, with no I/O: an aiogram `Update` to an `Inbound`, a rendered message to a call.

Everything here is a pure function of its arguments, so the whole adapter can be tested without a
network, and the sender (sender.py) stays the only module that talks HTTP to Telegram.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aiogram.methods import AnswerCallbackQuery, SendDocument
from aiogram.types import BotCommand, BufferedInputFile, CallbackQuery, Message, Update

from bot.channels.base import RenderedMessage
from bot.channels.telegram import CAPABILITIES as CAPABILITIES  # re-exported: the mapping's facts
from bot.channels.telegram import CHANNEL
from bot.i18n import t
from bot.service import Inbound
from dialogs.events import Attachment, Incoming

MAX_CALLBACK_DATA_BYTES = 64
MAX_CAPTION = 1024

# "/start@BaoCaoBot K7QM-4XPA" in a group, or from a client that adds the bot's name: drop "@name".
_COMMAND_WITH_BOT = re.compile(r"^(/[A-Za-z0-9_]+)@[A-Za-z0-9_]+")

# The command menu (setMyCommands), in the order shown; descriptions come from the catalogs.
MENU_COMMANDS = (
    *("baocao", "tiep", "quaylai", "boqua", "sua", "xemlai", "nop", "tamdung", "ngonngu", "trogiup"),
)

_NO_PREVIEW = '{"is_disabled":true}'  # LinkPreviewOptions: no preview under a link in a report


def inbound_from_update(update: Update) -> Inbound | None:
    """What the member did, or None for an update the bot does not act on (edits, groups, joins)."""
    if update.message is not None:
        return _from_message(update.update_id, update.message)
    if update.callback_query is not None:
        return _from_callback(update.update_id, update.callback_query)
    return None


@dataclass(frozen=True)
class Notice:
    """Something a member sent that the report cannot take, and the catalog id of what to tell them."""

    user_id: str
    chat_id: str
    update_id: str
    text_id: str  # the catalog id of the answer


def notice_for(update: Update) -> Notice | None:
    """A private message the bot does not apply (an edit, a voice note, a sticker) but must answer.

    Dropping it silently would leave the member believing the bot took it.
    """
    edited = update.edited_message is not None
    message = update.edited_message if edited else update.message
    if message is None or message.chat.type != "private" or message.from_user is None:
        return None
    if not edited and (message.text is not None or _attachment(message) is not None):
        return None  # an ordinary message: applied, not noticed
    return Notice(
        user_id=str(message.from_user.id),
        chat_id=str(message.chat.id),
        update_id=str(update.update_id),
        text_id="telegram.notice.edited" if edited else "telegram.notice.unsupported",
    )


def callback_query_id(update: Update) -> str | None:
    """The id to answer so the member's button stops spinning, if this update is a button press."""
    return update.callback_query.id if update.callback_query is not None else None


def pressed_message(update: Update) -> tuple[str, str] | None:
    """The chat and message id under a pressed button, if this update is a press on a message we sent."""
    query = update.callback_query
    if query is None or query.message is None or query.message.chat is None:
        return None
    return str(query.message.chat.id), str(query.message.message_id)


def remove_keyboard(chat_id: str, message_id: str) -> dict[str, str]:
    """The form fields of editMessageReplyMarkup taking the buttons away from one message."""
    return {"chat_id": chat_id, "message_id": message_id}


def sender_key(update: Update) -> str | None:
    """Whose update this is: one member's updates must be applied in order, others' may interleave."""
    user = None
    if update.message is not None:
        user = update.message.from_user
    elif update.callback_query is not None:
        user = update.callback_query.from_user
    return str(user.id) if user is not None else None


def _from_message(update_id: int, message: Message) -> Inbound | None:
    # Reports are personal: the bot talks to one person at a time, never in a group.
    if message.chat.type != "private" or message.from_user is None:
        return None
    attachment = _attachment(message)
    text = message.text if message.text is not None else (message.caption or "")
    if not text and attachment is None:
        return None  # a sticker, a location, a contact...: nothing the report can use
    return Inbound(
        channel=CHANNEL,
        user_id=str(message.from_user.id),
        chat_id=str(message.chat.id),
        incoming=Incoming(text=_strip_bot_name(text), attachment=attachment),
        update_id=str(update_id),
        display_name=message.from_user.full_name,
    )


def _from_callback(update_id: int, query: CallbackQuery) -> Inbound | None:
    if not query.data:
        return None
    message = query.message
    if message is not None and message.chat.type != "private":
        return None
    chat_id = message.chat.id if message is not None else query.from_user.id
    return Inbound(
        channel=CHANNEL,
        user_id=str(query.from_user.id),
        chat_id=str(chat_id),
        incoming=Incoming(action=query.data),
        update_id=str(update_id),
        display_name=query.from_user.full_name,
    )


def _strip_bot_name(text: str) -> str:
    return _COMMAND_WITH_BOT.sub(r"\1", text, count=1)


def _attachment(message: Message) -> Attachment | None:
    if message.photo:
        # Telegram sends every size it made of the photo, smallest first; keep the original.
        photo = message.photo[-1]
        return Attachment(kind="photo", file_id=photo.file_id, size=photo.file_size)
    if message.document is not None:
        document = message.document
        return Attachment(
            kind="document", file_id=document.file_id, name=document.file_name, size=document.file_size
        )
    return None


def keyboard(message: RenderedMessage) -> dict[str, Any]:
    """The inline keyboard (InlineKeyboardMarkup) of a rendered message; callback data = engine action."""
    rows = []
    for row in message.buttons:
        for button in row:
            if not 0 < len(button.action.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise ValueError(f"callback data must be 1-64 bytes: {button.action!r}")
        rows.append([{"text": b.label, "callback_data": b.action} for b in row])
    return {"inline_keyboard": rows}


def send_message(chat_id: str, message: RenderedMessage) -> dict[str, str]:
    """The form fields of sendMessage for one rendered message (its text already HTML-escaped)."""
    fields = {
        "chat_id": chat_id,
        "text": message.text,
        "parse_mode": "HTML",
        "link_preview_options": _NO_PREVIEW,
    }
    if message.buttons:
        fields["reply_markup"] = json.dumps(keyboard(message), ensure_ascii=False, separators=(",", ":"))
    return fields


def edit_message(chat_id: str, message_id: str, message: RenderedMessage) -> dict[str, str]:
    """The form fields of editMessageText changing one message sent before to `message`."""
    fields = send_message(chat_id, message)
    fields["message_id"] = message_id
    return fields


def send_document(chat_id: str, filename: str, content: bytes, caption: str = "") -> SendDocument:
    """The sendDocument call uploading `content` as `filename` (caption already HTML-escaped)."""
    return SendDocument(
        chat_id=int(chat_id),
        document=BufferedInputFile(content, filename=filename),
        caption=caption[:MAX_CAPTION] or None,
        parse_mode="HTML" if caption else None,
    )


def answer_callback(query_id: str) -> AnswerCallbackQuery:
    """The answerCallbackQuery call that stops the button's spinner (the reply comes as a message)."""
    return AnswerCallbackQuery(callback_query_id=query_id)


def webhook_answer(query_id: str) -> dict[str, Any]:
    """answerCallbackQuery as a webhook response body: Telegram runs it, saving us a request."""
    return {"method": "answerCallbackQuery", "callback_query_id": query_id}


def menu(locale: str) -> list[BotCommand]:
    """The bot's command menu in `locale`."""
    return [
        BotCommand(command=name, description=t(f"telegram.command.{name}", locale)) for name in MENU_COMMANDS
    ]
