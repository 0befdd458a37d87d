"""How far a unit's report has got: the one definition of a visible, answered and missing question.

The cadre's "x/y", the submission's answered count and every supervisor's count read it from here,
so that they can never disagree:

- a question is *visible* when it is not a note and its skip logic (`when:`) holds for the answers;
- it is *answered* when its answer says something, or when it is optional and was skipped on purpose;
- it is *missing* when it is visible, required, and its answer says nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dialogs.events import Answer, is_unknown_value
from dialogs.outline import Outline, QuestionType
from dialogs.plan import Item, Plan, plan_of

_TEXT, _NOTE = QuestionType.TEXT, QuestionType.NOTE


def has_value(item: Item, answer: Answer | None) -> bool:
    """Whether the answer says something (skipped does not; files alone do for a narrative)."""
    if answer is None or answer.skipped:
        return False
    value = answer.value
    if value is None or value == "" or value == []:
        return item.type is _TEXT and bool(answer.attachments)
    return True


def is_unknown(answer: Answer | None) -> bool:
    """Whether the answer says the figure is not known ("chưa có số liệu"): answered, but no number,
    never counted as 0 and left out of every check against other numbers."""
    return answer is not None and not answer.skipped and is_unknown_value(answer.value)


def is_answered(item: Item, answer: Answer | None) -> bool:
    """Answered, or an optional question skipped on purpose."""
    if answer is not None and answer.skipped:
        return not item.required
    return has_value(item, answer)


# A number that goes against another answer: (question, its value, "above"|"below", other, its value).
Problem = tuple[Item, int | float, str, Item, int | float]


@dataclass(frozen=True)
class Progress:
    """One report's answers read against its plan: what applies, what is answered, what is missing."""

    plan: Plan
    answers: Mapping[str, Answer]
    hidden: frozenset[str] = field(init=False)  # questions (and notes) whose condition is false
    # Worked out on first use, in one pass (a turn that only moves on never needs them):
    # (applicable, how many answered, how many required, missing).
    _tally: tuple[tuple[Item, ...], int, int, tuple[Item, ...]] | None = field(
        init=False, default=None, repr=False, compare=False
    )
    _problems: tuple[Problem, ...] | None = field(init=False, default=None, repr=False, compare=False)
    _sections: tuple[str, ...] | None = field(init=False, default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", self.plan.hidden_by(self.answers))

    @classmethod
    def of(cls, outline: Outline, answers: Mapping[str, Answer]) -> Progress:
        """The progress of `answers` over an outline (its plan taken from the cache)."""
        return cls(plan_of(outline), answers)

    # -- one question --------------------------------------------------------------------------------

    def answer(self, item: Item) -> Answer | None:
        return self.answers.get(item.id)

    def visible(self, item: Item) -> bool:
        """Whether the item applies, given the answers (a note too)."""
        return item.id not in self.hidden

    def is_answered(self, item: Item) -> bool:
        return is_answered(item, self.answers.get(item.id))

    def has_value(self, item: Item) -> bool:
        return has_value(item, self.answers.get(item.id))

    # -- the whole report ----------------------------------------------------------------------------

    def _counted(self) -> tuple[tuple[Item, ...], int, int, tuple[Item, ...]]:
        tally = self._tally
        if tally is None:
            hidden, answers = self.hidden, self.answers
            applicable = self.plan.answerable
            if hidden:
                applicable = tuple(item for item in applicable if item.id not in hidden)
            answered = required = 0
            missing: list[Item] = []
            for item in applicable:
                answer = answers.get(item.id)
                # is_answered and has_value, in one look at the answer.
                said = answer is not None and not answer.skipped and has_value(item, answer)
                if said or (answer is not None and answer.skipped and not item.required):
                    answered += 1
                if item.required:
                    required += 1
                    if not said:
                        missing.append(item)
            tally = (applicable, answered, required, tuple(missing))
            object.__setattr__(self, "_tally", tally)
        return tally

    @property
    def applicable(self) -> tuple[Item, ...]:
        """The questions that apply, in order (before the report is complete, a question may be
        hidden only because the one it depends on is unanswered)."""
        return self._counted()[0]

    @property
    def answered(self) -> tuple[Item, ...]:
        """The questions that apply and are answered (`is_answered`)."""
        answers = self.answers
        return tuple(item for item in self.applicable if is_answered(item, answers.get(item.id)))

    @property
    def required(self) -> tuple[Item, ...]:
        return tuple(item for item in self.applicable if item.required)

    @property
    def missing(self) -> tuple[Item, ...]:
        """Required questions that apply and whose answer says nothing."""
        return self._counted()[3]

    @property
    def answered_count(self) -> int:
        """The "x" of the cadre's "x/y"."""
        return self._counted()[1]

    @property
    def applicable_count(self) -> int:
        return len(self._counted()[0])

    @property
    def required_count(self) -> int:
        return self._counted()[2]

    @property
    def total(self) -> int:
        """Answerable questions in the outline, whatever the answers."""
        return self.plan.total

    @property
    def sections_answered(self) -> tuple[str, ...]:
        """The ids of the outline's sections that are done, in outline order: at least one question
        of the section is answered and every required question of it that applies has an answer
        (what a supervisor's "tiến độ" counts per section; stored with the answered count)."""
        sections = self._sections
        if sections is None:
            applicable, _, _, missing = self._counted()
            answers = self.answers
            answered = {item.section for item in applicable if is_answered(item, answers.get(item.id))}
            answered -= {item.section for item in missing}
            outline = self.plan.outline.sections
            sections = tuple(outline[index].id for index in sorted(answered))
            object.__setattr__(self, "_sections", sections)
        return sections

    @property
    def complete(self) -> bool:
        """Every required question that applies has an answer."""
        return not self._counted()[3]

    # -- numbers bounded by other answers ("trong đó" parts of a total) ------------------------------

    def number(self, item: Item) -> int | float | None:
        """The number answered to a question that applies; None if unanswered, skipped or hidden."""
        answer = self.answers.get(item.id)
        if answer is None or answer.skipped:
            return None
        value = answer.value
        if isinstance(value, bool) or not isinstance(value, int | float) or item.id in self.hidden:
            return None
        return value

    def breach(self, item: Item, value: float) -> tuple[str, Item, int | float] | None:
        """The answered question `value` would go against, as ("above"|"below", it, its value)."""
        if item.high_of is not None:
            limit = self.number(item.high_of)
            if limit is not None and value > limit:
                return "above", item.high_of, limit
        if item.low_of is not None:
            limit = self.number(item.low_of)
            if limit is not None and value < limit:
                return "below", item.low_of, limit
        return None

    @property
    def bound_problems(self) -> tuple[Problem, ...]:
        """Answered questions that go against the answer they are bounded by (only those few)."""
        if self._problems is None:
            problems: list[Problem] = []
            for item in self.plan.bounded:
                value = self.number(item)
                found = self.breach(item, value) if value is not None else None
                if found is not None:
                    problems.append((item, value, *found))  # type: ignore[arg-type]
            object.__setattr__(self, "_problems", tuple(problems))
        return self._problems  # type: ignore[return-value]

    def range(self, item: Item) -> tuple[float | None, float | None]:
        """The range a number must be in now: its own, narrowed by the answers it is bounded by."""
        question = item.question
        low, high = question.min, question.max
        if item.high_of is not None and (limit := self.number(item.high_of)) is not None:
            high = limit if high is None else min(high, limit)
        if item.low_of is not None and (limit := self.number(item.low_of)) is not None:
            low = limit if low is None else max(low, limit)
        return low, high
