"""A multiple choice: ticked by buttons then "Xong", or typed as numbers or labels ("1, 3")."""

from __future__ import annotations

import re

from dialogs import text as tx
from dialogs.events import AnswerValue, Msg
from dialogs.plan import Item
from dialogs.questions import Asking, other
from dialogs.questions.choice import label_of

_LIST_SEPARATORS = re.compile(r"\s*(?:[,;+&/]|\bva\b|\bvoi\b)\s*")


class MultiChoice:
    def parse(self, item: Item, text: str) -> AnswerValue | Msg:
        choices = item.question.choices
        picked: set[int] = set()
        folded = tx.fold(text)
        parts = [folded] if folded in item.choices else [p for p in _LIST_SEPARATORS.split(folded) if p]
        for part in parts:
            if part in item.choices:
                indexes = [item.choices[part]]
            elif all(token.isdigit() for token in part.split()):
                indexes = [int(token) - 1 for token in part.split()]  # "1 3" as well as "1, 3"
            else:
                indexes = [-1]
            if not all(0 <= index < len(choices) for index in indexes):
                picked.clear()
                break
            picked.update(indexes)
        if not picked:
            return Msg("engine.multi.invalid", {"count": len(choices)})
        return [choices[i].value for i in sorted(picked)]

    def prompt(self, item: Item, asking: Asking) -> tuple[Msg, ...]:
        return (Msg("engine.prompt.multi"),)

    def shown(self, item: Item, value: AnswerValue, full: bool) -> Msg:
        if not isinstance(value, list):
            return other(value)
        labels = items(item, value)
        return Msg("engine.value.multi", {"items": labels}) if labels else Msg("engine.value.none")


def items(item: Item, values: list[str] | tuple[str, ...]) -> tuple[Msg, ...]:
    """The labels of ticked values, one line each."""
    return tuple(Msg("engine.value.multi_item", {"label": label_of(item, v)}) for v in values)


def toggled(item: Item, selected: tuple[str, ...], index: int) -> tuple[str, ...]:
    """The ticked values after ticking or unticking option `index`, in the outline's order."""
    value = item.question.choices[index].value
    selected = tuple(v for v in selected if v != value) if value in selected else (*selected, value)
    order = [c.value for c in item.question.choices]
    return tuple(sorted(selected, key=order.index))


HANDLER = MultiChoice()
