"""What cadres type, made usable: cleaning, folding for word matching, UTF-16 length, numbers, dates.

Pure functions, shared by the dialog engine and the channels.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

# --- cleaning ---------------------------------------------------------------------------------------

# C0 controls except \t and \n, DEL, C1 controls, lone surrogates (they cannot be stored as UTF-8),
# and invisible format characters: zero-width space, LRM/RLM, word joiner, BOM, soft hyphen,
# Mongolian vowel separator, invisible operators, bidi marks, embeddings, overrides and isolates.
_DROP = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff"
    "\u200b\u200e\u200f\u2060\ufeff\u00ad\u180e\u061c\u2061-\u2064\u202a-\u202e\u2066-\u2069"
    # More that show nothing, used to send "blank" messages: ZWNJ, the combining grapheme joiner,
    # the Hangul fillers, the blank Braille pattern. Vietnamese never needs them, and a message made
    # only of them must be empty (refused), not an answer that looks blank.
    "\u200c\u034f\u115f\u1160\u3164\uffa0\u2800]"
)
_ZWJ = "\u200d"


def _is_emoji_part(ch: str) -> bool:
    """Whether a character can stand beside a ZWJ in an emoji sequence (👩‍💻, ❤️‍🔥, 🏳️‍🌈)."""
    code = ord(ch)
    return code >= 0x1F000 or 0x2190 <= code <= 0x2BFF or code == 0xFE0F or unicodedata.category(ch) == "So"


def _drop_stray_zwj(text: str) -> str:
    # ZWJ glues emoji together (👨‍👩‍👧); anywhere else it is an invisible character that only
    # breaks word matching and search, so it goes.
    out: list[str] = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch == _ZWJ and not (0 < i < last and _is_emoji_part(text[i - 1]) and _is_emoji_part(text[i + 1])):
            continue
        out.append(ch)
    return "".join(out)


def clean(text: str) -> str:
    """Text as it should be stored: NFC, \\n line ends, no control or invisible characters, trimmed."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _DROP.sub("", text)
    if _ZWJ in text:
        text = _drop_stray_zwj(text)
    # After the removals, so that a combining mark freed from a removed neighbour is composed too.
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text.strip()


_LINE_SPACE = re.compile(r"\s+")


def clean_line(text: str) -> str:
    """A one-line value (a name, a title, a label): `clean`, with every run of spaces, tabs and
    line breaks made one space."""
    return _LINE_SPACE.sub(" ", clean(text))


def clean_key(text: str) -> str:
    """A code people type and compare (a unit code, an invite code): `clean_line`, compatibility
    forms folded (full-width "ＨＮ０１" → "HN01")."""
    line = clean_line(text)
    return line if line.isascii() else clean_line(unicodedata.normalize("NFKC", line))


# Characters no key may hold: they are typing or export accidents (a NUL from a broken export, an
# ESC, a line break inside an Excel cell), and silently dropping them would change the key.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def control_character(text: str) -> str | None:
    """The first control character in a text (tab and line breaks included), or None."""
    found = _CONTROL.search(text)
    return found.group() if found else None


# --- folding ----------------------------------------------------------------------------------------

_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_SPACES = re.compile(r"\s+")


def words(text: str) -> str:
    """Lower case, single spaces, no punctuation around, diacritics kept: "Quay lại!" → "quay lại"."""
    return _EDGES.sub("", _SPACES.sub(" ", text.lower()))


def fold(text: str) -> str:
    """A form for recognising words typed with or without diacritics: "Quay lại!" → "quay lai"."""
    text = text.lower()
    if not text.isascii():
        text = text.replace("đ", "d").replace("ð", "d")
        text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return words(text)


