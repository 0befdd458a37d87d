"""What the engine shows: buttons, a question's heading, values and lists, as message ids with parameters.

Pure builders; the flow (`dialogs.flow`) decides what to say when. Every button carries the word to
type on a channel without buttons (`Button.command`): a catalog message (engine.word.*, so that an
English member is told English words, all of which `dialogs.commands` recognises) or, for an
option, its number.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from dialogs.commands import Command, action
from dialogs.events import Answer, Button, Msg
from dialogs.outline import QuestionType
from dialogs.plan import Item, Plan
from dialogs.progress import Problem, has_value, is_unknown
from dialogs.questions import handler

MISSING_SHOWN = 5  # unanswered required questions listed when submitting is refused

_CHOICE, _MULTI, _YESNO, _TEXT = (
    QuestionType.CHOICE,
    QuestionType.MULTI,
    QuestionType.YESNO,
    QuestionType.TEXT,
)

# --- buttons ----------------------------------------------------------------------------------------

WORD_NEXT = Msg("engine.word.next")

BUTTON_REVIEW = Button(Msg("engine.button.review"), "rv", Msg("engine.word.review"))
BUTTON_SUBMIT = Button(Msg("engine.button.submit"), "sub", Msg("engine.word.submit"))
BUTTON_RESUME = Button(Msg("engine.button.resume"), "go", Msg("engine.word.resume"))
BUTTON_HELP = Button(Msg("engine.button.help"), "help", Msg("engine.word.help"))
BUTTON_NOT_YET = Button(Msg("engine.button.not_yet"), "no", Msg("engine.word.not_yet"))


def confirm_button(version: int) -> Button:
    return Button(Msg("engine.button.confirm"), f"ok:{version}", Msg("engine.word.yes"))


# The word that runs each command, as the cadre is told to type it (all recognised by dialogs.commands).
_COMMAND_WORDS: dict[Command, Msg] = {
    Command.START: Msg("engine.word.resume"),
    Command.REVIEW: Msg("engine.word.review"),
    Command.EDIT: Msg("engine.word.edit_any"),
    Command.BACK: Msg("engine.word.back"),
    Command.SKIP: Msg("engine.word.skip"),
    Command.NEXT: WORD_NEXT,
    Command.SUBMIT: Msg("engine.word.submit"),
    Command.PAUSE: Msg("engine.word.pause"),
    Command.HELP: Msg("engine.word.help"),
    Command.APPEND: Msg("engine.word.append"),
    Command.VIEW: Msg("engine.word.view_any"),
    Command.DRAFT: Msg("rollup.word.draft"),
}


def command_word(command: Command) -> Msg:
    """The word to type for a command ("tiếp"), in the member's language."""
    return _COMMAND_WORDS[command]


def near_buttons(command: Command) -> tuple[tuple[Button, ...], ...]:
    """Yes (run the command) and no (keep the message as part of the answer)."""
    word = command_word(command)
    return (
        (
            Button(Msg("engine.button.near_yes", {"word": word}), "cy", Msg("engine.word.yes")),
            Button(Msg("engine.button.near_no"), "cn", Msg("engine.word.no")),
        ),
    )


def review_section_button(index: int, label: str = "engine.button.review_section") -> Button:
    """A button to one section of the review, in full ("xem lại mục 2")."""
    number = {"number": index + 1}
    return Button(Msg(label, number), f"rs:{index}", Msg("engine.word.review_section", number))


