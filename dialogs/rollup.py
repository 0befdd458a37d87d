"""The roll-up draft: a unit's own report written from the reports of the units right under it.

Pure: given the outline, the unit's own answers so far and its children's submitted answers (in the
units' order), `build_draft` says what to fill and what the official must answer by hand. Wrong data
silently stored is the worst defect, so a figure is filled only where it is the whole truth of the
reports in: a sum that would miss a unit's figure ("chưa có số liệu"), break the question's own
range or a "trong đó" bound, is left unanswered and listed, never stored as if complete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from dialogs import text as tx
from dialogs.answering import ANSWER_LIMIT
from dialogs.conditions import compile_condition
from dialogs.events import Answer
from dialogs.outline import Outline, QuestionType
from dialogs.plan import Item, plan_of
from dialogs.progress import has_value, is_answered, is_unknown

_TEXT, _INTEGER, _DECIMAL = QuestionType.TEXT, QuestionType.INTEGER, QuestionType.DECIMAL

# Why a question is left to the official:
#   own       a choice, yes/no, date or list: not something to add up (the unit's kind is its own)
#   unknown   some units have no figure for it: the sum of the others would read as complete
#   none      no unit that reported answered it
#   range     the sum is outside the question's own range
#   bound     the sum of a "trong đó" part is above its total (or a total below its part)
#   too_long  the units' narratives together are longer than one answer may be
#   waiting   shown only once an earlier question the official answers is answered (`when:`)
Reason = Literal["own", "unknown", "none", "range", "bound", "too_long", "waiting"]


@dataclass(frozen=True)
class ChildReport:
    """A unit right under the one drafting, with the answers of its submitted version."""

    name: str
    answers: Mapping[str, Answer]


@dataclass(frozen=True)
class Filled:
    """A question the draft answers, and from how many units' answers."""

    question_id: str
    answer: Answer
    units: int


@dataclass(frozen=True)
class ByHand:
    """A question the official answers themselves, and why (`units`: how many units it concerns)."""

    question_id: str
    reason: Reason
    units: int = 0


@dataclass(frozen=True)
class Draft:
    """What a roll-up would write: answers to save, what is left by hand, out of how many reports."""

    filled: tuple[Filled, ...]
    by_hand: tuple[ByHand, ...]
    reported: int  # units right under this one whose report is in
    units: int  # units right under this one

    @property
    def answers(self) -> dict[str, Answer]:
        return {f.question_id: f.answer for f in self.filled}


def build_draft(
    outline: Outline,
    own: Mapping[str, Answer],
    children: Sequence[ChildReport],
    units: int,
    *,
    replace: bool = False,
) -> Draft:
    """The draft of a unit's own report from its children's reports (those in, in the units' order).

    A question the unit already answered is kept (`replace`: filled again where the draft can).
    Visibility is the unit's own: its answers, plus what the draft fills before a question, decide
    whether a question applies; a hidden one is neither filled nor listed.
    """
    plan = plan_of(outline)
    answers = dict(own)
    filled: list[Filled] = []
    by_hand: list[ByHand] = []
    for item in plan.answerable:
        if item.id in plan.hidden_by(answers):
            if _waits_on_unanswered(item, answers):
                by_hand.append(ByHand(item.id, "waiting"))
            continue
        if not replace and is_answered(item, answers.get(item.id)):
            continue
        if item.type is _TEXT:
            result = _narrative(item, children)
        elif item.type in (_INTEGER, _DECIMAL):
            result = _figure(item, children, answers)
        else:
            result = ByHand(item.id, "own")
        if isinstance(result, Filled):
            answers[item.id] = result.answer
            filled.append(result)
        else:
            if replace:
                answers.pop(item.id, None)  # a kept answer must not steer what follows as the draft's
            by_hand.append(result)
    return Draft(tuple(filled), tuple(by_hand), len(children), units)


def _narrative(item: Item, children: Sequence[ChildReport]) -> Filled | ByHand:
    parts = []
    for child in children:
        answer = child.answers.get(item.id)
        if has_value(item, answer) and isinstance(answer.value, str) and answer.value.strip():  # type: ignore[union-attr]
            parts.append(f"{child.name}: {answer.value.strip()}")  # type: ignore[union-attr]
    if not parts:
        return ByHand(item.id, "none")
    text = "\n\n".join(parts)
    if tx.utf16_len(text) > ANSWER_LIMIT:
        return ByHand(item.id, "too_long", len(parts))
    return Filled(item.id, Answer(text), len(parts))


def _figure(item: Item, children: Sequence[ChildReport], answers: Mapping[str, Answer]) -> Filled | ByHand:
    total: int | float = 0
    given = unknown = 0
    for child in children:
        answer = child.answers.get(item.id)
        if answer is None or answer.skipped:
            continue  # not asked of that unit (its `when:`), or skipped as optional: nothing to add
        if is_unknown(answer):
            unknown += 1
        elif isinstance(answer.value, int | float) and not isinstance(answer.value, bool):
            total += answer.value
            given += 1
    if unknown:
        return ByHand(item.id, "unknown", unknown)
    if not given:
        return ByHand(item.id, "none")
    if item.type is _DECIMAL:
        total = round(float(total), 6)  # 0.1 + 0.2 is 0.3 in a report
    question = item.question
    if (question.min is not None and total < question.min) or (
        question.max is not None and total > question.max
    ):
        return ByHand(item.id, "range", given)
    for bound, above in ((item.high_of, True), (item.low_of, False)):
        other = answers.get(bound.id) if bound is not None else None
        limit = other.value if other is not None and not other.skipped else None
        if isinstance(limit, int | float) and not isinstance(limit, bool):
            if (above and total > limit) or (not above and total < limit):
                return ByHand(item.id, "bound", given)
    return Filled(item.id, Answer(total), given)


def _waits_on_unanswered(item: Item, answers: Mapping[str, Answer]) -> bool:
    """Whether a hidden question may apply once a question its `when:` reads is answered."""
    when = item.question.when
    if not when:
        return False
    names = compile_condition(when).names
    return any(answers.get(name) is None for name in names)


def item_of(outline: Outline, question_id: str) -> Item:
    """The plan's item of a question (for its number and label)."""
    return plan_of(outline).by_id[question_id]


__all__ = ["ByHand", "ChildReport", "Draft", "Filled", "Reason", "build_draft", "item_of"]
