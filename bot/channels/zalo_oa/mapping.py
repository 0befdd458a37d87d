"""Zalo OA ⇄ our values, with no I/O: the webhook's signature and events, the messages we send, and
what each error code Zalo answers means.

Everything here is a pure function of its arguments; client.py is the only module that talks HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

from bot.channels.base import DeliveryError, RenderedMessage
from bot.channels.zalo_oa import CHANNEL
from bot.service import Inbound
from dialogs.events import Attachment, Incoming

# Zalo shows at most this many buttons under one message; more go in messages that follow.
MAX_BUTTONS = 5
MAX_TITLE = 100  # characters of a button's title
# A pressed `oa.query.show` button comes back as the member's text: "<label> ▸<action>". The marker
# is a character nobody types in an answer, so a typed "#1" or "ok" is never taken for a press.
BUTTON_MARK = " ▸"
_PRESSED = re.compile(r"\s*▸([!-~]{1,64})\s*$")
# Webhook events older or newer than this (by their own timestamp) are refused: a captured request
# cannot be replayed later, and a clock far off is noticed.
MAX_EVENT_AGE_MS = 15 * 60 * 1000
MAX_EVENT_AHEAD_MS = 5 * 60 * 1000


# --- the webhook ----------------------------------------------------------------------------------


def signature(app_id: str, body: bytes, timestamp: str, secret_key: str) -> str:
    """`X-ZEvent-Signature` of a body: "mac=" + hex sha256(app_id + raw body + timestamp + OA secret key)."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret_key.encode()).hexdigest()
    return f"mac={digest}"


def signature_ok(header: str | None, app_id: str, body: bytes, timestamp: str, secret_key: str) -> bool:
    """Whether the header signs exactly these bytes (compared in constant time)."""
    if not header or not secret_key or not app_id:
        return False
    expected = signature(app_id, body, timestamp, secret_key)
    return hmac.compare_digest(header.strip().encode(), expected.encode())


def fresh(timestamp: str, now_ms: int) -> bool:
    """Whether an event's timestamp (milliseconds, as Zalo sends it) is close enough to now."""
    try:
        at = int(timestamp)
    except (TypeError, ValueError):
        return False
    return now_ms - MAX_EVENT_AGE_MS <= at <= now_ms + MAX_EVENT_AHEAD_MS


@dataclass(frozen=True)
class Event:
    """One webhook event, its ids as strings. `kind`: text, image, file, follow, unfollow or ignored."""

    kind: str
    name: str
    user_id: str = ""
    event_id: str = ""  # msg_id, or for follow/unfollow a key made of the event, user and timestamp
    text: str = ""
    attachment: Attachment | None = None


def _id(value: Any) -> str:
    return "" if value is None else str(value)


