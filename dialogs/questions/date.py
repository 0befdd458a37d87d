"""A date: day/month/year as Vietnamese officials write it; stored as an ISO string."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from dialogs import text as tx
from dialogs.events import AnswerValue, Msg
from dialogs.plan import Item
from dialogs.questions import Asking, other

_ERRORS: Mapping[tx.DateError, str] = {
    tx.DateError.FORMAT: "engine.date.format",
    tx.DateError.NO_SUCH_DAY: "engine.date.no_such_day",
}


class Date:
    def parse(self, item: Item, text: str) -> AnswerValue | Msg:
        parsed = tx.parse_date(text)
        if isinstance(parsed, tx.DateError):
            return Msg(_ERRORS[parsed])
        return parsed.isoformat()

    def prompt(self, item: Item, asking: Asking) -> tuple[Msg, ...]:
        return (Msg("engine.prompt.date"),)

    def shown(self, item: Item, value: AnswerValue, full: bool) -> Msg:
        try:
            day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            day = None
        if day is None:
            return other(value)
        return Msg("engine.value.date", {"date": day})  # formatted per locale by bot.i18n


HANDLER = Date()
