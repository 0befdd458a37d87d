"""A note: text from the outline shown to the cadre on the way, with nothing to answer."""

from __future__ import annotations

from dialogs.events import AnswerValue, Msg
from dialogs.plan import Item
from dialogs.questions import Asking, other


class Note:
    def parse(self, item: Item, text: str) -> AnswerValue | Msg:
        return None  # never asked: the flow moves past a note

    def prompt(self, item: Item, asking: Asking) -> tuple[Msg, ...]:
        return ()

    def shown(self, item: Item, value: AnswerValue, full: bool) -> Msg:
        return other(value)

    def said(self, item: Item) -> tuple[Msg, ...]:
        """The note as shown on the way past it."""
        said = (Msg("engine.note", {"text": item.question.label}),)
        if item.question.hint is not None:
            said += (Msg("engine.question.hint", {"hint": item.question.hint}),)
        return said


HANDLER = Note()