def _size(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_event(raw: Any) -> Event:
    """A webhook body (already JSON-decoded) as an Event; anything we do not act on is "ignored"."""
    if not isinstance(raw, dict):
        return Event("ignored", "")
    name = _id(raw.get("event_name"))
    timestamp = _id(raw.get("timestamp"))
    if name in ("follow", "unfollow"):
        follower = raw.get("follower") if isinstance(raw.get("follower"), dict) else {}
        user_id = _id(follower.get("id"))
        if not user_id:
            return Event("ignored", name)
        return Event(name, name, user_id, f"{name}:{user_id}:{timestamp}")
    if not name.startswith("user_send_"):
        return Event("ignored", name)  # oa_send_* echoes of our own messages, and anything new
    sender = raw.get("sender") if isinstance(raw.get("sender"), dict) else {}
    message = raw.get("message") if isinstance(raw.get("message"), dict) else {}
    user_id, msg_id = _id(sender.get("id")), _id(message.get("msg_id"))
    if not user_id or not msg_id:
        return Event("ignored", name)
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    if name == "user_send_text":
        return Event("text", name, user_id, msg_id, text)
    if name in ("user_send_image", "user_send_file"):
        attachment = _attachment(message)
        if attachment is not None:
            kind = "image" if attachment.kind == "photo" else "file"
            return Event(kind, name, user_id, msg_id, text, attachment)
    # A sticker, a GIF, a location, a link...: nothing a report can use, but the member is answered.
    return Event("unsupported", name, user_id, msg_id)


def _attachment(message: dict[str, Any]) -> Attachment | None:
    attachments = message.get("attachments")
    if not isinstance(attachments, list) or not attachments or not isinstance(attachments[0], dict):
        return None
    first = attachments[0]
    payload = first.get("payload") if isinstance(first.get("payload"), dict) else {}
    url = _id(payload.get("url"))
    if not url:
        return None
    if first.get("type") == "image":
        return Attachment(kind="photo", file_id=url, size=_size(payload.get("size")))
    return Attachment(
        kind="document", file_id=url, name=_id(payload.get("name")) or None, size=_size(payload.get("size"))
    )


def inbound(event: Event, display_name: str = "") -> Inbound | None:
    """What the member did, for the report service; None for an event that is not a message."""
    if event.kind == "text":
        pressed = pressed_action(event.text)
        incoming = Incoming(action=pressed) if pressed is not None else Incoming(text=event.text)
    elif event.kind in ("image", "file"):
        # A photo's caption comes with it, as on Telegram.
        incoming = Incoming(text=event.text, attachment=event.attachment)
    else:
        return None
    return Inbound(
        channel=CHANNEL,
        user_id=event.user_id,
        chat_id=event.user_id,
        incoming=incoming,
        update_id=event.event_id,
        display_name=display_name,
    )


# --- buttons --------------------------------------------------------------------------------------


def button_payload(label: str, action: str) -> str:
    """The text an `oa.query.show` button sends back as the member's message."""
    return f"{label[:60]}{BUTTON_MARK}{action}"


def pressed_action(text: str) -> str | None:
    """The action of a pressed button, if this text is one of our payloads."""
    match = _PRESSED.search(text)
    return match.group(1) if match else None


# --- sending --------------------------------------------------------------------------------------


def text_messages(user_id: str, message: RenderedMessage, more: str) -> list[dict[str, Any]]:
    """The `message/cs` bodies of one rendered message: its text with up to MAX_BUTTONS buttons, and
    for more buttons, messages of `more` text with the rest."""
    buttons = [button for row in message.buttons for button in row]
    if not buttons:
        return [_body(user_id, {"text": message.text})]
    bodies = []
    for start in range(0, len(buttons), MAX_BUTTONS):
        chunk = buttons[start : start + MAX_BUTTONS]
        attachment = {
            "type": "template",
            "payload": {
                "buttons": [
                    {
                        "title": b.label[:MAX_TITLE],
                        "type": "oa.query.show",
                        "payload": button_payload(b.label, b.action),
                    }
                    for b in chunk
                ]
            },
        }
        bodies.append(
            _body(user_id, {"text": message.text if start == 0 else more, "attachment": attachment})
        )
    return bodies


def file_message(user_id: str, token: str) -> dict[str, Any]:
    """A file already uploaded (`upload/file`), sent by its token."""
    return _body(user_id, {"attachment": {"type": "file", "payload": {"token": token}}})


def image_message(user_id: str, attachment_id: str, caption: str = "") -> dict[str, Any]:
    """An image already uploaded (`upload/image`), with its caption as the message's text."""
    payload = {
        "template_type": "media",
        "elements": [{"media_type": "image", "attachment_id": attachment_id}],
    }
    message: dict[str, Any] = {"attachment": {"type": "template", "payload": payload}}
    if caption:
        message["text"] = caption
    return _body(user_id, message)


def _body(user_id: str, message: dict[str, Any]) -> dict[str, Any]:
    return {"recipient": {"user_id": user_id}, "message": message}


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


# --- errors ---------------------------------------------------------------------------------------

# Zalo answers HTTP 200 with {"error": <code>, "message": ...}. The codes we act on (Zalo OA API v3
# error list); any other negative code is taken as permanent: the same request gets the same answer.
TOKEN_ERRORS = frozenset({-216, -124, -220})  # access token invalid / expired: refresh, retry once
WINDOW_ERRORS = frozenset({-213, -230, -232, -201})  # not a follower, outside the 48 h / 7 day window
RATE_ERRORS = frozenset({-32, -211, -240})  # over the rate or the quota: later
TRANSIENT_ERRORS = frozenset({-1, -11, -50})  # Zalo's own failure, time out: later
RATE_RETRY_SECONDS = 60.0


class TokenRejected(Exception):
    """Zalo refused the access token (expired or revoked): refresh it and try once more."""


def delivery_error(code: int, message: str) -> DeliveryError | TokenRejected:
    """What an `error != 0` answer means for the outbox."""
    reason = f"zalo {code}: {message}"
    if code in TOKEN_ERRORS:
        return TokenRejected(reason)
    if code in WINDOW_ERRORS:
        return DeliveryError(f"undeliverable, {reason}", permanent=True)
    if code in RATE_ERRORS:
        return DeliveryError(reason, retry_after=RATE_RETRY_SECONDS)
    if code in TRANSIENT_ERRORS:
        return DeliveryError(reason)
    return DeliveryError(reason, permanent=True)