def utf16_len(text: str) -> int:
    """Length as Telegram and Zalo count it: in UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --- numbers ----------------------------------------------------------------------------------------


class NumberError(StrEnum):
    """Why a text is not the number asked for; each becomes its own message for the cadre."""

    EMPTY = "empty"  # nothing, or only emoji and punctuation
    WORDS = "words"  # words but no digits ("không có", "nhiều")
    NOT_INTEGER = "not_integer"  # "1,5" where a whole number is asked for
    SEVERAL = "several"  # "12 cuộc, 3 hoãn": which one?
    AMBIGUOUS = "ambiguous"  # "1,000": one thousand, or one with three decimals?
    MALFORMED = "malformed"  # "1..5", "1.2.3"
    TOO_LARGE = "too_large"  # more than MAX_DIGITS digits


MAX_DIGITS = 15  # a float keeps 15 significant digits; no count in a report comes near

_NUMBER = re.compile(
    # A sign counts only when it starts a word: "12-15" is two numbers, not 12 and minus 15.
    r"(?P<sign>(?<!\w)[-+\u2212\u2013])?"
    # Digits with '.' and ',' inside; a space only as a thousands separator ("1 000", "12 500").
    r"(?P<body>\d(?:[\d.,]|[ \u00a0\u202f](?=\d{3}(?!\d)))*)"
)
_GROUP_SPACE = re.compile("[ \u00a0\u202f]")
_LETTER = re.compile(r"[^\W\d_]")


def _grouped(parts: Sequence[str]) -> bool:
    """Whether digit groups read as thousands: "1", "234", "567"."""
    return len(parts) > 1 and 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])


def _split(body: str) -> tuple[str, str] | NumberError:
    """A number's digits before and after its decimal mark, by Vietnamese convention first."""
    body = _GROUP_SPACE.sub("", body.rstrip(".,"))
    if not body.isascii():
        body = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in body)
    dots, commas = body.count("."), body.count(",")
    if not dots and not commas:
        return body, ""
    if ".." in body or ",," in body or ".," in body or ",." in body:
        return NumberError.MALFORMED
    if not commas:
        parts = body.split(".")
        if _grouped(parts):
            return "".join(parts), ""  # 1.000 and 1.000.000: thousands, as written in Vietnam
        if dots == 1:
            return parts[0], parts[1]  # 1.5: a decimal point, as typed on an English keyboard
        return NumberError.MALFORMED
    if not dots:
        parts = body.split(",")
        if commas == 1:
            whole, fraction = parts
            if len(fraction) == 3 and not whole.startswith("0"):
                return NumberError.AMBIGUOUS  # 1,000: Vietnamese 1 or English 1000?
            return whole, fraction  # 1,5: the Vietnamese decimal comma
        if _grouped(parts):
            return "".join(parts), ""  # 1,234,567: English thousands
        return NumberError.MALFORMED
    # Both marks: the last one is the decimal mark, the other separates thousands (1.234,5 / 1,234.5).
    mark = "," if body.rfind(",") > body.rfind(".") else "."
    whole, fraction = body.rsplit(mark, 1)
    if mark in whole:
        return NumberError.MALFORMED
    parts = whole.split("." if mark == "," else ",")
    if not _grouped(parts):
        return NumberError.MALFORMED
    return "".join(parts), fraction


def _parse(text: str) -> tuple[int, str, str] | NumberError:
    """Sign, whole digits and fraction digits of the one number in a text."""
    text = clean(text)
    found = _NUMBER.finditer(text)
    first = next(found, None)
    if first is None:
        if not _LETTER.search(text):
            return NumberError.EMPTY
        spoken = parse_number_words(fold(text))
        return NumberError.WORDS if spoken is None else (1, str(spoken), "")
    if next(found, None) is not None:
        return NumberError.SEVERAL
    split = _split(first["body"])
    if isinstance(split, NumberError):
        return split
    whole, fraction = split
    if len(whole.lstrip("0")) + len(fraction) > MAX_DIGITS:
        return NumberError.TOO_LARGE
    sign = -1 if first["sign"] in ("-", "\u2212", "\u2013") else 1
    return sign, whole or "0", fraction


def parse_integer(text: str) -> int | NumberError:
    """A whole number from what a cadre typed ("1.000", "1 000", "12 cuộc", "mười"), or why not."""
    parsed = _parse(text)
    if isinstance(parsed, NumberError):
        return parsed
    sign, whole, fraction = parsed
    if fraction.strip("0"):
        return NumberError.NOT_INTEGER
    return sign * int(whole)


