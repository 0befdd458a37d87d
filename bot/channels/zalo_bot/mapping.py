"""Pure: a Zalo Bot update (webhook body or getUpdates result) to our values, and back to sendMessage.

The Zalo Bot Platform sends one update per webhook call and per getUpdates answer, either flat
(`{"event_name": ..., "message": {...}}`) or wrapped as `{"ok": true, "result": {...}}`; both are
read here. Updates carry no update id: the message's `message_id` (a string) names it, and a
repeat of one already applied is recognised by the service's claim on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.channels.zalo_bot import CHANNEL
from bot.service import Inbound
from dialogs.events import Attachment, Incoming

TEXT = "message.text.received"
IMAGE = "message.image.received"
STICKER = "message.sticker.received"
UNSUPPORTED = "message.unsupported.received"
# What the report cannot take but the member must hear about, rather than see it vanish.
_NOTICED = frozenset({STICKER, UNSUPPORTED, "message.voice.received", "message.file.received"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Sender(_Model):
    id: str
    display_name: str = ""
    is_bot: bool = False


class Chat(_Model):
    id: str
    chat_type: str = "PRIVATE"


class Message(_Model):
    message_id: str
    from_: Sender | None = Field(default=None, alias="from")
    chat: Chat
    text: str | None = None
    photo_url: str | None = None
    caption: str | None = None
    date: int | None = None

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Update(_Model):
    """One update as the platform sends it (ids are strings; unknown fields ignored)."""

    event_name: str
    message: Message | None = None


class NotAnUpdate(ValueError):
    """A body that is not JSON or not an update (the webhook answers 400)."""


def parse_update(body: bytes | str | dict[str, Any]) -> Update:
    """The update in a webhook body or a getUpdates answer, flat or wrapped in {"ok", "result"}."""
    try:
        data = json.loads(body) if isinstance(body, bytes | str) else body
    except (ValueError, UnicodeDecodeError) as error:
        raise NotAnUpdate("not JSON") from error
    if isinstance(data, dict) and "result" in data and "event_name" not in data:
        data = data["result"]
    if not isinstance(data, dict):
        raise NotAnUpdate("not an object")
    try:
        return Update.model_validate(_stringify_ids(data))
    except ValidationError as error:
        raise NotAnUpdate("not an update") from error


def _stringify_ids(data: dict[str, Any]) -> dict[str, Any]:
    # "All ids are strings", but a number where a string is expected must not refuse the update.
    message = data.get("message")
    if isinstance(message, dict):
        message = dict(message)
        if isinstance(message.get("message_id"), int):
            message["message_id"] = str(message["message_id"])
        for key in ("from", "chat"):
            part = message.get(key)
            if isinstance(part, dict) and isinstance(part.get("id"), int):
                message[key] = {**part, "id": str(part["id"])}
        data = {**data, "message": message}
    return data


def _private(update: Update) -> Message | None:
    """The message of a person's private chat with the bot; None for groups and the bot's own."""
    message = update.message
    if message is None or message.from_ is None or message.from_.is_bot:
        return None
    if message.chat.chat_type.upper() != "PRIVATE":
        return None  # reports are personal: groups are ignored
    return message


def update_key(update: Update) -> str | None:
    """What names the update for deduplication: its message id."""
    return update.message.message_id if update.message is not None else None


def member_key(update: Update) -> str | None:
    """Whose update this is, so one member's updates are applied in order."""
    return update.message.from_.id if update.message is not None and update.message.from_ else None


def inbound_from_update(update: Update) -> Inbound | None:
    """What the member did, or None for an update the bot does not act on."""
    message = _private(update)
    if message is None or message.from_ is None:
        return None
    if update.event_name == TEXT and message.text is not None:
        incoming = Incoming(text=message.text)
    elif update.event_name == IMAGE and message.photo_url:
        # A photo of the signed paper, kept with the current answer by its address.
        incoming = Incoming(
            text=message.caption or "", attachment=Attachment("photo", message.photo_url[:1000])
        )
    else:
        return None
    return Inbound(
        channel=CHANNEL,
        user_id=message.from_.id,
        chat_id=message.chat.id,
        incoming=incoming,
        update_id=f"m:{message.message_id}",
        display_name=message.from_.display_name,
    )


@dataclass(frozen=True)
class Notice:
    """Something a member sent that the report cannot take, and the catalog id of what to tell them."""

    user_id: str
    chat_id: str
    update_id: str
    text_id: str


def notice_for(update: Update) -> Notice | None:
    """A sticker, a voice note or a file in a private chat: answered once, never silently dropped."""
    message = _private(update)
    if message is None or message.from_ is None or update.event_name not in _NOTICED:
        return None
    return Notice(message.from_.id, message.chat.id, f"m:{message.message_id}", "zalo_bot.notice.unsupported")


def send_message_fields(chat_id: str, text: str) -> dict[str, str]:
    """sendMessage's body: plain text (no markup on the Zalo Bot), within 2,000 characters."""
    return {"chat_id": chat_id, "text": text}
