"""From engine replies (message ids) to channel messages (text, buttons, split to the limit).

What a channel can do (`Capabilities`) decides the shape: buttons where it has them; where it has
none, the catalog's typed variant of each message (`<id>.typed`: "gõ", not "bấm") and a list of what
to type — options by their number, everything else by a word in the member's language.
"""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from bot.channels.base import Capabilities, RenderedButton, RenderedMessage
from bot.channels.split import split_text
from bot.i18n import TYPED, translate
from dialogs import text as tx
from dialogs.events import Button, Msg, Reply


def render(
    reply: Reply, locale: str, capabilities: Capabilities, zone: ZoneInfo | None = None
) -> list[RenderedMessage]:
    """One reply as one or more messages that the channel can carry; times shown in `zone`
    (None: Asia/Ho_Chi_Minh)."""
    variant = "" if capabilities.buttons else TYPED
    paragraphs = [translate(msg, locale, zone=zone, variant=variant) for msg in reply.body]
    buttons: tuple[tuple[RenderedButton, ...], ...] = ()
    options = ""
    if reply.buttons and capabilities.buttons:
        buttons = tuple(
            tuple(RenderedButton(translate(b.label, locale, zone=zone), b.action) for b in row)
            for row in reply.buttons
        )
    elif reply.buttons:
        # No buttons on this channel: what to type instead, one option a line.
        options = "\n".join(_typed_option(b, locale, zone) for row in reply.buttons for b in row)
    limit = capabilities.max_length
    pieces = split_text("\n\n".join(p for p in paragraphs if p), limit)
    if options:
        # The options stay together at the end, below the last paragraph if they fit beside it.
        joined = f"{pieces[-1]}\n\n{options}" if pieces[-1] else options
        if tx.utf16_len(joined) <= limit:
            pieces[-1] = joined
        else:
            pieces.extend(split_text(options, limit))
    # Split first, then escape: platforms count the limit on the text shown, where "&amp;" is one
    # character, and a cut can then never fall inside an escape.
    if capabilities.markup == "html":
        pieces = [html.escape(piece, quote=False) for piece in pieces]
    messages = [RenderedMessage(piece) for piece in pieces]
    # Buttons (or what to type instead) go with the last piece, where the member's eyes are.
    messages[-1] = RenderedMessage(messages[-1].text, buttons)
    return messages


def _typed_option(button: Button, locale: str, zone: ZoneInfo | None) -> str:
    """A button as a line to type: "2. Cơ quan" for an option, "▸ Gõ “tiếp”: sang câu sau" otherwise."""
    label = translate(button.label, locale, zone=zone, variant=TYPED)
    if isinstance(button.command, Msg):
        command = translate(button.command, locale, zone=zone)
    else:
        command = button.command
        # An option is typed by its number; its label already starts with that number.
        if command.isdigit() and label.startswith(command):
            return label
    if tx.words(label) == tx.words(command):  # "Có" to type "có": the word says it all
        return translate(Msg("render.type_word", {"command": command}), locale)
    return translate(Msg("render.type_option", {"command": command, "label": label}), locale)


def render_caption(caption: str, capabilities: Capabilities) -> str:
    """A file's caption (already translated) in the channel's markup: escaped where it is HTML."""
    return html.escape(caption, quote=False) if capabilities.markup == "html" else caption