def parse_decimal(text: str) -> float | NumberError:
    """A number that may have a fraction ("1,5", "1.234,5", "12"), or why not."""
    parsed = _parse(text)
    if isinstance(parsed, NumberError):
        return parsed
    sign, whole, fraction = parsed
    return sign * float(f"{whole}.{fraction or '0'}")


# Vietnamese number words, folded (no diacritics), so "mười" and "muoi" read alike.
_DIGITS = {
    "khong": 0,
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
}
# After "mười"/"mươi" some digits change their word: mốt (1), tư (4), lăm/nhăm (5).
_AFTER_TENS = {**{k: v for k, v in _DIGITS.items() if v}, "tu": 4, "lam": 5, "nham": 5}
_SCALES = {"ty": 1_000_000_000, "trieu": 1_000_000, "nghin": 1_000, "ngan": 1_000}


def _below_100(words: Sequence[str]) -> int | None:
    match words:
        case [word] if word in _DIGITS:
            return _DIGITS[word]
        case ["muoi"]:
            return 10
        case ["muoi", unit] if unit in _AFTER_TENS and unit != "tu":
            return 10 + _AFTER_TENS[unit]
        case [tens, "muoi"] if _DIGITS.get(tens, 0) >= 2:
            return _DIGITS[tens] * 10
        case [tens, "muoi", unit] if _DIGITS.get(tens, 0) >= 2 and unit in _AFTER_TENS:
            return _DIGITS[tens] * 10 + _AFTER_TENS[unit]
    return None


def _below_1000(words: Sequence[str], after_scale: bool) -> int | None:
    if len(words) == 2 and words[0] in ("linh", "le") and after_scale:
        # "một nghìn linh năm" = 1005
        return _DIGITS.get(words[1]) or None
    if "tram" not in words:
        return _below_100(words)
    if len(words) < 2 or words[1] != "tram" or words[0] not in _DIGITS:
        return None
    hundreds, rest = _DIGITS[words[0]] * 100, words[2:]
    if not rest:
        return hundreds
    if rest[0] in ("linh", "le"):
        unit = _DIGITS.get(rest[1]) if len(rest) == 2 else None
        return hundreds + unit if unit else None
    tens = _below_100(rest)
    # "hai trăm năm" is said for 250 as well as 205: refuse rather than guess.
    return hundreds + tens if tens is not None and tens >= 10 else None


def parse_number_words(folded: str) -> int | None:
    """A whole number written in Vietnamese words ("hai mươi lăm", "một nghìn không trăm linh năm")."""
    words = folded.split()
    if not words:
        return None
    total, segment, last_scale = 0, [], None
    for word in words:
        scale = _SCALES.get(word)
        if scale is None:
            segment.append(word)
            continue
        if last_scale is not None and scale >= last_scale:
            return None
        value = _below_1000(segment, after_scale=last_scale is not None)
        if not value:
            return None
        total, segment, last_scale = total + value * scale, [], scale
    if segment:
        value = _below_1000(segment, after_scale=last_scale is not None)
        if value is None:
            return None
        total += value
    return total


# --- quantities: a number as a cadre types it, with its scale, unit and hedges ------------------------

