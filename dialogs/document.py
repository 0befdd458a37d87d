"""The details that make a submitted report a document: each read from what a cadre typed, or refused.

Pure parsing, one function per detail; `dialogs.submitting` asks for them one by one. Each returns the
value to keep, or the message id that says, in one sentence, what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from dialogs import text as tx


@dataclass(frozen=True)
class Refusal:
    """A detail refused: the message id saying, in one sentence, what was expected."""

    message_id: str


MAX_NUMBER = 40
MAX_TITLE = 120
MAX_NAME = 60

# Số, ký hiệu of a Party or State document (Hướng dẫn 36-HD/VPTW, Nghị định 30/2020): the number, a
# dash, the kind of document and the issuer, e.g. "12-BC/ĐU", "05-BC/HU", "15/BC-UBND".
_NUMBER = re.compile(r"\d{1,5}\s*[-/]\s*[^\W\d_][\w.]*(?:\s*[-/]\s*[\w.]+)+")
_NUMBER_PREFIX = re.compile(r"^(?:số|so)\s*[:.]?\s*", re.IGNORECASE)
_NAME = re.compile(r"[^\W\d_]+(?:[ '\-][^\W\d_]+)+")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def read_number(text: str) -> str | Refusal:
    """The số, ký hiệu as written ("Số 12-BC/ĐU" → "12-BC/ĐU"), or why not."""
    number = _NUMBER_PREFIX.sub("", tx.clean_line(text)).strip()
    number = re.sub(r"\s*([-/])\s*", r"\1", number)
    if len(number) > MAX_NUMBER or not _NUMBER.fullmatch(number):
        return Refusal("engine.document.bad_number")
    return number


def read_date(text: str, today: date) -> date | Refusal:
    """The date the document was signed: a real day, not after today."""
    if tx.fold(tx.words(text)) in ("hom nay", "today"):
        return today
    parsed = tx.parse_date(text)
    if parsed is tx.DateError.FORMAT:
        return Refusal("engine.document.bad_date")
    if parsed is tx.DateError.NO_SUCH_DAY:
        return Refusal("engine.document.no_such_day")
    assert isinstance(parsed, date)
    if parsed > today:
        return Refusal("engine.document.future_date")
    return parsed


def read_title(text: str) -> str | Refusal:
    """The signer's authority and title as on the paper ("T/M Đảng ủy, Bí thư"): words, not a number."""
    title = tx.clean_line(text)
    if not any(ch.isalpha() for ch in title) or len(title) < 3:
        return Refusal("engine.document.bad_title")
    if len(title) > MAX_TITLE:
        return Refusal("engine.document.too_long")
    return title


def read_name(text: str) -> str | Refusal:
    """A person's full name: at least two words of letters ("Nguyễn Văn An")."""
    name = " ".join(tx.clean_line(text).split())
    if len(name) > MAX_NAME or not _NAME.fullmatch(name):
        return Refusal("engine.document.bad_name")
    return name


def read_phone(text: str) -> str | Refusal:
    """A Vietnamese phone number: 10 digits (or a landline's 11) from 0, "+84" read as 0."""
    digits = _PHONE_SEPARATORS.sub("", tx.clean_line(text))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not re.fullmatch(r"0\d{9,10}", digits, re.ASCII):
        return Refusal("engine.document.bad_phone")
    return digits
