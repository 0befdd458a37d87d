"""The words a member is told to type, in either language, are words the engine understands."""

from __future__ import annotations

import pytest

from dialogs.commands import Action, Command, is_yes, parse_action, recognise
from tests.dialogs.conftest import catalog


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_word_offered_to_type_is_recognised(locale: str) -> None:
    words = {i: text for i, text in catalog(locale).items() if i.startswith("engine.word.")}
    assert len(words) >= 14
    for message_id, text in words.items():
        typed = text.format(number=7)
        if message_id in ("engine.word.yes", "engine.word.no", "engine.word.not_yet"):
            assert is_yes(typed) is (message_id == "engine.word.yes"), (locale, typed)
        else:
            assert recognise(typed) is not None and not isinstance(recognise(typed), str), (locale, typed)
    assert recognise(words["engine.word.edit"].format(number=7)) == (Command.EDIT, "7")
    assert recognise(words["engine.word.view"].format(number=7)) == (Command.VIEW, "7")
    assert recognise(words["engine.word.next"]) == (Command.NEXT, "")


def test_button_actions_read_back() -> None:
    assert parse_action("c:so_van_ban:2") == Action("c", "so_van_ban", 2)
    assert parse_action("n:tt") == Action("n", "tt")
    assert parse_action("ok:3") == Action("ok", version="3")
    assert parse_action("rv") == Action("rv")
    assert parse_action("c:q:x") == Action("c", "q", None)  # garbled index: the flow says so
    for garbled in ("zz:q", "zz", "c:", "ok", "go:1", ""):
        assert parse_action(garbled) is None, garbled
