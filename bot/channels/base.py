"""What every channel adapter is: capabilities, the rendered message value, the sender protocol, and
the adapter the runtime registers (bot/app.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show; rendering adapts menus, length and markup to it."""

    buttons: bool
    files: bool
    edits: bool  # a sent message can be changed (the keyboard under a pressed button is taken away)
    max_length: int  # in UTF-16 units, as the platforms count
    markup: Literal["plain", "html"] = "plain"
    file_limit: int = 0  # bytes of the largest file it takes (0: no limit declared)
    # The kinds of file it takes, by extension ("docx", "pdf"); empty: any (Zalo OA: PDF, DOC, DOCX).
    file_kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RenderedButton:
    label: str
    action: str


@dataclass(frozen=True)
class RenderedMessage:
    """One message ready for a platform: text within its limit, buttons if it has them."""

    text: str
    buttons: tuple[tuple[RenderedButton, ...], ...] = ()


@dataclass(frozen=True)
class RenderedDocument:
    """A file ready for a platform: its name, bytes and an optional caption (already in its markup)."""

    filename: str
    content: bytes
    caption: str = ""


@dataclass(frozen=True)
class RateLimits:
    """How fast a platform lets one bot send: overall, and to one chat with a short burst."""

    per_second: float
    per_chat_per_second: float
    per_chat_burst: int = 3
    concurrency: int = 64  # requests in flight at once

    @classmethod
    def of(cls, group: Any) -> RateLimits:
        """From a channel's settings group (messages_per_second, chat_messages_per_second, chat_burst)."""
        return cls(
            per_second=group.messages_per_second,
            per_chat_per_second=group.chat_messages_per_second,
            per_chat_burst=group.chat_burst,
        )


class DeliveryError(Exception):
    """A send that did not go through.

    `retry_after`: the platform said when to try again (HTTP 429). `permanent`: trying again cannot
    help (the member blocked the bot, the chat does not exist). Otherwise the failure is transient.
    """

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason[:200]
        self.permanent = permanent
        self.retry_after = retry_after


class Sender(Protocol):
    """A channel's sending side, as the outbox drives it; raises DeliveryError when a send fails."""

    name: str
    capabilities: Capabilities
    limits: RateLimits

    async def send(self, chat_id: str, message: RenderedMessage) -> str | None:
        """Deliver one message; the platform's message id if it gives one."""
        ...

    async def send_document(self, chat_id: str, document: RenderedDocument) -> str | None:
        """Deliver one file; the platform's message id if it gives one."""
        ...


class Editor(Protocol):
    """A sender whose channel changes a sent message in place (`Capabilities.edits`); the outbox sends
    a row of kind "edit" through it, and as a new message through `send` where it has no `edit`."""

    async def edit(self, chat_id: str, message_id: str, message: RenderedMessage) -> str | None:
        """Change the message `message_id` to `message`; raises DeliveryError when it cannot."""
        ...


@dataclass(frozen=True)
class ChannelAdapter:
    """One channel as registered in the runtime: what it shows, how it sends, how its updates come in.

    Each channel's pure mapping (platform update <-> our values) sits behind `updates` and `sender`.
    """

    name: str
    capabilities: Capabilities
    sender: Sender | None = None  # None: this process renders for the channel but does not send to it
    updates: Any = None  # the inbound side a webhook route feeds (Telegram: TelegramUpdates)
    poll: Callable[[asyncio.Event], Awaitable[None]] | None = None  # long polling until the event is set
    close: Callable[[], Awaitable[None]] | None = None  # finish its own work before the runtime stops
    routes: Any = None  # a FastAPI APIRouter with the channel's webhook; bot/web.py includes it
    # What /healthz says of the channel (token valid, webhook registered, last event seen).
    health: Callable[[], Awaitable[Mapping[str, Any]]] | None = None
