"""The plan of a report: an outline's questions in order, numbered, with the lookups a turn needs.

A `Plan` is built once per outline (id and version) and cached; everything per member lives in
`dialogs.progress`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from hashlib import blake2s

from dialogs import text as tx
from dialogs.events import Answer, is_unknown_value
from dialogs.outline import Outline, Question, QuestionType

# A question id longer than this (in UTF-8 bytes) is replaced by a short hash in button actions,
# so that an action stays short whatever the outline's ids.
KEY_BYTES = 56

# A question label that starts with the outline's own number: "1.2. Việc ban hành văn bản…".
_LABEL_NUMBER = re.compile(r"\s*(\d{1,3}(?:\.\d{1,3})+)\.?\s")
# ...or with a plan item's single number: "5. Đơn vị có kiến nghị…" (item 5 of the plan).
_LABEL_ITEM = re.compile(r"\s*(\d{1,3})\.\s")
_NOTE = QuestionType.NOTE


class Item:
    """One question or note of the outline with what the engine looks up about it (read only once built)."""

    __slots__ = (
        "question",
        "id",
        "type",
        "pos",
        "section",
        "number",
        "key",
        "choices",
        "low_of",
        "high_of",
        "dependents",
        "required",
        "name",
    )

    def __init__(self, question: Question, pos: int, section: int, number: int, key: str) -> None:
        self.question = question
        self.id = question.id
        self.type = question.type
        self.required = question.required
        self.pos = pos
        self.section = section
        self.number = number
        self.key = key
        # What the cadre reads as the question's name: the plan's own number where the label starts
        # with one ("3.1"), else its place in the report ("7"). A single plan number ("5.") is not
        # a name: it would read as another question's place (see Plan.by_plan_item).
        self.name = str(number)
        self.choices: dict[str, int] = {}  # folded label, in every language → index
        # Bounds taken from other questions' answers ("trong đó": at most the total), and the
        # questions bounded by this one's answer.
        self.low_of: Item | None = None
        self.high_of: Item | None = None
        self.dependents: tuple[Item, ...] = ()


def question_key(question_id: str) -> str:
    """The short key that names a question in button actions."""
    if len(question_id.encode()) <= KEY_BYTES and ":" not in question_id:
        return question_id
    return "~" + blake2s(question_id.encode(), digest_size=8).hexdigest()


Condition = Callable[[Mapping[str, object]], bool]


class Plan:
    """Lookups for one outline, built once and cached by outline id and version."""

    def __init__(self, outline: Outline) -> None:
        self.outline = outline
        items: list[Item] = []
        for s, section in enumerate(outline.sections):
            for question in section.questions:
                items.append(
                    Item(question, len(items), s, outline.number(question.id), question_key(question.id))
                )
        self.items = tuple(items)
        self.by_id = {item.id: item for item in items}
        self.by_key = {item.key: item for item in items}
        self.answerable = tuple(item for item in items if item.type is not _NOTE)
        self.by_number = {item.number: item for item in self.answerable}
        # "sửa 1.2": the outline's own numbering, as the cadre reads it at the start of a label.
        self.by_label_number: dict[str, Item] = {}
        # Every question with that number: an outline may ask "2.1" once per kind of unit (`when:`).
        self.all_by_label_number: dict[str, tuple[Item, ...]] = {}
        # "sửa 5" where the plan's item 5 ("5. Kiến nghị…") is not the fifth question: both meant.
        self.by_plan_item: dict[str, Item] = {}
        for item in self.answerable:
            for label in item.question.label.texts.values():
                if found := _LABEL_NUMBER.match(label):
                    self.by_label_number.setdefault(found[1], item)
                    same = self.all_by_label_number.get(found[1], ())
                    if item not in same:
                        self.all_by_label_number[found[1]] = (*same, item)
                    if item.name == str(item.number):
                        item.name = found[1]
                elif found := _LABEL_ITEM.match(label):
                    self.by_plan_item.setdefault(found[1], item)
        self.total = len(self.answerable)
        self.sections = len(outline.sections)
        self.bounded = self._link_bounds()
        # Skip logic, in outline order: (question id, test on the answers so far), and the questions
        # whose answers the tests read.
        self.conditions: list[tuple[str, Condition]] = []
        inputs: set[str] = set()
        for item in items:
            if item.question.when:
                from dialogs.conditions import compile_condition  # only outlines with skip logic need it

                condition = compile_condition(item.question.when)
                self.conditions.append((item.id, condition.evaluate))
                inputs |= condition.names
        self.condition_inputs = tuple(sorted(inputs))
        # What is hidden depends only on the answers the conditions read, and most units give the
        # same few (a count is zero or not): computed once per combination, not on every turn.
        self._hidden: dict[tuple[object, ...], frozenset[str]] = {}
        for item in items:
            for i, choice in enumerate(item.question.choices):
                for label in choice.label.texts.values():
                    item.choices.setdefault(tx.fold(label), i)
                item.choices.setdefault(tx.fold(choice.value), i)

    def _link_bounds(self) -> tuple[Item, ...]:
        """Numeric questions whose min or max is another question's answer, in outline order."""
        bounded: list[Item] = []
        for item in self.answerable:
            question = item.question
            if not question.is_numeric or (question.min_of is None and question.max_of is None):
                continue
            for attribute, other_id in (("low_of", question.min_of), ("high_of", question.max_of)):
                other = self.by_id.get(other_id) if other_id is not None else None
                if other is not None and other is not item and other.question.is_numeric:
                    setattr(item, attribute, other)
                    if item not in other.dependents:
                        other.dependents += (item,)
            if item.low_of is not None or item.high_of is not None:
                bounded.append(item)
        return tuple(bounded)

    def hidden_by(self, answers: Mapping[str, Answer]) -> frozenset[str]:
        """Questions whose condition is false, given the answers."""
        if not self.conditions:
            return frozenset()
        # The type too: True and 1 are equal keys to a dict, not to a condition.
        parts: list[object] = []
        for question_id in self.condition_inputs:
            answer = answers.get(question_id)
            value = None if answer is None or answer.skipped else answer.value
            if value.__class__ is dict:  # the unknown figure: no number for a condition to read
                value = None
            parts += (value.__class__, tuple(value) if value.__class__ is list else value)
        key = tuple(parts)
        hidden = self._hidden.get(key)
        if hidden is None:
            if len(self._hidden) > 4096:
                self._hidden.clear()
            values = {}
            for question_id in self.condition_inputs:
                answer = answers.get(question_id)
                value = None if answer is None or answer.skipped else answer.value
                values[question_id] = None if is_unknown_value(value) else value
            hidden = self._hidden[key] = self.hidden(values)
        return hidden

    def hidden(self, values: Mapping[str, object]) -> frozenset[str]:
        """Questions whose condition is false, given answer values (None for skipped)."""
        if not self.conditions:
            return frozenset()
        values = dict(values)
        hidden: set[str] = set()
        for question_id, test in self.conditions:
            if not test(values):
                hidden.add(question_id)
                values.pop(question_id, None)  # a hidden question's old answer must not steer later ones
        return frozenset(hidden)


_plans: dict[tuple[str, int], Plan] = {}


def plan_of(outline: Outline) -> Plan:
    """The plan of an outline, from the cache when the same outline was seen before."""
    key = (outline.id, outline.version)
    plan = _plans.get(key)
    # Identity first (the caller keeps one Outline object); equality guards against two different
    # outlines that share an id and version, as tests may build.
    if plan is None or (plan.outline is not outline and plan.outline != outline):
        if len(_plans) > 256:
            _plans.clear()
        plan = _plans[key] = Plan(outline)
    return plan