class ItemButtons:
    """The buttons about one question, built once per plan (they depend on nothing else)."""

    __slots__ = (
        "next",
        "later",
        "back",
        "skip",
        "append",
        "view",
        "fix",
        "answer",
        "done",
        "choices",
        "ticked",
        "unticked",
        "keep_number",
        "drop_number",
    )

    def __init__(self, item: Item) -> None:
        key, number = item.key, {"number": item.name}
        self.next = Button(Msg("engine.button.next"), action("n", key), WORD_NEXT)
        self.later = Button(Msg("engine.button.later"), action("n", key), WORD_NEXT)
        self.back = Button(Msg("engine.button.back"), action("b", key), Msg("engine.word.back"))
        self.skip = Button(Msg("engine.button.skip"), action("s", key), Msg("engine.word.skip"))
        self.append = Button(Msg("engine.button.append"), action("a", key), Msg("engine.word.append"))
        self.view = Button(Msg("engine.button.view"), action("v", key), Msg("engine.word.view", number))
        self.fix = Button(Msg("engine.button.fix", number), action("e", key), Msg("engine.word.edit", number))
        self.answer = Button(
            Msg("engine.button.answer", number), action("e", key), Msg("engine.word.edit", number)
        )
        self.done = Button(Msg("engine.button.done"), action("d", key), Msg("engine.word.done"))
        # A hedged number ("khoảng 300"): store it as given, or type the exact one.
        self.keep_number = Button(Msg("engine.button.keep_number"), action("ny", key), Msg("engine.word.yes"))
        self.drop_number = Button(Msg("engine.button.drop_number"), action("nn", key), Msg("engine.word.no"))
        # Options are typed by their number, in every language.
        choices = item.question.choices
        self.choices: tuple[tuple[Button, ...], ...] = ()
        if item.type is _CHOICE:
            self.choices = tuple(
                (
                    Button(
                        Msg("engine.button.choice", {"number": i + 1, "label": c.label}),
                        action("c", key, i),
                        str(i + 1),
                    ),
                )
                for i, c in enumerate(choices)
            )
        elif item.type is _YESNO:
            self.choices = (
                (
                    Button(Msg("engine.button.yes"), action("c", key, 0), Msg("engine.word.yes")),
                    Button(Msg("engine.button.no"), action("c", key, 1), Msg("engine.word.no")),
                ),
            )
        self.ticked: tuple[Button, ...] = ()
        self.unticked: tuple[Button, ...] = ()
        if item.type is _MULTI:
            self.ticked, self.unticked = (
                tuple(
                    Button(
                        Msg(message_id, {"number": i + 1, "label": c.label}), action("m", key, i), str(i + 1)
                    )
                    for i, c in enumerate(choices)
                )
                for message_id in ("engine.button.ticked", "engine.button.unticked")
            )


@lru_cache(maxsize=8192)
def buttons(item: Item) -> ItemButtons:
    """The buttons of a question (items are kept by their plan, so the cache holds them alive with it)."""
    return ItemButtons(item)


@lru_cache(maxsize=16384)
def question_buttons(
    item: Item, answered: bool, replacing: bool, selected: tuple[str, ...], has_before: bool, long_text: bool
) -> tuple[tuple[Button, ...], ...]:
    """The buttons under a question: its options, then adding to or seeing its answer, then navigation."""
    own = buttons(item)
    rows: list[tuple[Button, ...]] = list(own.choices)
    if item.type is _MULTI:
        for i, choice in enumerate(item.question.choices):
            rows.append(((own.ticked if choice.value in selected else own.unticked)[i],))
        rows.append((own.done,))
    if item.type is _TEXT and replacing:
        rows.append((own.append,))
    if item.type is _TEXT and answered and long_text:
        rows.append((own.view,))
    navigation: list[Button] = []
    if has_before:
        navigation.append(own.back)
    if not item.required:
        navigation.append(own.skip)
    if answered and item.type is not _MULTI:
        navigation.append(own.next)
    if navigation:
        rows.append(tuple(navigation))
    return tuple(rows)


# --- a question -------------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def heading(plan: Plan, item: Item) -> Msg:
    """Position, question and "optional" in one paragraph: fewer blank lines on a phone screen."""
    place = {
        "section": item.section + 1,
        "sections": plan.sections,
        "number": item.number,
        "total": plan.total,
    }
    lines = [
        # The plan's own number names the question where it has one: "Câu 3.1 (30/35)".
        Msg("engine.question.header_named", {**place, "name": item.name})
        if has_plan_number(item)
        else Msg("engine.question.header", place),
        Msg("engine.question.label", {"label": item.question.label}),
    ]
    if not item.required:
        lines.append(Msg("engine.question.optional"))
    return Msg("engine.lines", {"lines": tuple(lines)})


