"""One handler per question type: how an answer is read from text, what the question asks, how a value shows.

`handler(item.type)` gives the handler of a question; the flow (`dialogs.flow`) decides when each is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from dialogs.events import AnswerValue, Msg
from dialogs.outline import QuestionType
from dialogs.plan import Item


@dataclass(frozen=True)
class Asking:
    """How a question is being asked: again after a wrong answer, over an answer, within which range."""

    brief: bool = False  # asked again after a wrong answer: no general instructions
    has_text: bool = False  # a narrative question that already has text
    replacing: bool = False  # the next message replaces that text
    low: float | None = None  # the range a number must be in now
    high: float | None = None


class Handler(Protocol):
    """What the engine needs to know about one type of question."""

    def parse(self, item: Item, text: str) -> AnswerValue | Msg:
        """The value a (cleaned) message answers, or the message that says why it does not."""
        ...

    def prompt(self, item: Item, asking: Asking) -> tuple[Msg, ...]:
        """What to say under the question about how to answer it."""
        ...

    def shown(self, item: Item, value: AnswerValue, full: bool) -> Msg:
        """A stored value as the member reads it (`full` False: a long text cut to its start)."""
        ...


def other(value: AnswerValue) -> Msg:
    """A value that does not fit its question's type (the outline changed under it): shown as it is."""
    return Msg("engine.value.other", {"value": str(value)})


def handler(kind: QuestionType) -> Handler:
    """The handler of a question type."""
    return _HANDLERS[kind]


def _handlers() -> Mapping[QuestionType, Handler]:
    from dialogs.questions import choice, date, multi, note, number, text, yesno

    return {
        QuestionType.TEXT: text.HANDLER,
        QuestionType.INTEGER: number.INTEGER,
        QuestionType.DECIMAL: number.DECIMAL,
        QuestionType.CHOICE: choice.HANDLER,
        QuestionType.MULTI: multi.HANDLER,
        QuestionType.YESNO: yesno.HANDLER,
        QuestionType.DATE: date.HANDLER,
        QuestionType.NOTE: note.HANDLER,
    }


_HANDLERS = _handlers()
