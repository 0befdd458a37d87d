"""A yes/no question: by button, "có"/"không" with or without diacritics, "yes"/"no", or 1/2."""

from __future__ import annotations

from dialogs.commands import is_yes
from dialogs.events import AnswerValue, Msg
from dialogs.plan import Item
from dialogs.questions import Asking
from dialogs.questions.choice import index_of


class YesNo:
    def parse(self, item: Item, text: str) -> AnswerValue | Msg:
        index = index_of(item, text, 2)
        if index is not None:
            return index == 0
        yes = is_yes(text)
        if yes is None:
            return Msg("engine.choice.invalid", {"count": 2})
        return yes

    def value_at(self, item: Item, index: int) -> AnswerValue:
        return index == 0  # yes is the first button

    def prompt(self, item: Item, asking: Asking) -> tuple[Msg, ...]:
        return (Msg("engine.prompt.yesno"),)

    def shown(self, item: Item, value: AnswerValue, full: bool) -> Msg:
        return Msg("engine.value.yes" if value else "engine.value.no")


HANDLER = YesNo()