# Scale words after a number, folded: "3 ngàn", "1,2 tỷ", "500k", "2tr". "ng" is read as nghìn only
# where money is asked for: elsewhere it is as often "người", and the handler asks.
SCALE_WORDS: Mapping[str, int] = {
    "chuc": 10,
    "tram": 100,
    "nghin": 1_000,
    "ngan": 1_000,
    "ngin": 1_000,
    "k": 1_000,
    "ng": 1_000,
    "trieu": 1_000_000,
    "tr": 1_000_000,
    "ty": 1_000_000_000,
    "ti": 1_000_000_000,
}
MONEY_WORDS = frozenset({"dong", "d", "vnd", "dong vn", "vn dong"})
# Words before a number that say it is not exact: "hơn 100", "khoảng 300".
_APPROX_BEFORE = (
    "khoang chung",
    "khoang",
    "chung",
    "tam",  # "tầm 300"; "tám" (eight) folds alike, taken as a hedge only before digits
    "gan",
    "hon",
    "tren",
    "duoi",
    "xap xi",
    "uoc tinh",
    "uoc khoang",
    "uoc",
    "it nhat",
    "toi thieu",
    "toi da",
    "ngot",
    "non",
    "co hon",
    "co tren",
    "co khoang",
    "den",
)
_APPROX_AFTER = ("tro len", "tro xuong", "co le", "co du", "hon", "may", "gi do")
# Words before a number that change nothing: "có 12", "tổng cộng 12".
_FILLERS_BEFORE = ("tong cong", "tong so", "tong", "co", "la", "gom", "dat")
# Courtesy at the end of a message: "12 ạ", "12 nhé".
_PARTICLES = frozenset({"a", "ak", "nhe", "nha", "nhen", "thoi", "roi", "day", "nhe a", "ha"})
# Answers that mean none at all, for a count: "không có", "ko co", "chưa có".
_NONE_WORDS = frozenset(
    {"khong", "ko", "k co", "ko co", "khong co", "chua co", "khong co gi", "khong co ai", "none"}
)
# Answers that say the figure is not known: stored as unknown, never as a number.
_UNKNOWN = re.compile(
    r"(chua|khong|ko|k) (co|co du|nam duoc|thong ke duoc|tong hop duoc|ro)? ?"
    r"(so lieu|thong ke|so lieu thong ke)( cu the| chinh xac)?"
    r"|(chua|khong|ko|k) (thong ke|tong hop|xac dinh|nam) (duoc|duoc so lieu)?"
)
# Words that make the rest of a message a sentence rather than a unit.
_SENTENCE_WORDS = frozenset(
    {"chua", "khong", "ko", "da", "se", "dang", "sau", "nhung", "va", "nen", "vi", "thi", "cua", "cho",
     "duoc", "bi", "toi", "em", "minh", "tra", "loi", "bao", "cao", "to", "chuc", "trong", "tai", "o"}
)
UNIT_WORDS = 4  # a unit after a number is a few words; more is a sentence


def reads_as_sentence(unit_words: str) -> bool:
    """Whether the words after a number (not the question's unit) make a sentence: "chưa báo cáo"."""
    words = unit_words.split()
    return len(words) > UNIT_WORDS or any(w in _SENTENCE_WORDS for w in words)
_TOKEN = re.compile(
    r"(?P<num>(?:(?<!\w)[-+\u2212\u2013])?\d(?:[\d.,]|[ \u00a0\u202f](?=\d{3}(?!\d)))*)|(?P<word>[^\W\d_]+)"
)
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
_NOT_NUMBER_TEXT = re.compile(r"[^\w\s.,+\-\u2212\u2013]|_")
SPOKEN_WORDS = 12  # a number said in words is at most this many words ("một nghìn không trăm linh năm")


def _fold_number_text(text: str) -> str:
    """`fold` for a number: signs, decimal marks and grouping kept; other punctuation made spaces."""
    text = text.lower()
    if not text.isascii():
        text = text.replace("đ", "d").replace("ð", "d")
        text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return _SPACES.sub(" ", _NOT_NUMBER_TEXT.sub(" ", text)).strip(" .,")


class Reading(StrEnum):
    """What a message says instead of a number."""

    NONE = "none"  # "không có": zero
    UNKNOWN = "unknown"  # "chưa thống kê được": the figure is not known
    SENTENCE = "sentence"  # "Năm 2018 không tổ chức": not a number at all


@dataclass(frozen=True)
class Quantity:
    """A number as typed, understood: its value with the scale words applied, and what was around it."""

    value: Decimal  # "3 ngàn" → 3000; "1,2 tỷ" → 1200000000
    unit: str = ""  # the words after it, folded: "dong", "nguoi", "hoi nghi", ""
    scaled: bool = False  # a scale word was given ("ngàn", "tỷ", "k")
    approximate: str = ""  # the hedge, folded: "hon", "khoang", "tro len"; "" when exact
    percent: bool = False
    short_ng: bool = False  # the scale was "ng": nghìn or người?
    number: Decimal = Decimal(0)  # the number before its scale words ("3" of "3 ngàn")


