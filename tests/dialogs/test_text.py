"""Cleaning, folding and reading numbers and dates the way Vietnamese cadres write them."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.loader import load_outline
from dialogs.text import (
    DateError,
    NumberError,
    clean,
    clean_key,
    clean_line,
    control_character,
    fold,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_number_words,
    utf16_len,
)

# Text with what phones really send: Vietnamese in both normal forms, emoji, invisibles, controls.
messy_text = st.text(
    st.one_of(
        st.characters(),
        st.sampled_from(list("ăâêôơưđĐ\u0300\u0301\u0303\u0309\u0323")),
        st.sampled_from(list("\u200b\u200d\u200e\ufeff\u00ad\r\n\t 👩💻❤️")),
    ),
    max_size=80,
)


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" and ch not in "\n\t"


@given(messy_text)
def test_clean_is_idempotent_nfc_and_free_of_control_characters(text: str) -> None:
    once = clean(text)
    assert clean(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert not any(_is_control(ch) for ch in once)
    assert "\r" not in once
    assert not any(ch in once for ch in "\u200b\u200e\u200f\u2060\ufeff\u00ad")
    assert once == once.strip()


@given(messy_text)
def test_a_line_and_a_key_are_clean_single_lines(text: str) -> None:
    for rule in (clean_line, clean_key):
        once = rule(text)
        assert rule(once) == once
        assert clean(once) == once  # everything `clean` guarantees holds for a line and a key
        assert "\n" not in once and "\t" not in once and "  " not in once


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Nguyễn\u202eVăn A", "NguyễnVăn A"),  # a right-to-left override in a Telegram name
        ("\u2067Trần Thị B\u2069", "Trần Thị B"),  # an isolate around it
        ("Xã\u200bPhú Lương", "XãPhú Lương"),  # a zero-width space from an Excel cell
        ("Ủy ban\tnhân dân\r\nxã  Tân Lập ", "Ủy ban nhân dân xã Tân Lập"),
        ("Hoa\u0300ng", "Hoàng"),  # decomposed (as macOS sends it) becomes composed
    ],
)
def test_clean_line_drops_what_would_garble_a_list(typed: str, stored: str) -> None:
    assert clean_line(typed) == stored


def test_clean_key_folds_full_width_and_keeps_case() -> None:
    assert clean_key("\uff28\uff2e\uff10\uff11") == "HN01"
    assert clean_key(" xa\u200b-01 ") == "xa-01"


@pytest.mark.parametrize("bad", ["HN\x0001", "HN\x1b01", "HN\n01", "HN\t01", "HN\x7f", "HN\x85"])
def test_control_characters_are_found_in_a_key(bad: str) -> None:
    assert control_character(bad) is not None
    assert control_character("Xã Phú Lương-01\u200b") is None


@given(messy_text)
def test_parse_integer_never_raises(text: str) -> None:
    result = parse_integer(text)
    assert isinstance(result, int | NumberError)


@given(messy_text)
def test_parse_decimal_and_date_never_raise(text: str) -> None:
    assert isinstance(parse_decimal(text), float | NumberError)
    assert isinstance(parse_date(text), date | DateError)


@given(st.integers(min_value=0, max_value=10**12))
def test_an_integer_grouped_the_vietnamese_way_reads_back(n: int) -> None:
    grouped = f"{n:,}".replace(",", ".")
    assert parse_integer(grouped) == n
    assert parse_integer(grouped.replace(".", " ")) == n
    assert parse_integer(str(n)) == n


def test_clean_keeps_emoji_and_joins_but_drops_invisibles() -> None:
    assert clean("  \ufeffXin\u200b chào\u00ad 👨\u200d👩\u200d👧 \r\n") == "Xin chào 👨\u200d👩\u200d👧"
    assert clean("a\u200db") == "ab"  # a ZWJ between letters is just an invisible
    assert clean("dòng 1\r\ndòng 2\rdòng 3") == "dòng 1\ndòng 2\ndòng 3"
    assert clean("tab\tstays\x00\x1b\x85") == "tab\tstays"
    decomposed = unicodedata.normalize("NFD", "Nghị quyết")
    assert clean(decomposed) == "Nghị quyết"
    # a combining mark separated from its letter by a zero-width space is composed once it is gone
    assert clean("e\u200b\u0301") == "é"


@pytest.mark.parametrize("typed", ["Quay lại", "quay lai", "QUAY LAI!", "  quay   lại. ", "Quay lại…"])
def test_fold_reads_words_with_or_without_diacritics(typed: str) -> None:
    assert fold(typed) == "quay lai"


def test_fold_handles_d_with_stroke() -> None:
    assert fold("Đồng ý") == "dong y"
    assert fold("đúng") == fold("dừng") == "dung"


def test_utf16_length_counts_emoji_twice() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("Việt") == 4
    assert utf16_len("👍") == 2


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1.000", 1000),
        ("1 000", 1000),
        ("1\u00a0000", 1000),
        ("10.000.000", 10_000_000),
        ("1,234,567", 1_234_567),
        ("12 cuộc", 12),
        ("khoảng 12 cuộc.", 12),
        ("-3", -3),
        ("0", 0),
        ("007", 7),
        ("5,0", 5),
        ("１２", 12),
    ],
)
def test_parse_integer(typed: str, value: int) -> None:
    assert parse_integer(typed) == value


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("1,5", NumberError.NOT_INTEGER),
        ("1.5", NumberError.NOT_INTEGER),
        ("12 cuộc, 3 hoãn", NumberError.SEVERAL),
        ("12-15", NumberError.SEVERAL),
        ("không có", NumberError.WORDS),
        ("nhiều lắm", NumberError.WORDS),
        ("", NumberError.EMPTY),
        ("🙂", NumberError.EMPTY),
        ("...", NumberError.EMPTY),
        ("1,000", NumberError.AMBIGUOUS),
        ("1..2", NumberError.MALFORMED),
        ("1.2.3", NumberError.MALFORMED),
        ("1,2,3", NumberError.MALFORMED),
        ("1.234.5,6,7", NumberError.MALFORMED),
        ("9" * 16, NumberError.TOO_LARGE),
        ("1" * 10_000, NumberError.TOO_LARGE),
    ],
)
def test_parse_integer_errors(typed: str, error: NumberError) -> None:
    assert parse_integer(typed) is error


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1,5", 1.5),
        ("1.5", 1.5),
        ("0,500", 0.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("85,5%", 85.5),
        ("12", 12.0),
        ("−2,5", -2.5),
    ],
)
def test_parse_decimal(typed: str, value: float) -> None:
    assert parse_decimal(typed) == value


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("không", 0),
        ("một", 1),
        ("mười", 10),
        ("muoi", 10),
        ("mười một", 11),
        ("mười lăm", 15),
        ("hai mươi", 20),
        ("hai mươi mốt", 21),
        ("ba mươi tư", 34),
        ("chín mươi chín", 99),
        ("một trăm", 100),
        ("một trăm linh năm", 105),
        ("hai trăm mười", 210),
        ("một nghìn", 1000),
        ("hai nghìn không trăm hai mươi lăm", 2025),
        ("một ngàn linh năm", 1005),
        ("ba triệu", 3_000_000),
    ],
)
def test_number_words(words: str, value: int) -> None:
    assert parse_number_words(fold(words)) == value
    assert parse_integer(words) == value


@pytest.mark.parametrize(
    "words", ["hai trăm năm", "trăm", "một một", "nghìn", "hai nghìn một triệu", "mười tư", "không có"]
)
def test_number_words_that_are_not_numbers_or_not_clear(words: str) -> None:
    assert parse_number_words(fold(words)) is None


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("30/6/2018", date(2018, 6, 30)),
        ("30/06/2018", date(2018, 6, 30)),
        ("1/2/2018", date(2018, 2, 1)),
        ("2018-06-30", date(2018, 6, 30)),
        ("30-06-2018", date(2018, 6, 30)),
        ("30.06.2018", date(2018, 6, 30)),
        ("ngày 30/6/2018", date(2018, 6, 30)),
    ],
)
def test_parse_date(typed: str, day: date) -> None:
    assert parse_date(typed) == day


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("31/02/2018", DateError.NO_SUCH_DAY),
        ("30/13/2018", DateError.NO_SUCH_DAY),
        ("30/6/18", DateError.FORMAT),
        ("30/6-2018", DateError.FORMAT),
        ("hôm qua", DateError.FORMAT),
        ("", DateError.FORMAT),
    ],
)
def test_parse_date_errors(typed: str, error: DateError) -> None:
    assert parse_date(typed) is error


def test_an_outline_goes_through_the_same_rule() -> None:
    outline = load_outline(
        "format: 1\n"
        "id: thu\n"
        "version: 1\n"
        'title: "Báo cáo\\u202e quý"\n'
        "languages: [vi]\n"
        "sections:\n"
        "  - id: chung\n"
        '    title: "Thông\\u200b tin\\tchung"\n'
        "    questions:\n"
        "      - id: loai\n"
        "        type: choice\n"
        '        label: "Loại hình\\u2066\\n\\nđơn vị"\n'
        "        choices:\n"
        '          - {value: xa, label: "Xã,\\u00a0 phường\\u200d"}\n'
        "          - {value: khac, label: Khác}\n"
    )
    section = outline.sections[0]
    question = section.questions[0]
    assert outline.title.get("vi") == "Báo cáo quý"
    assert section.title.get("vi") == "Thông tin chung"
    assert question.label.get("vi") == "Loại hình\n\nđơn vị"  # a label keeps its paragraphs
    assert question.choices[0].label.get("vi") == "Xã, phường"
