"""A narrative question: free text, possibly in several messages, with files."""

from __future__ import annotations

from dialogs.events import AnswerValue, Msg
from dialogs.plan import Item
from dialogs.questions import Asking

PREVIEW_CHARS = 300  # of a long narrative answer, shown with its question; the review shows all


class Text:
    def parse(self, item: Item, text: str) -> AnswerValue | Msg:
        return text  # how it joins the answer so far is the flow's to decide (dialogs.flow.write)

    def prompt(self, item: Item, asking: Asking) -> tuple[Msg, ...]:
        if asking.replacing:
            return (Msg("engine.prompt.text_replace"),)
        return (Msg("engine.prompt.text_append" if asking.has_text else "engine.prompt.text"),)

    def shown(self, item: Item, value: AnswerValue, full: bool) -> Msg:
        text = value if isinstance(value, str) else ""
        if not text:
            return Msg("engine.value.files_only")
        if full or len(text) <= PREVIEW_CHARS:
            return Msg("engine.value.text", {"text": text})
        start = text[:PREVIEW_CHARS].rsplit(" ", 1)[0]
        return Msg("engine.value.text_preview", {"start": start, "length": len(text), "number": item.name})


HANDLER = Text()


def is_long(value: AnswerValue) -> bool:
    """Whether a narrative answer is shown cut with its question (so "see it whole" is offered)."""
    return isinstance(value, str) and len(value) > PREVIEW_CHARS