def _number_value(body: str) -> Decimal | NumberError:
    sign = -1 if body[:1] in ("-", "\u2212", "\u2013") else 1
    body = body.lstrip("-+\u2212\u2013")
    split = _split(body)
    if isinstance(split, NumberError):
        return split
    whole, fraction = split
    if len(whole.lstrip("0")) + len(fraction) > MAX_DIGITS:
        return NumberError.TOO_LARGE
    return sign * Decimal(f"{whole or '0'}.{fraction or '0'}")


def _strip_words(words: list[str], phrases: Sequence[str], at_start: bool) -> str:
    """Take the first of `phrases` off one end of `words` (in place); the phrase taken, or ""."""
    for phrase in phrases:
        parts = phrase.split()
        n = len(parts)
        if len(words) >= n and (words[:n] if at_start else words[-n:]) == parts:
            if at_start:
                del words[:n]
            else:
                del words[-n:]
            return phrase
    return ""


def read_quantity(text: str) -> Quantity | Reading | NumberError:
    """What a (cleaned) message to a numeric question says: a quantity, none, unknown, or why not a number.

    A message is a number only when it is one: a hedge ("khoảng"), the number in digits or words,
    scale words ("nghìn", "tỷ", "k"), a unit and a courtesy ("ạ") — nothing else around it.
    """
    text = clean(text)
    percent = "%" in text
    folded = _DIGIT_LETTER.sub(" ", _fold_number_text(text.replace("%", " ")))
    if not folded:
        return NumberError.EMPTY
    tokens = [(m.lastgroup, m.group().strip()) for m in _TOKEN.finditer(folded)]
    words = [t for _, t in tokens]
    # Courtesy and hedges at the ends, then whole-message answers.
    while words and words[-1] in _PARTICLES:
        words.pop()
        tokens.pop()
    phrase = " ".join(words)
    if phrase in _NONE_WORDS:
        return Reading.NONE
    if phrase in ("no data", "unknown", "not known") or _UNKNOWN.fullmatch(phrase):
        return Reading.UNKNOWN
    if len(words) >= 2 and words[-2:] == ["phan", "tram"]:
        percent = True
        del words[-2:], tokens[-2:]
    numbers = [t for kind, t in tokens if kind == "num"]
    if not numbers:
        if not _LETTER.search(text):
            return NumberError.EMPTY
        return _read_words(words, percent)
    approximate = _strip_words(words, _APPROX_BEFORE, at_start=True)
    if approximate == "tam" and not (words and _is_number_token(words[0])):
        return Reading.SENTENCE
    if not approximate:
        _strip_words(words, _FILLERS_BEFORE, at_start=True)
    if not words or not _is_number_token(words[0]):
        return NumberError.SEVERAL if len(numbers) > 1 else Reading.SENTENCE
    after = _strip_words(words, _APPROX_AFTER, at_start=False)
    approximate = approximate or after
    read = _read_digits(words)
    if isinstance(read, NumberError):
        return read
    value, number, scaled, short_ng, rest = read
    if any(_is_number_token(w) for w in rest):
        return NumberError.SEVERAL
    if len(rest) > 2 * UNIT_WORDS:
        return Reading.SENTENCE
    if rest[-2:] == ["phan", "tram"]:
        percent, rest = True, rest[:-2]
    return Quantity(
        value=value,
        unit=" ".join(rest),
        scaled=scaled,
        approximate=approximate,
        percent=percent,
        short_ng=short_ng,
        number=number,
    )


def _is_number_token(word: str) -> bool:
    return bool(word) and (word[0].isdigit() or (word[0] in "-+\u2212\u2013" and len(word) > 1))


