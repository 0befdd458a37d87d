"""What cadres type, made usable: cleaning, folding for word matching, UTF-16 length, numbers, dates.

Pure functions, shared by the dialog engine and the channels.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
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
_SCALES = {"trieu": 1_000_000, "nghin": 1_000, "ngan": 1_000}


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
