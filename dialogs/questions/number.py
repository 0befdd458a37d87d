"""A number: a whole one (integer) or with a decimal part, in a range, with a unit.

What a cadre types is read by `dialogs.text.read_quantity` (scale words, hedges, units, "không có")
and checked here against the question: its unit (money is converted between đồng, nghìn, triệu and
tỷ đồng; another unit is refused), whole or not, its range. Nothing doubtful is stored: the cadre
is told what was understood and asked again, or (a hedged number) asked to confirm it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from dialogs import text as tx
from dialogs.events import AnswerValue, Msg, is_unknown_value, unknown_value
from dialogs.plan import Item
from dialogs.questions import Asking, other

_ERRORS: Mapping[tx.NumberError, str] = {
    tx.NumberError.EMPTY: "engine.number.empty",
    tx.NumberError.WORDS: "engine.number.words",
    tx.NumberError.NOT_INTEGER: "engine.number.not_integer",
    tx.NumberError.SEVERAL: "engine.number.several",
    tx.NumberError.AMBIGUOUS: "engine.number.ambiguous",
    tx.NumberError.MALFORMED: "engine.number.malformed",
    tx.NumberError.TOO_LARGE: "engine.number.too_large",
}
QUOTED = 40  # characters of the message quoted back; a long one is not echoed whole

# A question's unit that is money: "đồng", "nghìn đồng", "triệu đồng", "tỷ đồng" (folded).
_MONEY_UNIT = re.compile(r"(?:(nghin|ngan|trieu|ty|ti) )?(?:dong|vnd)")
# Classifiers that count events: "12 cuộc" answers a count of hội nghị, buổi, lớp…
_EVENT_WORDS = frozenset({"cuoc", "buoi", "lan", "dot", "phien"})
_EVENT_UNITS = frozenset({"hoi nghi", "buoi", "cuoc", "lan", "dot", "lop", "phien", "hoi thao", "cuoc hop"})
_PUNCTUATION = re.compile(r"[^\w\s]")
_UNIT_SPLIT = re.compile(r"\s*(?:[,;/]|\bhoặc\b|\bhoac\b)\s*")


def param(value: float) -> int | float:
    """A number as a message parameter: 12 rather than 12.0."""
    return int(value) if float(value).is_integer() else float(value)


def quoted(text: str) -> str:
    """What the cadre typed, as quoted back in a message (cut when long)."""
    return text if len(text) <= QUOTED else text[: QUOTED - 1].rstrip() + "…"


def money_scale(item: Item) -> int | None:
    """How many đồng one unit of the question is (1 for đồng, 10⁶ for triệu đồng); None if not money."""
    unit = item.question.unit
    if unit is None:
        return None
    found = _MONEY_UNIT.fullmatch(tx.fold(unit.get("vi")))
    if found is None:
        return None
    return tx.SCALE_WORDS[found[1]] if found[1] else 1


def _unit_parts(item: Item) -> list[list[str]]:
    unit = item.question.unit
    if unit is None:
        return []
    parts: list[list[str]] = []
    for text in unit.texts.values():
        parts.append(_PUNCTUATION.sub(" ", tx.fold(text)).split())
        parts.extend(tx.fold(p).split() for p in _UNIT_SPLIT.split(text) if tx.fold(p))
    return parts


def fits_unit(item: Item, unit_words: str) -> bool:
    """Whether the words after a number name what the question counts ("12 hội nghị", "12 thôn")."""
    if not unit_words:
        return True
    words = unit_words.split()
    parts = _unit_parts(item)
    if not parts:  # a unit not given: the words must be the label's own
        label = f" {tx.fold(item.question.label.get('vi'))} "
        return f" {unit_words} " in label
    n = len(words)
    if any(part[:n] == words or part[-n:] == words for part in parts if len(part) >= n):
        return True
    return unit_words in _EVENT_WORDS and any(" ".join(part) in _EVENT_UNITS for part in parts)


def takes_percent(item: Item) -> bool:
    """Whether the question asks for a percentage (its unit, or its label, says %)."""
    unit = item.question.unit
    said = (unit.get("vi") if unit is not None else "") + item.question.label.get("vi")
    return "%" in said or "phần trăm" in said.lower()


@dataclass(frozen=True)
class Understood:
    """A number read and checked, in the question's unit; `approximate` when it was hedged."""

    value: int | float | dict[str, bool]
    shown: Msg
    approximate: bool = False


