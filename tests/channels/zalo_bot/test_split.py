"""Text and limits on the Zalo Bot: 2,000 UTF-16 units a message, counted on the text as shown,
split on paragraph, line, then word; a Vietnamese text of exactly 2,000 units, emoji across the cut."""

from __future__ import annotations

import unicodedata

from bot.channels.split import split_text
from bot.channels.zalo_bot import CAPABILITIES
from bot.render import render
from dialogs.events import Msg, Reply
from dialogs.text import utf16_len

LIMIT = CAPABILITIES.max_length
WORDS = "Chi bộ đã quán triệt đầy đủ chủ trương, phát huy quyền làm chủ của nhân dân ở cơ sở"


def vietnamese(units: int) -> str:
    """Vietnamese prose (NFC, with diacritics) of exactly `units` UTF-16 units."""
    text = ""
    while utf16_len(text) < units:
        text += WORDS + ". "
    text = unicodedata.normalize("NFC", text)[:units]
    assert utf16_len(text) == units
    return text


def test_exactly_2000_units_of_vietnamese_is_one_message() -> None:
    text = vietnamese(LIMIT).rstrip() + "x" * (LIMIT - utf16_len(vietnamese(LIMIT).rstrip()))
    assert utf16_len(text) == LIMIT
    assert split_text(text, LIMIT) == [text]


def test_2001_units_are_two_messages_cut_at_a_word() -> None:
    text = vietnamese(LIMIT + 1)
    pieces = split_text(text, LIMIT)
    assert len(pieces) == 2
    assert all(utf16_len(piece) <= LIMIT for piece in pieces)
    assert " ".join(pieces).split() == text.split(), "no word lost or cut"


def test_an_emoji_across_the_cut_is_never_broken() -> None:
    # 1,999 units then 😀 (two UTF-16 units): the emoji would straddle unit 2,000.
    text = "a" * (LIMIT - 1) + "😀" + "b" * 10
    pieces = split_text(text, LIMIT)
    assert pieces == ["a" * (LIMIT - 1), "😀" + "b" * 10]


def test_an_emoji_sequence_and_a_letter_with_its_marks_stay_whole() -> None:
    family = "👨\u200d👩\u200d👧"  # one picture on screen, 8 UTF-16 units
    text = "a" * (LIMIT - 4) + family + "z"
    pieces = split_text(text, LIMIT)
    assert pieces[0] == "a" * (LIMIT - 4) and pieces[1] == family + "z"
    thumbs = "👍🏽"  # with its skin tone
    text = "a" * (LIMIT - 2) + thumbs
    assert split_text(text, LIMIT) == ["a" * (LIMIT - 2), thumbs]
    decomposed = "a" * (LIMIT - 1) + "e\u0302\u0301"  # "ế" left uncomposed
    assert split_text(decomposed, LIMIT) == ["a" * (LIMIT - 1), "e\u0302\u0301"]


def test_a_5000_character_reply_renders_as_messages_within_the_limit_on_paragraphs() -> None:
    paragraphs = [vietnamese(900) + "👍" for _ in range(5)]
    body = tuple(Msg("engine.question.label", {"label": p}) for p in paragraphs)
    messages = render(Reply(body=body), "vi", CAPABILITIES)
    assert len(messages) >= 3
    assert all(utf16_len(m.text) <= LIMIT for m in messages)
    assert all(m.buttons == () for m in messages), "no buttons on the Zalo Bot"
