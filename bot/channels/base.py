"""What every channel adapter is: capabilities, the rendered message value, and the sender protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show; rendering adapts menus, length and markup to it."""

    buttons: bool
    files: bool
    edits: bool
    max_length: int  # in UTF-16 units, as the platforms count
    markup: Literal["plain", "html"] = "plain"


@dataclass(frozen=True)
class RenderedButton:
    label: str
    action: str


@dataclass(frozen=True)
class RenderedMessage:
    """One message ready for a platform: text within its limit, buttons if it has them."""

    text: str
    buttons: tuple[tuple[RenderedButton, ...], ...] = ()


class Channel(Protocol):
    """One platform: the only place that does that platform's network I/O."""

    name: str
    capabilities: Capabilities

    async def send(self, chat_id: str, message: RenderedMessage) -> None:
        """Deliver one rendered message to a chat."""
        ...
