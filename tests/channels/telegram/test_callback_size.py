"""Every button the engine can show fits Telegram's callback data (64 bytes), so none is refused."""

from __future__ import annotations

from bot.channels.telegram.mapping import MAX_CALLBACK_DATA_BYTES
from dialogs import messages
from dialogs.builtin import get_outline
from dialogs.events import Button
from dialogs.outline import Choice, Localized, Outline, Question, QuestionType, Section
from dialogs.plan import plan_of
from tests.dialogs.conftest import Cadre


def every_button(outline: Outline) -> list[Button]:
    """The buttons about each question of an outline, and those about the report as a whole."""
    found = [
        messages.BUTTON_REVIEW, messages.BUTTON_SUBMIT, messages.BUTTON_RESUME, messages.BUTTON_HELP,
        messages.BUTTON_NOT_YET, messages.confirm_button(999_999),
    ]  # fmt: skip
    for item in plan_of(outline).items:
        own = messages.buttons(item)
        found += [
            own.next,
            own.later,
            own.back,
            own.skip,
            own.append,
            own.view,
            own.fix,
            own.answer,
            own.done,
        ]
        found += [b for row in own.choices for b in row] + list(own.ticked) + list(own.unticked)
    return found


def fits(button: Button) -> bool:
    return 0 < len(button.action.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES


def test_every_action_for_the_ct30_outline_fits() -> None:
    buttons = every_button(get_outline("ct30-20nam"))
    assert len(buttons) > 300
    assert [b.action for b in buttons if not fits(b)] == []


def test_every_button_a_cadre_meets_in_a_whole_report_fits() -> None:
    outline = get_outline("ct30-20nam")
    cadre = Cadre(outline)
    typed = {"integer": "2", "decimal": "2", "date": "15/06/2018", "multi": "1", "text": "Đã làm."}
    cadre.send("/baocao")
    for _ in range(200):
        assert all(fits(b) for b in cadre.buttons), [b.action for b in cadre.buttons]
        question_id = cadre.state.question_id
        if question_id is None:
            break
        kind = outline.question(question_id).type.value
        if kind in ("choice", "yesno"):
            cadre.click(next(b for b in cadre.buttons if b.action.startswith("c:")))
        elif kind == "text" and cadre.state.parts:
            cadre.press("Câu tiếp")
        else:
            cadre.send(typed[kind])
    assert cadre.state.question_id is None, "the whole report was walked"
    cadre.send("nộp")
    assert any(b.action.startswith("ok:") for b in cadre.buttons) and all(fits(b) for b in cadre.buttons)


def test_a_question_id_too_long_for_a_button_still_gets_one_that_fits() -> None:
    long_id = "cau_hoi_" + "rat_dai_" * 12  # 104 bytes
    # A multi-choice with a hundred options: the longest action, "m:<key>:99".
    options = tuple(Choice(f"v{i}", Localized({"vi": f"L{i}"})) for i in range(100))
    many = (Question(long_id, QuestionType.MULTI, Localized({"vi": "Nhiều lựa chọn"}), choices=options),)
    outline = Outline("dai", 1, Localized({"vi": "Dài"}), (Section("s", Localized({"vi": "S"}), many),))
    assert all(fits(b) for b in every_button(outline))
