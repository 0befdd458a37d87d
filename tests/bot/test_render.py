"""What a member reads on each kind of channel: buttons, or typed options in her language, in the limit."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.channels.base import Capabilities, RenderedMessage
from bot.render import render
from dialogs.events import Msg, Reply
from dialogs.text import utf16_len
from tests.dialogs.conftest import DOCUMENT_SKIP_FILE, Cadre
from tests.dialogs.test_engine_revise import ALL_ANSWERS

TELEGRAM = Capabilities(buttons=True, files=True, edits=True, max_length=4096, markup="html")
ZALO_OA = Capabilities(buttons=True, files=True, edits=False, max_length=2000)
ZALO_BOT = Capabilities(buttons=False, files=False, edits=False, max_length=2000)  # numbered text menus
TYPED_WORD = re.compile(r"“([^”]+)”")


def shown(messages: list[RenderedMessage]) -> str:
    return "\n\n".join(m.text for m in messages)


def at_multi_choice() -> Cadre:
    cadre = Cadre()
    cadre.send("sửa 7")  # "Các hình thức tuyên truyền đã dùng": several may be chosen
    return cadre


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_without_buttons_a_multi_choice_reads_as_typed_numbers_with_no_pressing(locale: str) -> None:
    reply = at_multi_choice().turn.replies[-1]  # type: ignore[union-attr]
    messages = render(reply, locale, ZALO_BOT)
    text = shown(messages)

    assert all(m.buttons == () for m in messages)
    assert "bấm" not in text.lower() and "nút" not in text.lower()
    assert "press" not in text.lower() and "button" not in text.lower()
    options = {"vi": ("1. Hội nghị", "2. Loa truyền thanh", "3. Mạng xã hội"),
               "en": ("1. Meetings", "2. Loudspeakers", "3. Social networks")}[locale]  # fmt: skip
    for option in options:
        assert f"\n{option}\n" in text  # one a line, typed by its number
    assert "☐" not in text and "☑" not in text  # nothing to tick on a channel without buttons
    typed_prompt = {
        "vi": "gõ các số thứ tự cách nhau bằng dấu phẩy",
        "en": "type their numbers separated by commas",
    }
    assert typed_prompt[locale] in text


def test_an_english_member_is_told_english_words_and_they_work() -> None:
    cadre = Cadre()
    cadre.send("/baocao")
    cadre.send("Đã tổ chức 5 hội nghị quán triệt.")
    reply = cadre.turn.replies[-1]  # type: ignore[union-attr]
    english = shown(render(reply, "en", ZALO_BOT))
    vietnamese = shown(render(reply, "vi", ZALO_BOT))

    words = TYPED_WORD.findall(english.split("\n\n")[-1])  # the options, last
    assert words == ["next", "view 1"]
    assert TYPED_WORD.findall(vietnamese.split("\n\n")[-1]) == ["tiếp", "xem câu 1"]
    assert "tiếp" not in english and "xem câu" not in english

    # Typed as told, the words do what the buttons do.
    assert "Đã tổ chức 5 hội nghị quán triệt." in cadre.send("view 1")
    assert "Câu 2/12" in cadre.send("next")
    assert "Câu 1/12" in cadre.send(
        TYPED_WORD.findall(shown(render(cadre.turn.replies[-1], "en", ZALO_BOT)))[0]
    )  # type: ignore[union-attr]


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_a_choice_without_buttons_is_typed_by_its_number(locale: str) -> None:
    cadre = Cadre()
    cadre.send("sửa 5")  # "Loại hình đơn vị"
    text = shown(render(cadre.turn.replies[-1], locale, ZALO_BOT))  # type: ignore[union-attr]
    first = {"vi": "1. Xã, phường, thị trấn", "en": "1. Commune"}[locale]
    assert f"\n{first}\n" in text and "bấm" not in text.lower() and "press" not in text.lower()
    cadre.send("2")
    assert cadre.value("loai_hinh") == "co_quan"


def test_with_buttons_the_same_reply_keeps_its_buttons_and_says_press() -> None:
    messages = render(at_multi_choice().turn.replies[-1], "vi", TELEGRAM)  # type: ignore[union-attr]
    assert "bấm để đánh dấu rồi bấm Xong" in messages[-1].text
    labels = [b.label for row in messages[-1].buttons for b in row]
    assert "☐ 1. Hội nghị" in labels and "Xong ✔" in labels


def long_review() -> list[Reply]:
    cadre = Cadre()
    paragraph = (
        "Chi bộ đã tổ chức sinh hoạt chuyên đề về dân chủ ở cơ sở 🇻🇳, lấy ý kiến Nhân dân về quy ước. "
    )
    cadre.send("/baocao")
    for _ in range(12):  # a narrative answer of several thousand characters, in paragraphs
        cadre.send(paragraph * 6)
    cadre.send("xem lại mục 1")
    return list(cadre.turn.replies)  # type: ignore[union-attr]


@pytest.mark.parametrize("capabilities", [ZALO_OA, ZALO_BOT], ids=["zalo_oa", "zalo_bot"])
def test_on_a_2000_character_channel_every_piece_fits_and_the_choices_come_last(
    capabilities: Capabilities,
) -> None:
    replies = long_review()
    section = render(replies[0], "vi", capabilities)  # the title and first section, with the long answer
    assert len(section) > 2
    for piece in section:
        assert 0 < utf16_len(piece.text) <= 2000
        # Cut between paragraphs, lines or words, never inside a word.
        assert not piece.text.startswith((" ", "\n")) and not piece.text.endswith((" ", "\n"))
    whole = "".join(p.text for p in section).replace(" ", "").replace("\n", "")
    assert whole == "".join(render(replies[0], "vi", Capabilities(True, True, True, 10**6))[0].text.split())

    last = render(replies[-1], "vi", capabilities)
    if capabilities.buttons:
        assert all(m.buttons == () for m in last[:-1]) and last[-1].buttons
    else:
        assert "▸ Gõ “tiếp tục”" in last[-1].text and "▸ Gõ “nộp”" in last[-1].text


def test_a_split_falls_on_a_paragraph_then_a_line_then_a_word() -> None:
    words = " ".join(["dân chủ"] * 600)  # 4,799 characters, no line break
    reply = Reply(
        body=(Msg("engine.value.text", {"text": "Mở đầu."}), Msg("engine.value.text", {"text": words}))
    )
    pieces = render(reply, "vi", ZALO_BOT)
    assert pieces[0].text == "Mở đầu."  # the paragraph boundary first
    assert all(utf16_len(p.text) <= 2000 for p in pieces)
    assert all(p.text.startswith("dân") and p.text.endswith(("dân", "chủ")) for p in pieces[1:])
    emoji = "🇻🇳" * 1500  # 6,000 UTF-16 units, nothing to cut on: cut by units, never inside a pair
    pieces = render(Reply(body=(Msg("engine.value.text", {"text": emoji}),)), "vi", ZALO_BOT)
    assert [utf16_len(p.text) for p in pieces] == [2000, 2000, 2000]
    assert "".join(p.text for p in pieces) == emoji


def test_options_never_leave_the_last_piece() -> None:
    body = "x" * 1990
    buttons = at_multi_choice().turn.replies[-1].buttons  # type: ignore[union-attr]
    reply = Reply(body=(Msg("engine.value.text", {"text": body}),), buttons=buttons)
    pieces = render(reply, "vi", ZALO_BOT)
    assert pieces[0].text == body and "1. Hội nghị" in pieces[-1].text and "▸ Gõ" in pieces[-1].text


def test_a_receipt_shows_the_time_in_the_zone_asked_for() -> None:
    cadre = Cadre()
    cadre.answer_all(*ALL_ANSWERS, "nộp")
    cadre.press("Nộp")
    cadre.answer_all(*DOCUMENT_SKIP_FILE)
    receipt = cadre.turn.replies[0]  # type: ignore[union-attr]
    assert "Thời gian: 09:05 20/06/2018" in render(receipt, "vi", TELEGRAM)[0].text  # Asia/Ho_Chi_Minh
    assert "Thời gian: 09:05 20/06/2018" in render(receipt, "vi", TELEGRAM, None)[0].text
    assert "Thời gian: 02:05 20/06/2018" in render(receipt, "vi", TELEGRAM, ZoneInfo("UTC"))[0].text
    assert (
        "Time: 22:05 19/06/2018" in render(receipt, "en", TELEGRAM, zone=ZoneInfo("America/New_York"))[0].text
    )
    assert cadre.now == datetime(2018, 6, 20, 2, 5, tzinfo=UTC)
