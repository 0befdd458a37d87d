"""The report outline: sections and questions, as plain frozen values."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

DEFAULT_LOCALE = "vi"


@dataclass(frozen=True)
class Localized:
    """A text given in several languages, e.g. an outline's label."""

    texts: Mapping[str, str]

    def get(self, locale: str) -> str:
        """The text in `locale`, falling back to Vietnamese, then to any language given."""
        if locale in self.texts:
            return self.texts[locale]
        if DEFAULT_LOCALE in self.texts:
            return self.texts[DEFAULT_LOCALE]
        return next(iter(self.texts.values()), "")

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.texts.items())))


class QuestionType(StrEnum):
    TEXT = "text"  # narrative, may span several messages
    INTEGER = "integer"
    DECIMAL = "decimal"
    CHOICE = "choice"  # single choice
    MULTI = "multi"  # multiple choice
    YESNO = "yesno"
    DATE = "date"
    NOTE = "note"  # information shown to the cadre, nothing to answer


@dataclass(frozen=True)
class Choice:
    value: str
    label: Localized


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    label: Localized
    hint: Localized | None = None
    required: bool = True
    min: float | None = None
    max: float | None = None
    choices: tuple[Choice, ...] = ()
    unit: Localized | None = None  # e.g. "cuộc", shown after numbers
    when: str | None = None  # condition on earlier answers; see dialogs.conditions
    # Bounds given by an earlier numeric question's answer ("trong đó" parts of a total): the id of
    # that question. They apply once it is answered (and applies), on top of the constant `min`/`max`
    # (which the loader takes from that question's own range).
    min_of: str | None = None
    max_of: str | None = None

    @property
    def is_answerable(self) -> bool:
        return self.type is not QuestionType.NOTE

    @property
    def is_numeric(self) -> bool:
        return self.type in (QuestionType.INTEGER, QuestionType.DECIMAL)


@dataclass(frozen=True)
class Section:
    id: str
    title: Localized
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Part:
    """A part of the compiled report ("Phần thứ nhất: Kết quả …"): sections read together, declared
    in the outline (`parts:`), never in code."""

    id: str
    title: Localized
    sections: tuple[str, ...]  # section ids, in outline order


@dataclass(frozen=True)
class Outline:
    id: str
    version: int
    title: Localized
    sections: tuple[Section, ...]
    languages: tuple[str, ...] = ("vi", "en")
    # How a compiled report groups the sections; empty: section by section.
    parts: tuple[Part, ...] = ()
    _index: Mapping[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Precompute question positions once: the engine asks for them on every turn.
        index: dict[str, tuple[int, int]] = {}
        number = 0
        for s, section in enumerate(self.sections):
            for question in section.questions:
                if question.is_answerable:
                    number += 1
                    index[question.id] = (s, number)
                else:
                    index[question.id] = (s, 0)
        object.__setattr__(self, "_index", index)

    def items(self) -> Iterator[tuple[Section, Question]]:
        """Every question and note in order, with its section."""
        for section in self.sections:
            for question in section.questions:
                yield section, question

    def questions(self) -> Iterator[Question]:
        """Every answerable question in order (notes left out)."""
        for _, question in self.items():
            if question.is_answerable:
                yield question

    def question(self, question_id: str) -> Question:
        s, _ = self._index[question_id]
        for question in self.sections[s].questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)  # pragma: no cover - the index and sections agree

    def has_question(self, question_id: str) -> bool:
        return question_id in self._index

    def section_number(self, question_id: str) -> int:
        """1-based number of the section holding the question."""
        return self._index[question_id][0] + 1

    def number(self, question_id: str) -> int:
        """1-based number of the question among answerable questions ("Câu 7/18"); 0 for a note."""
        return self._index[question_id][1]

    @property
    def question_count(self) -> int:
        return sum(1 for _ in self.questions())

    def by_number(self, number: int) -> Question | None:
        for question in self.questions():
            if self._index[question.id][1] == number:
                return question
        return None
