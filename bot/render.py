"""From engine replies (message ids) to channel messages (text, buttons, split to the limit)."""

from __future__ import annotations

import html

from bot.channels.base import Capabilities, RenderedButton, RenderedMessage
from bot.channels.split import split_text
from bot.i18n import translate
from dialogs.events import Msg, Reply


def render(reply: Reply, locale: str, capabilities: Capabilities) -> list[RenderedMessage]:
    """One reply as one or more messages that the channel can carry."""
    paragraphs = [translate(msg, locale) for msg in reply.body]
    buttons: tuple[tuple[RenderedButton, ...], ...] = ()
    if reply.buttons and capabilities.buttons:
        buttons = tuple(
            tuple(RenderedButton(translate(b.label, locale), b.action) for b in row) for row in reply.buttons
        )
    elif reply.buttons:
        # No buttons on this channel: list what to type instead, one option a line.
        options = [
            translate(Msg("render.type_option", {"command": b.command, "label": b.label}), locale)
            for row in reply.buttons
            for b in row
        ]
        paragraphs.append("\n".join(options))
    text = "\n\n".join(p for p in paragraphs if p)
    # Split first, then escape: platforms count the limit on the text shown, where "&amp;" is one
    # character, and a cut can then never fall inside an escape.
    pieces = split_text(text, capabilities.max_length)
    if capabilities.markup == "html":
        pieces = [html.escape(piece, quote=False) for piece in pieces]
    messages = [RenderedMessage(piece) for piece in pieces]
    # Buttons go with the last piece, where the member's eyes are.
    messages[-1] = RenderedMessage(messages[-1].text, buttons)
    return messages