def has_plan_number(item: Item) -> bool:
    """Whether the question is named by the plan's own number, which its label starts with."""
    return item.name != str(item.number)


# A line that names a question by its number, and the same line for a label that carries the number.
_NAMED_BY_LABEL = {
    "engine.review.item": "engine.review.item_named",
    "engine.view.answer": "engine.view.answer_named",
    "engine.missing.item": "engine.missing.item_named",
}


def named(message_id: str, item: Item, **params: object) -> Msg:
    """A line naming a question and its label: "Câu 7: Số văn bản…", or the label alone when it
    starts with the plan's number ("1.2. Việc ban hành…"), rather than "Câu 1.2: 1.2. Việc…"."""
    if has_plan_number(item):
        return Msg(_NAMED_BY_LABEL[message_id], {"label": item.question.label, **params})  # type: ignore[dict-item]
    return Msg(message_id, {"number": item.name, "label": item.question.label, **params})  # type: ignore[dict-item]


@lru_cache(maxsize=4096)
def section_title(plan: Plan, index: int) -> Msg:
    return Msg("engine.section.title", {"number": index + 1, "title": plan.outline.sections[index].title})


# --- values -----------------------------------------------------------------------------------------


def value(item: Item, answer: Answer, full: bool = True) -> Msg:
    """An answer's value as the member reads it ("chưa có số liệu" for an unknown figure)."""
    if is_unknown(answer):
        return Msg("engine.value.unknown")
    return handler(item.type).shown(item, answer.value, full)


def number(item: Item, figure: int | float) -> Msg:
    """A number given to (or bounding) a numeric question, with its unit."""
    return handler(item.type).shown(item, figure, True)


def review_value(item: Item, answer: Answer | None) -> Msg:
    """An answer as listed in the review: skipped, unanswered, or its value (and how many files)."""
    if answer is not None and answer.skipped:
        return Msg("engine.review.skipped")
    if answer is None or not has_value(item, answer):
        return Msg("engine.review.unanswered")
    shown = value(item, answer)
    if answer.attachments:
        return Msg("engine.review.with_files", {"answer": shown, "count": len(answer.attachments)})
    return shown


# --- lists ------------------------------------------------------------------------------------------


def missing_list(missing: Sequence[Item]) -> tuple[Msg, tuple[tuple[Button, ...], ...]]:
    """The first unanswered required questions (a phone screen holds a few; the review lists all)."""
    items = tuple(named("engine.missing.item", item) for item in missing[:MISSING_SHOWN])
    if len(missing) > MISSING_SHOWN:
        items += (Msg("engine.missing.more", {"count": len(missing) - MISSING_SHOWN}),)
    return Msg("engine.missing.items", {"items": items}), ((buttons(missing[0]).answer,), (BUTTON_REVIEW,))


def bound_list(problems: Sequence[Problem]) -> tuple[tuple[Msg, ...], tuple[tuple[Button, ...], ...]]:
    """The questions whose numbers do not fit together, how to fix them, and a button for the first."""
    items = tuple(
        Msg(
            "engine.bound.item_above" if kind == "above" else "engine.bound.item_below",
            {
                "number": item.name,
                "value": number(item, figure),
                "other": other.name,
                "other_value": number(other, limit),
            },
        )
        for item, figure, kind, other, limit in problems[:MISSING_SHOWN]
    )
    if len(problems) > MISSING_SHOWN:
        items += (Msg("engine.missing.more", {"count": len(problems) - MISSING_SHOWN}),)
    first = problems[0][0]
    said = (
        Msg("engine.missing.items", {"items": items}),
        Msg("engine.bound.how_to_fix", {"number": first.name}),
    )
    return said, ((buttons(first).fix,), (BUTTON_REVIEW,))