def _read_digits(
    words: list[str],
) -> tuple[Decimal, Decimal, bool, bool, list[str]] | NumberError:
    """Numbers and scale words from the start of `words`: "2 triệu 500 nghìn", "1 tỷ 2", "3k".

    Scales must fall from one group to the next; a bare number after a scale is its next digits as
    said aloud ("2 triệu 5" = 2,5 triệu; "1 tỷ 200" = 1,2 tỷ); two digits there are refused
    ("2 triệu 50": 2.050.000 or 2.500.000?).
    """
    total, first, scaled, short_ng = Decimal(0), None, False, False
    last_scale: int | None = None
    i = 0
    while i < len(words) and _is_number_token(words[i]):
        value = _number_value(words[i])
        if isinstance(value, NumberError):
            return value
        i += 1
        scale = 1
        while i < len(words) and words[i] in SCALE_WORDS:
            short_ng = short_ng or words[i] == "ng"
            scale *= SCALE_WORDS[words[i]]
            i += 1
        half = scale > 1 and i < len(words) and words[i] == "ruoi"  # "2 nghìn rưỡi": and a half
        if half:
            value += Decimal("0.5")
            i += 1
        if first is None:
            first = value
        if scale == 1 and last_scale is not None:
            digits = words[i - 1]
            if not digits.isdigit() or len(digits) not in (1, 3) or last_scale < 1000:
                return NumberError.SEVERAL
            total += value * last_scale / (10 if len(digits) == 1 else 1000)
            break
        if last_scale is not None and (scale >= last_scale or value * scale >= last_scale):
            return NumberError.SEVERAL
        total += value * scale
        if scale == 1 or half:  # nothing more to add after a bare number or a half
            scaled = scaled or half
            break
        scaled = True
        last_scale = scale
    if abs(total) >= Decimal(10) ** MAX_DIGITS:
        return NumberError.TOO_LARGE
    return total, first or Decimal(0), scaled, short_ng, words[i:]


def _read_words(words: list[str], percent: bool) -> Quantity | Reading | NumberError:
    """A number in words, hedged or with a unit: "hai mươi lăm", "khoảng ba trăm", "mười hội nghị".

    The words after it are left for the question to judge (`reads_as_sentence`, its unit)."""
    approximate = _strip_words(words, [a for a in _APPROX_BEFORE if a != "tam"], at_start=True)
    if not approximate:
        _strip_words(words, _FILLERS_BEFORE, at_start=True)
    approximate = approximate or _strip_words(words, _APPROX_AFTER, at_start=False)
    if len(words) > SPOKEN_WORDS + UNIT_WORDS:
        return NumberError.WORDS
    for end in range(len(words), 0, -1):
        spoken = parse_number_words(" ".join(words[:end]))
        if spoken is None:
            continue
        rest = words[end:]
        if len(rest) > 2 * UNIT_WORDS:
            return Reading.SENTENCE
        return Quantity(
            value=Decimal(spoken),
            unit=" ".join(rest),
            scaled=any(w in _SCALES for w in words[:end]),
            approximate=approximate,
            percent=percent,
            number=Decimal(spoken),
        )
    return NumberError.WORDS


def ambiguous_readings(text: str) -> tuple[int, Decimal] | None:
    """The two readings of a number like "1,000" or "2,500": thousands, or a decimal comma."""
    found = re.search(r"(?<![\d.,])(\d{1,3}),(\d{3})(?![\d.,])", text)
    if found is None:
        return None
    return int(found[1] + found[2]), Decimal(f"{found[1]}.{found[2]}")


# --- dates ------------------------------------------------------------------------------------------


class DateError(StrEnum):
    FORMAT = "format"  # not written as dd/mm/yyyy or yyyy-mm-dd
    NO_SUCH_DAY = "no_such_day"  # 31/02/2024


_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4})(?!\d)", re.ASCII)
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)", re.ASCII)


def parse_date(text: str) -> date | DateError:
    """A date written dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy or yyyy-mm-dd ("ngày 5/3/2018" too)."""
    text = clean(text)
    iso = _ISO.search(text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    else:
        dmy = _DMY.search(text)
        if not dmy:
            return DateError.FORMAT
        day, month, year = int(dmy[1]), int(dmy[3]), int(dmy[4])
    try:
        return date(year, month, day)
    except ValueError:
        return DateError.NO_SUCH_DAY
