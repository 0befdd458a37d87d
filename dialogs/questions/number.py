"""A number: a whole one (integer) or with a decimal part, in a range, with a unit."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dialogs import text as tx
from dialogs.events import AnswerValue, Msg
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


def param(value: float) -> int | float:
    """A number as a message parameter: 12 rather than 12.0."""
    return int(value) if float(value).is_integer() else float(value)


class Number:
    def __init__(self, parse: Callable[[str], int | float | tx.NumberError], prompt_id: str) -> None:
        self._parse = parse
        self._prompt = Msg(prompt_id)
        self._decimal = parse is tx.parse_decimal

    def parse(self, item: Item, text: str) -> AnswerValue | Msg:
        parsed = self._parse(text)
        if isinstance(parsed, tx.NumberError):
            return Msg(_ERRORS[parsed])
        low, high = item.question.min, item.question.max
        if parsed < 0 and (low is None or low >= 0):
            return Msg("engine.number.negative", {"value": parsed})
        if (low is not None and parsed < low) or (high is not None and parsed > high):
            return Msg("engine.number.out_of_range", {"value": parsed})
        return parsed

    def prompt(self, item: Item, asking: Asking) -> tuple[Msg, ...]:
        # Asked again after a wrong number, the error said what a number looks like: only the unit
        # and range are repeated.
        lines: list[Msg] = [] if asking.brief else [self._prompt]
        if item.question.unit is not None:
            lines.append(Msg("engine.prompt.unit", {"unit": item.question.unit}))
        low, high = asking.low, asking.high
        if low is not None and high is not None:
            lines.append(Msg("engine.number.range", {"min": param(low), "max": param(high)}))
        elif low is not None:
            lines.append(Msg("engine.number.at_least", {"min": param(low)}))
        elif high is not None:
            lines.append(Msg("engine.number.at_most", {"max": param(high)}))
        return (Msg("engine.lines", {"lines": tuple(lines)}),) if lines else ()

    def shown(self, item: Item, value: AnswerValue, full: bool) -> Msg:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return other(value)
        number = param(value) if self._decimal else value
        if item.question.unit is not None:
            return Msg("engine.value.number_unit", {"value": number, "unit": item.question.unit})
        return Msg("engine.value.number", {"value": number})


INTEGER = Number(tx.parse_integer, "engine.prompt.integer")
DECIMAL = Number(tx.parse_decimal, "engine.prompt.decimal")
