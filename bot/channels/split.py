"""Splitting long text to a platform's limit: on paragraphs, then lines, then words."""

from __future__ import annotations

from dialogs.text import utf16_len


def _hard_cut(text: str, limit: int) -> tuple[str, str]:
    """The longest prefix of `text` within `limit` UTF-16 units, and the rest."""
    total = 0
    for index, char in enumerate(text):
        total += 2 if ord(char) > 0xFFFF else 1
        if total > limit:
            return text[:index], text[index:]
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
