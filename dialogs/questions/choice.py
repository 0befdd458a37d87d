"""A single choice among the outline's options: by button, by its number, or by its label typed."""

from __future__ import annotations

from dialogs import text as tx
from dialogs.events import AnswerValue, Msg
from dialogs.outline import Localized
from dialogs.plan import Item
from dialogs.questions import Asking


def index_of(item: Item, text: str, count: int) -> int | None:
    """The 0-based option a typed number names ("2" → 1); None if the text is not one in range."""
    folded = tx.fold(text)
    if folded.isdigit():
        index = int(folded) - 1
        return index if 0 <= index < count else None
    return None


def label_of(item: Item, value: AnswerValue) -> Localized | str:
    """The label of the option with this value (the value itself if the outline lost it)."""
    for choice in item.question.choices:
        if choice.value == value:
            return choice.label
    return str(value)


class SingleChoice:
    def parse(self, item: Item, text: str) -> AnswerValue | Msg:
        choices = item.question.choices
        folded = tx.fold(text)
        index = index_of(item, folded, len(choices)) if folded.isdigit() else item.choices.get(folded)
        if index is None:
            return Msg("engine.choice.invalid", {"count": len(choices)})
        return choices[index].value

    def value_at(self, item: Item, index: int) -> AnswerValue:
        return item.question.choices[index].value

    def prompt(self, item: Item, asking: Asking) -> tuple[Msg, ...]:
        return (Msg("engine.prompt.choice"),)

    def shown(self, item: Item, value: AnswerValue, full: bool) -> Msg:
        return Msg("engine.value.choice", {"label": label_of(item, value)})


HANDLER = SingleChoice()