class Number:
    def __init__(self, decimal: bool, prompt_id: str) -> None:
        self._decimal = decimal
        self._prompt = Msg(prompt_id)

    def read(self, item: Item, text: str) -> Understood | Msg:
        """What a message answers, with how to say it back; or the message that says why not."""
        typed = quoted(text)
        read = tx.read_quantity(text)
        if read is tx.Reading.NONE:
            return Understood(0, self.shown(item, 0, True))
        if read is tx.Reading.UNKNOWN:
            return Understood(unknown_value(), Msg("engine.value.unknown"))
        if read is tx.Reading.SENTENCE:
            return Msg("engine.number.sentence", {"typed": typed})
        if read is tx.NumberError.AMBIGUOUS:
            readings = tx.ambiguous_readings(text)
            if readings is not None:
                thousands, decimal = readings
                return Msg(
                    "engine.number.ambiguous",
                    {"typed": typed, "thousands": thousands, "decimal": param(float(decimal))},
                )
        if isinstance(read, tx.NumberError):
            return Msg(_ERRORS[read])
        if read.percent and not takes_percent(item):
            return Msg("engine.number.percent", {"typed": typed})
        return self._convert(item, read, typed)

    def _convert(self, item: Item, read: tx.Quantity, typed: str) -> Understood | Msg:
        money = money_scale(item)
        value, unit_words = read.value, read.unit
        in_dong = False
        if money is not None:
            if unit_words in tx.MONEY_WORDS:
                in_dong = True
            elif unit_words:
                if tx.reads_as_sentence(unit_words):
                    return Msg("engine.number.sentence", {"typed": typed})
                return self._foreign(item, typed, unit_words)
            else:
                in_dong = read.scaled  # "2 triệu", "1,2 tỷ": an amount in đồng
            if in_dong:
                value = value / money
        else:
            if read.short_ng:  # "50 ng": 50 người or 50 nghìn?
                return Msg(
                    "engine.number.ng",
                    {
                        "typed": typed,
                        "number": param(float(read.number)),
                        "thousands": param(float(read.value)),
                    },
                )
            if unit_words in tx.MONEY_WORDS or not fits_unit(item, unit_words):
                if tx.reads_as_sentence(unit_words):
                    return Msg("engine.number.sentence", {"typed": typed})
                return self._foreign(item, typed, unit_words)
        if not self._decimal and value != value.to_integral_value():
            if read.scaled or in_dong:
                shown_value = self._shown_decimal(item, value)
                return Msg("engine.number.inexact", {"typed": typed, "value": shown_value})
            return Msg("engine.number.not_integer")
        if abs(value) >= Decimal(10) ** tx.MAX_DIGITS:
            return Msg("engine.number.too_large")
        number: int | float = int(value) if not self._decimal else param(float(value))
        low, high = item.question.min, item.question.max
        shown = self.shown(item, number, True)
        if number < 0 and (low is None or low >= 0):
            return Msg("engine.number.negative", {"value": number})
        if (low is not None and number < low) or (high is not None and number > high):
            return Msg("engine.number.out_of_range", {"value": shown, "limits": limits(low, high)})
        if in_dong and money != 1:
            amount = param(float(read.value))
            in_words = Msg("engine.value.dong", {"amount": amount})
            shown = Msg("engine.value.converted", {"value": shown, "amount": in_words})
        return Understood(number, shown, approximate=bool(read.approximate))

    def _shown_decimal(self, item: Item, value: Decimal) -> Msg:
        figure = param(float(value))
        if item.question.unit is not None:
            return Msg("engine.value.number_unit", {"value": figure, "unit": item.question.unit})
        return Msg("engine.value.number", {"value": figure})

    def _foreign(self, item: Item, typed: str, unit_words: str) -> Msg:
        unit = item.question.unit
        if unit is None:
            return Msg("engine.number.unit_unclear", {"typed": typed})
        return Msg("engine.number.foreign_unit", {"typed": typed, "unit": unit})

    def parse(self, item: Item, text: str) -> AnswerValue | Msg:
        read = self.read(item, text)
        if isinstance(read, Msg):
            return read
        if read.approximate:
            params = {"typed": quoted(text), "number": item.number, "value": read.shown}
            return Msg("engine.number.approx", params)  # type: ignore[arg-type]
        return read.value

    def prompt(self, item: Item, asking: Asking) -> tuple[Msg, ...]:
        # Asked again after a wrong number, the error said what a number looks like: only the unit
        # is repeated. The range is said only when another answer narrows it ("trong đó": at most
        # the total); the question's own limits are said when an answer breaks them.
        lines: list[Msg] = [] if asking.brief else [self._prompt]
        if item.question.unit is not None:
            lines.append(Msg("engine.prompt.unit", {"unit": item.question.unit}))
        low, high = asking.low, asking.high
        if (low, high) != (item.question.min, item.question.max) and (low is not None or high is not None):
            lines.append(limits(low, high))
        return (Msg("engine.lines", {"lines": tuple(lines)}),) if lines else ()

    def shown(self, item: Item, value: AnswerValue, full: bool) -> Msg:
        if is_unknown_value(value):
            return Msg("engine.value.unknown")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return other(value)
        number = param(value) if self._decimal else value
        if item.question.unit is not None:
            return Msg("engine.value.number_unit", {"value": number, "unit": item.question.unit})
        return Msg("engine.value.number", {"value": number})


def limits(low: float | None, high: float | None) -> Msg:
    """The range a number must be in, as said to the cadre."""
    if low is not None and high is not None:
        return Msg("engine.number.range", {"min": param(low), "max": param(high)})
    if low is not None:
        return Msg("engine.number.at_least", {"min": param(low)})
    return Msg("engine.number.at_most", {"max": param(high if high is not None else 0)})


INTEGER = Number(False, "engine.prompt.integer")
DECIMAL = Number(True, "engine.prompt.decimal")
