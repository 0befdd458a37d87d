"""Splitting long text to a platform's limit: on paragraphs, then lines, then words."""

from __future__ import annotations

import unicodedata

from dialogs.text import utf16_len

_ZWJ = "\u200d"


def _joins_previous(char: str) -> bool:
    """Whether `char` belongs to the character before it on screen: a combining mark (a Vietnamese
    tone mark left uncomposed), a variation selector, a skin tone, a joiner, a tag."""
    code = ord(char)
    return (
        char == _ZWJ
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or unicodedata.combining(char) != 0
    )


def _hard_cut(text: str, limit: int) -> tuple[str, str]:
    """The longest prefix of `text` within `limit` UTF-16 units that does not cut a character as
    shown (an emoji sequence, a letter with its marks), and the rest."""
    total = 0
    for index, char in enumerate(text):
        total += 2 if ord(char) > 0xFFFF else 1
        if total > limit:
            cut = index
            # Back off to the start of the character on screen: "👨‍👩‍👧" or "ế" stays whole.
            while cut > 0 and (_joins_previous(text[cut]) or text[cut - 1] == _ZWJ):
                cut -= 1
            if cut == 0:
                cut = index  # one "character" longer than the limit: cut it after all
            return text[:cut], text[cut:]
    return text, ""


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of `text`, each at most `limit` UTF-16 units, cut at the widest boundary that fits."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        head, _ = _hard_cut(rest, limit)
        cut = -1
        for separator in ("\n\n", "\n", " "):
            position = head.rfind(separator)
            if position > 0:
                cut = position
                break
        if cut <= 0:
            piece, rest = head, rest[len(head) :]
        else:
            piece, rest = rest[:cut], rest[cut:].lstrip("\n ")
        if piece.strip():
            pieces.append(piece.rstrip())
    if rest.strip() or not pieces:
        pieces.append(rest)
    return pieces
