"""The dialog engine: one turn of a cadre's report, as a pure function.

`step(context, state, incoming)` reads the outline, the answers stored so far and the member's dialog
state, and returns a `Turn`: the new state, the replies to send (message ids with parameters) and
the effects to store. It sends and stores nothing itself, keeps nothing between calls except a cache
of per-outline lookups, and imports no framework.

Button actions (`Button.action`, at most 64 bytes; <q> is the question id, or a short hash of it
when the id is too long):

    c:<q>:<i>   choose choice i (0-based) of a choice or yes/no question (yes = 0, no = 1)
    m:<q>:<i>   tick or untick choice i of a multi-choice question
    d:<q>       done ticking a multi-choice question
    n:<q>       next question (finish a narrative answer, or keep the answer shown)
    a:<q>       add to the narrative answer shown instead of replacing it
    s:<q>       skip an optional question
    b:<q>       back to the question before
    v:<q>       show the whole answer of a question
    e:<q>       go to a question to answer or change it
    go  rv  sub  no  help   resume, review, ask to submit, do not submit yet, help
    ok:<v>      confirm submitting version v
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from enum import StrEnum
from hashlib import blake2s
from zoneinfo import ZoneInfo

from dialogs import text as tx
from dialogs.events import (
    Answer,
    AnswerValue,
    Attachment,
    Button,
    Context,
    DialogState,
    Effect,
    Incoming,
    Msg,
    Reopen,
    Reply,
    SaveAnswer,
    SubmissionView,
    Submit,
    Turn,
)
from dialogs.outline import Localized, Outline, Question, QuestionType

DISPLAY_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MESSAGE_LIMIT = 16_000  # UTF-16 units in one message to a narrative question
ANSWER_LIMIT = 50_000  # UTF-16 units in a whole narrative answer
PREVIEW_CHARS = 300  # of a long narrative answer, shown with its question; the review shows all
ACTION_BYTES = 64  # Telegram's callback data limit
COMMAND_CHARS = 40  # a message longer than this is never a command word
MISSING_SHOWN = 5  # unanswered required questions listed when submitting is refused

_TEXT, _INTEGER, _DECIMAL = QuestionType.TEXT, QuestionType.INTEGER, QuestionType.DECIMAL
_CHOICE, _MULTI, _YESNO = QuestionType.CHOICE, QuestionType.MULTI, QuestionType.YESNO
_DATE, _NOTE = QuestionType.DATE, QuestionType.NOTE


# --- commands ---------------------------------------------------------------------------------------


class Command(StrEnum):
    START = "baocao"
    REVIEW = "xemlai"
    EDIT = "sua"
    BACK = "quaylai"
    SKIP = "boqua"
    NEXT = "tiep"
    SUBMIT = "nop"
    PAUSE = "huy"
    HELP = "trogiup"
    APPEND = "bosung"
    VIEW = "xem"


_SLASH_NAMES: Mapping[str, Command] = {
    **{c.value: c for c in Command},
    "start": Command.START,
    "batdau": Command.START,
    "tieptuc": Command.START,
    "tieptheo": Command.NEXT,
    "xong": Command.NEXT,
    "help": Command.HELP,
    "vietthem": Command.APPEND,
    "tamdung": Command.PAUSE,
    "dung": Command.PAUSE,
    "xemcau": Command.VIEW,
}

# Written with diacritics; a message matches one exactly, or folded (typed without diacritics).
# A folded match that is another word with its diacritics ("đúng", right, is not "dừng", stop) is
# not taken: see _AMBIGUOUS_FOLDS.
_COMMAND_WORDS: Mapping[Command, tuple[str, ...]] = {
    # The English words are for members who switched the bot to English.
    Command.START: ("báo cáo", "bắt đầu", "tiếp tục", "làm tiếp", "làm báo cáo", "continue", "resume"),
    Command.REVIEW: ("xem lại", "xem lại báo cáo", "review"),
    Command.BACK: ("quay lại", "trở lại", "câu trước", "back"),
    Command.SKIP: ("bỏ qua", "skip"),
    Command.NEXT: ("tiếp", "tiếp theo", "xong", "câu tiếp", "câu tiếp theo", "next", "done"),
    Command.SUBMIT: ("nộp", "nộp báo cáo", "submit"),
    Command.PAUSE: ("hủy", "huỷ", "tạm dừng", "dừng", "dừng lại", "pause"),
    Command.HELP: ("trợ giúp", "help", "hướng dẫn"),
    Command.APPEND: ("bổ sung", "viết thêm", "add more"),
    Command.VIEW: ("xem câu này", "xem câu"),
}
_EXACT_WORDS = {tx.clean(w): c for c, words in _COMMAND_WORDS.items() for w in words}
_FOLDED_WORDS = {tx.fold(w): c for c, words in _COMMAND_WORDS.items() for w in words}
# "sửa 7", "câu 7", "sửa câu 1.2" (the outline's own numbering, as printed in the question), "edit 7".
_NUMBERED_WORDS = re.compile(r"(sua cau|sua|cau|edit|xem cau|xem|view) ?(\d{1,4}(?:\.\d{1,3})*)")
_NUMBERED_COMMANDS: Mapping[str, Command] = {
    "sua cau": Command.EDIT, "sua": Command.EDIT, "cau": Command.EDIT, "edit": Command.EDIT,
    "xem cau": Command.VIEW, "xem": Command.VIEW, "view": Command.VIEW,
}
_SLASH = re.compile(r"/(\w+(?:\.\d+)*)(?:@\w+)?(?:\s+(.*))?", re.DOTALL)
_SLASH_NUMBER = re.compile(r"([^\W\d_]+)(\d+(?:\.\d+)*)")
# A question label that starts with the outline's own number: "1.2. Việc ban hành văn bản…".
_LABEL_NUMBER = re.compile(r"\s*(\d{1,3}(?:\.\d{1,3})+)\.?\s")

_YES = frozenset({"co", "dong y", "yes", "y", "ok", "oke", "u", "co nop", "xac nhan", "phai"})
_NO = frozenset({"khong", "k", "ko", "no", "n", "chua", "chua nop", "khong nop"})
_YES_EXACT = frozenset({"có", "đồng ý", "ừ", "đúng", "có nộp", "xác nhận", "phải", "yes", "ok", "y"})
_NO_EXACT = frozenset({"không", "chưa", "chưa nộp", "không nộp", "ko", "k", "no", "n"})
_LIST_SEPARATORS = re.compile(r"\s*(?:[,;+&/]|\bva\b|\bvoi\b)\s*")
# Folded forms that are also other words when typed with diacritics: "đúng" (right), "dùng" (use).
_AMBIGUOUS_FOLDS = frozenset({"dung", "dung lai"})


def _has_marks(words: str) -> bool:
    return not words.isascii()


def _recognise(text: str) -> tuple[Command, str] | str | None:
    """The command a message is, with its argument; the name of an unknown slash command; or None."""
    if text.startswith("/"):
        slash = _SLASH.fullmatch(text)
        if slash is None:
            return None  # "/ 12 cuộc", "/": not a command, an answer
        name, argument = tx.fold(slash[1]).replace("_", ""), (slash[2] or "").strip()
        command = _SLASH_NAMES.get(name)
        if command is None and (numbered := _SLASH_NUMBER.fullmatch(name)):
            command, argument = _SLASH_NAMES.get(numbered[1]), numbered[2]  # /sua7
        if command is None:
            return "/" + slash[1][:32]
        return command, argument
    if len(text) > COMMAND_CHARS:
        return None
    if text == "?":
        return Command.HELP, ""
    words = tx.words(text)
    command = _EXACT_WORDS.get(words)
    if command is not None:
        return command, ""
    folded = tx.fold(words)
    command = _FOLDED_WORDS.get(folded)
    if command is not None and not (_has_marks(words) and folded in _AMBIGUOUS_FOLDS):
        return command, ""
    if folded[:1] in ("s", "c", "e", "x", "v") and (numbered := _NUMBERED_WORDS.fullmatch(folded)):
        return _NUMBERED_COMMANDS[numbered[1]], numbered[2]
    if folded in ("sua", "edit"):
        return Command.EDIT, ""
    return None


def _is_yes(text: str) -> bool | None:
    """Yes, no, or neither: "có", "đồng ý", "co" / "không", "chưa", "ko"."""
    words = tx.words(text)
    if words in _YES_EXACT:
        return True
    if words in _NO_EXACT:
        return False
    folded = tx.fold(words)
    if _has_marks(words) and folded in _AMBIGUOUS_FOLDS:
        return None
    return True if folded in _YES else False if folded in _NO else None


# --- what is precomputed per outline ----------------------------------------------------------------


class _Item:
    """One question or note of the outline with what the engine looks up about it."""

    __slots__ = (
        "question", "id", "type", "pos", "section", "number", "key", "choices", "choice_rows",
        "low_of", "high_of", "dependents",
    )

    def __init__(self, question: Question, pos: int, section: int, number: int, key: str) -> None:
        self.question = question
        self.id = question.id
        self.type = question.type
        self.pos = pos
        self.section = section
        self.number = number
        self.key = key
        self.choices: dict[str, int] = {}  # folded label, in every language → index
        self.choice_rows: tuple[tuple[Button, ...], ...] = ()
        # Bounds taken from other questions' answers ("trong đó": at most the total), and the
        # questions bounded by this one's answer.
        self.low_of: _Item | None = None
        self.high_of: _Item | None = None
        self.dependents: tuple[_Item, ...] = ()


def _action_key(question_id: str) -> str:
    # The longest action is "m:<key>:<index>"; an id too long for 64 bytes is replaced by a hash.
    if len(question_id.encode()) <= ACTION_BYTES - 8 and ":" not in question_id:
        return question_id
    return "~" + blake2s(question_id.encode(), digest_size=8).hexdigest()


class _Plan:
    """Lookups for one outline, built once and cached by outline id and version."""

    def __init__(self, outline: Outline) -> None:
        self.outline = outline
        items: list[_Item] = []
        for s, section in enumerate(outline.sections):
            for question in section.questions:
                item = _Item(question, len(items), s, outline.number(question.id), _action_key(question.id))
                items.append(item)
        self.items = tuple(items)
        self.by_id = {item.id: item for item in items}
        self.by_key = {item.key: item for item in items}
        self.answerable = tuple(item for item in items if item.type is not _NOTE)
        self.by_number = {item.number: item for item in self.answerable}
        # "sửa 1.2": the outline's own numbering, as the cadre reads it at the start of a label.
        self.by_label_number: dict[str, _Item] = {}
        for item in self.answerable:
            for label in item.question.label.texts.values():
                if found := _LABEL_NUMBER.match(label):
                    self.by_label_number.setdefault(found[1], item)
        self.total = len(self.answerable)
        # Numeric questions whose min or max is another question's answer, in outline order.
        bounded: list[_Item] = []
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
        self.bounded = tuple(bounded)
        self.sections = len(outline.sections)
        # Skip logic, in outline order: (question id, test on the answers so far).
        self.conditions: list[tuple[str, Callable[[Mapping[str, object]], bool]]] = []
        for item in items:
            if item.question.when:
                from dialogs.conditions import compile_condition  # only outlines with skip logic need it

                self.conditions.append((item.id, compile_condition(item.question.when).evaluate))
            if item.type in (_CHOICE, _MULTI):
                for i, choice in enumerate(item.question.choices):
                    for label in choice.label.texts.values():
                        item.choices.setdefault(tx.fold(label), i)
                    item.choices.setdefault(tx.fold(choice.value), i)
            if item.type is _CHOICE:
                item.choice_rows = tuple(
                    (Button(Msg("engine.button.choice", {"number": i + 1, "label": choice.label}),
                            f"c:{item.key}:{i}", str(i + 1)),)
                    for i, choice in enumerate(item.question.choices)
                )
            elif item.type is _YESNO:
                item.choice_rows = ((
                    Button(Msg("engine.button.yes"), f"c:{item.key}:0", "có"),
                    Button(Msg("engine.button.no"), f"c:{item.key}:1", "không"),
                ),)


_plans: dict[tuple[str, int], _Plan] = {}
# A number that goes against another answer: (question, its value, "above"|"below", other, its value).
_Problem = tuple[_Item, int | float, str, _Item, int | float]


def _plan(outline: Outline) -> _Plan:
    key = (outline.id, outline.version)
    plan = _plans.get(key)
    # Identity first (the caller keeps one Outline object); equality guards against two different
    # outlines that share an id and version, as tests may build.
    if plan is None or (plan.outline is not outline and plan.outline != outline):
        if len(_plans) > 256:
            _plans.clear()
        plan = _plans[key] = _Plan(outline)
    return plan


# --- small builders ---------------------------------------------------------------------------------


def _number_param(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _button(message_id: str, action: str, command: str, **params: object) -> Button:
    return Button(Msg(message_id, params), action, command)  # type: ignore[arg-type]


BUTTON_REVIEW = _button("engine.button.review", "rv", "xem lại")
BUTTON_SUBMIT = _button("engine.button.submit", "sub", "nộp")
BUTTON_RESUME = _button("engine.button.resume", "go", "tiếp tục")
BUTTON_HELP = _button("engine.button.help", "help", "trợ giúp")
BUTTON_NOT_YET = _button("engine.button.not_yet", "no", "chưa")

_NUMBER_ERRORS: Mapping[tx.NumberError, str] = {
    tx.NumberError.EMPTY: "engine.number.empty",
    tx.NumberError.WORDS: "engine.number.words",
    tx.NumberError.NOT_INTEGER: "engine.number.not_integer",
    tx.NumberError.SEVERAL: "engine.number.several",
    tx.NumberError.AMBIGUOUS: "engine.number.ambiguous",
    tx.NumberError.MALFORMED: "engine.number.malformed",
    tx.NumberError.TOO_LARGE: "engine.number.too_large",
}
_DATE_ERRORS: Mapping[tx.DateError, str] = {
    tx.DateError.FORMAT: "engine.date.format",
    tx.DateError.NO_SUCH_DAY: "engine.date.no_such_day",
}
_PROMPTS: Mapping[QuestionType, str] = {
    _INTEGER: "engine.prompt.integer",
    _DECIMAL: "engine.prompt.decimal",
    _CHOICE: "engine.prompt.choice",
    _YESNO: "engine.prompt.yesno",
    _MULTI: "engine.prompt.multi",
    _DATE: "engine.prompt.date",
}


def _has_value(item: _Item, answer: Answer | None) -> bool:
    """Whether the answer says something (skipped does not)."""
    if answer is None or answer.skipped:
        return False
    value = answer.value
    if value is None or value == "" or value == []:
        return item.type is _TEXT and bool(answer.attachments)
    return True


def _is_done(item: _Item, answer: Answer | None) -> bool:
    """Answered, or an optional question skipped on purpose."""
    if answer is not None and answer.skipped:
        return not item.question.required
    return _has_value(item, answer)


# --- one turn ---------------------------------------------------------------------------------------


class _Step:
    """The working memory of one turn."""

    __slots__ = (
        "ctx", "plan", "state", "submission", "saved", "effects", "replies", "body",
        "buttons", "_values", "_hidden", "warned",
    )

    def __init__(self, ctx: Context, state: DialogState) -> None:
        self.ctx = ctx
        self.plan = _plan(ctx.outline)
        self.state = state
        self.submission: SubmissionView = ctx.submission
        self.saved: dict[str, Answer] = {}  # answers saved in this turn, on top of ctx.answers
        self.effects: list[Effect] = []
        self.replies: list[Reply] = []
        self.body: list[Msg] = []
        self.buttons: tuple[tuple[Button, ...], ...] = ()
        self._values: dict[str, object] | None = None  # answer values, for skip logic
        self._hidden: set[str] | None = None  # questions whose condition is false
        self.warned = False  # a total was just changed below (or above) a part already given

    # -- reading -------------------------------------------------------------------------------------

    def answer(self, item: _Item) -> Answer | None:
        saved = self.saved.get(item.id)
        return saved if saved is not None else self.ctx.answers.get(item.id)

    def visible(self, item: _Item) -> bool:
        if not self.plan.conditions:
            return True
        if self._hidden is None:
            self._hidden = self._find_hidden()
        return item.id not in self._hidden

    def _find_hidden(self) -> set[str]:
        if self._values is None:
            self._values = {
                question_id: None if answer.skipped else answer.value
                for question_id, answer in self.ctx.answers.items()
            }
        values = dict(self._values)
        hidden: set[str] = set()
        for question_id, test in self.plan.conditions:
            if not test(values):
                hidden.add(question_id)
                values.pop(question_id, None)  # a hidden question's old answer must not steer later ones
        return hidden

    def current(self) -> _Item | None:
        question_id = self.state.question_id
        item = self.plan.by_id.get(question_id) if question_id else None
        if item is None or item.type is _NOTE or not self.visible(item):
            return None
        return item

    def askable(self, after: int = -1, before: int | None = None) -> Iterator[_Item]:
        """Visible questions between two positions (exclusive), in order."""
        for item in self.plan.items[after + 1 : before]:
            if item.type is not _NOTE and self.visible(item):
                yield item

    def next_open(self, after: int = -1) -> _Item | None:
        for item in self.askable(after):
            if not _is_done(item, self.answer(item)):
                return item
        return None

    def missing(self) -> list[_Item]:
        return [
            item for item in self.askable()
            if item.question.required and not _has_value(item, self.answer(item))
        ]

    def answered_count(self) -> int:
        return sum(1 for item in self.askable() if _is_done(item, self.answer(item)))

    def applicable_count(self) -> int:
        """Questions that apply to this unit, given its answers (used once the report is complete:
        before that, a question may be hidden only because the one it depends on is unanswered)."""
        return sum(1 for _ in self.askable())

    def needs_reopen(self) -> bool:
        return self.submission.status == "submitted"

    # -- bounds from other answers ("trong đó" parts of a total) ---------------------------------------

    def number_value(self, item: _Item) -> int | float | None:
        """The number answered to a question that applies; None if unanswered, skipped or hidden."""
        answer = self.answer(item)
        if answer is None or answer.skipped:
            return None
        value = answer.value
        if isinstance(value, bool) or not isinstance(value, int | float) or not self.visible(item):
            return None
        return value

    def breach(self, item: _Item, value: float) -> tuple[str, _Item, int | float] | None:
        """The answered question `value` would go against, as ("above"|"below", it, its value)."""
        if item.high_of is not None:
            limit = self.number_value(item.high_of)
            if limit is not None and value > limit:
                return "above", item.high_of, limit
        if item.low_of is not None:
            limit = self.number_value(item.low_of)
            if limit is not None and value < limit:
                return "below", item.low_of, limit
        return None

    def bound_problems(self) -> list[_Problem]:
        """Answered questions that go against the answer they are bounded by (only those few)."""
        problems: list[_Problem] = []
        for item in self.plan.bounded:
            value = self.number_value(item)
            found = self.breach(item, value) if value is not None else None
            if found is not None:
                problems.append((item, value, *found))
        return problems

    def number_msg(self, item: _Item, value: AnswerValue) -> Msg:
        return self.value_msg(item, Answer(value=value))

    def bound_list(self, problems: Sequence[_Problem]) -> None:
        """The questions whose numbers do not fit together, and a button to fix the first."""
        items = tuple(
            Msg("engine.bound.item_above" if kind == "above" else "engine.bound.item_below", {
                "number": item.number, "value": self.number_msg(item, value),
                "other": other.number, "other_value": self.number_msg(other, limit),
            })
            for item, value, kind, other, limit in problems[:MISSING_SHOWN]
        )
        if len(problems) > MISSING_SHOWN:
            items += (Msg("engine.missing.more", {"count": len(problems) - MISSING_SHOWN}),)
        self.say("engine.missing.items", items=items)
        first = problems[0][0]
        self.say("engine.bound.how_to_fix", number=first.number)
        self.buttons = (
            (_button("engine.button.fix", f"e:{first.key}", f"sửa {first.number}", number=first.number),),
            (BUTTON_REVIEW,),
        )

    def warn_dependents(self, item: _Item, value: float) -> None:
        """A total changed below a part given earlier (or above a minimum): accepted, but said."""
        for dependent in item.dependents:
            part = self.number_value(dependent)
            if part is None:
                continue
            above = dependent.high_of is item and part > value
            if not above and not (dependent.low_of is item and part < value):
                continue
            self.say("engine.bound.now_above" if above else "engine.bound.now_below",
                     number=item.number, value=self.number_msg(item, value), other=dependent.number,
                     other_label=dependent.question.label, other_value=self.number_msg(dependent, part))
            if not self.warned:
                self.buttons = ((_button("engine.button.fix", f"e:{dependent.key}", f"sửa {dependent.number}",
                                         number=dependent.number),),)
            self.warned = True

    # -- writing -------------------------------------------------------------------------------------

    def say(self, message_id: str, **params: object) -> None:
        self.body.append(Msg(message_id, params))  # type: ignore[arg-type]

    def flush(self) -> None:
        if self.body:
            self.replies.append(Reply(tuple(self.body), self.buttons))
        self.body, self.buttons = [], ()

    def save(self, item: _Item, answer: Answer) -> None:
        if self.needs_reopen():
            previous = self.submission.submitted_version or self.submission.version
            self.effects.append(Reopen())
            self.submission = SubmissionView(
                id=self.submission.id, status="draft", version=previous + 1,
                submitted_version=self.submission.submitted_version, unit_name=self.submission.unit_name,
            )
            self.say("engine.revise.reopened", submitted=previous, version=previous + 1)
        last = self.effects[-1] if self.effects else None
        if isinstance(last, SaveAnswer) and last.question_id == item.id:
            self.effects.pop()  # a file and its caption in one message: one revision, not two
        self.effects.append(SaveAnswer(item.id, answer))
        self.saved[item.id] = answer
        if self._values is not None:
            self._values[item.id] = None if answer.skipped else answer.value
        self._hidden = None

    def finish(self) -> Turn:
        self.flush()
        return Turn(self.state, tuple(self.replies), tuple(self.effects))

    # -- values as messages --------------------------------------------------------------------------

    def value_msg(self, item: _Item, answer: Answer, full: bool = True) -> Msg:
        value, question = answer.value, item.question
        if item.type is _TEXT:
            text = value if isinstance(value, str) else ""
            if not text:
                return Msg("engine.value.files_only")
            if full or len(text) <= PREVIEW_CHARS:
                return Msg("engine.value.text", {"text": text})
            start = text[:PREVIEW_CHARS].rsplit(" ", 1)[0]
            return Msg("engine.value.text_preview",
                       {"start": start, "length": len(text), "number": item.number})
        if item.type in (_INTEGER, _DECIMAL) and isinstance(value, int | float):
            number = _number_param(value) if item.type is _DECIMAL else value
            if question.unit is not None:
                return Msg("engine.value.number_unit", {"value": number, "unit": question.unit})
            return Msg("engine.value.number", {"value": number})
        if item.type is _YESNO:
            return Msg("engine.value.yes" if value else "engine.value.no")
        if item.type is _CHOICE:
            return Msg("engine.value.choice", {"label": self.choice_label(item, value)})
        if item.type is _MULTI and isinstance(value, list):
            labels = tuple(
                Msg("engine.value.multi_item", {"label": self.choice_label(item, v)}) for v in value
            )
            return Msg("engine.value.multi", {"items": labels}) if labels else Msg("engine.value.none")
        if item.type is _DATE and isinstance(value, str) and len(value) == 10:
            return Msg("engine.value.date", {"date": f"{value[8:10]}/{value[5:7]}/{value[0:4]}"})
        return Msg("engine.value.other", {"value": str(value)})

    @staticmethod
    def choice_label(item: _Item, value: AnswerValue) -> Localized | str:
        for choice in item.question.choices:
            if choice.value == value:
                return choice.label
        return str(value)

    def review_value(self, item: _Item) -> Msg:
        answer = self.answer(item)
        if answer is not None and answer.skipped:
            return Msg("engine.review.skipped")
        if answer is None or not _has_value(item, answer):
            return Msg("engine.review.unanswered")
        value = self.value_msg(item, answer)
        if answer.attachments:
            return Msg("engine.review.with_files", {"answer": value, "count": len(answer.attachments)})
        return value

    # -- showing a question --------------------------------------------------------------------------

    def show_notes(self, after: int, before: int | None) -> None:
        for item in self.plan.items[after + 1 : before]:
            if item.type is _NOTE and self.visible(item):
                self.say("engine.note", text=item.question.label)
                if item.question.hint is not None:
                    self.say("engine.question.hint", hint=item.question.hint)

    def ask(
        self, item: _Item, *, after: int | None = None, brief: bool = False, entering: bool | None = None,
        append: bool = False,
    ) -> None:
        """Show a question and make it the current one.

        `after`: the position we come from when moving forward (notes on the way are shown);
        `brief`: asking again after a wrong answer (no section title, hint or notices);
        `append`: the cadre was writing this narrative answer, further messages add to it.
        """
        plan, question = self.plan, item.question
        if after is not None:
            self.show_notes(after, item.pos)
        if entering is None:
            previous = plan.by_id.get(self.state.question_id or "")
            entering = previous is None or previous.section != item.section
        if entering and not brief:
            self.say("engine.section.title", number=item.section + 1,
                     title=plan.outline.sections[item.section].title)
        # Position, question and "optional" in one paragraph: fewer blank lines on a phone screen.
        heading = [
            Msg("engine.question.header", {"section": item.section + 1, "sections": plan.sections,
                                           "number": item.number, "total": plan.total}),
            Msg("engine.question.label", {"label": question.label}),
        ]
        if not question.required:
            heading.append(Msg("engine.question.optional"))
        self.say("engine.lines", lines=tuple(heading))
        if question.hint is not None and not brief:
            self.say("engine.question.hint", hint=question.hint)
        answer = self.answer(item)
        answered = _has_value(item, answer)
        if answer is not None and not brief:
            if answer.skipped:
                self.say("engine.question.current_skipped")
            elif answered:
                self.say("engine.question.current", answer=self.value_msg(item, answer, full=False))
            if answer.attachments:
                self.say("engine.question.files", count=len(answer.attachments))
        replacing = False
        if item.type is _TEXT:
            has_text = answered and isinstance(answer.value, str) and bool(answer.value)  # type: ignore[union-attr]
            replacing = has_text and not append
            self.say("engine.prompt.text_replace" if replacing else
                     "engine.prompt.text_append" if has_text else "engine.prompt.text")
        elif item.question.is_numeric:
            # Asked again after a wrong number, the error said what a number looks like: only the
            # unit and range are repeated.
            lines = (() if brief else (Msg(_PROMPTS[item.type]),)) + self.limits(item)
            if lines:
                self.say("engine.lines", lines=lines)
        else:
            self.say(_PROMPTS[item.type])
        if self.needs_reopen() and not brief:
            version = self.submission.submitted_version or self.submission.version
            self.say("engine.revise.notice", submitted=version, version=version + 1)
        selected: tuple[str, ...] = ()
        if item.type is _MULTI:
            if self.state.question_id == item.id and self.state.selected:
                selected = self.state.selected
            elif answer is not None and isinstance(answer.value, list):
                selected = tuple(answer.value)
        self.buttons = self.question_buttons(item, answered, replacing, selected)
        keep_parts = self.state.question_id == item.id and append
        self.state = DialogState(
            mode="answering", question_id=item.id, parts=self.state.parts if keep_parts else 0,
            replacing=replacing, selected=selected,
        )

    def limits(self, item: _Item) -> tuple[Msg, ...]:
        question = item.question
        low, high = question.min, question.max
        # A bound taken from another answer narrows the range once that question is answered.
        if item.high_of is not None and (limit := self.number_value(item.high_of)) is not None:
            high = limit if high is None else min(high, limit)
        if item.low_of is not None and (limit := self.number_value(item.low_of)) is not None:
            low = limit if low is None else max(low, limit)
        lines: list[Msg] = []
        if question.unit is not None:
            lines.append(Msg("engine.prompt.unit", {"unit": question.unit}))
        if low is not None and high is not None:
            lines.append(Msg("engine.number.range", {"min": _number_param(low), "max": _number_param(high)}))
        elif low is not None:
            lines.append(Msg("engine.number.at_least", {"min": _number_param(low)}))
        elif high is not None:
            lines.append(Msg("engine.number.at_most", {"max": _number_param(high)}))
        return tuple(lines)

    def question_buttons(
        self, item: _Item, answered: bool, replacing: bool, selected: Sequence[str]
    ) -> tuple[tuple[Button, ...], ...]:
        key = item.key
        rows: list[tuple[Button, ...]] = list(item.choice_rows)
        if item.type is _MULTI:
            for i, choice in enumerate(item.question.choices):
                ticked = choice.value in selected
                rows.append((_button("engine.button.ticked" if ticked else "engine.button.unticked",
                                     f"m:{key}:{i}", str(i + 1), number=i + 1, label=choice.label),))
            rows.append((_button("engine.button.done", f"d:{key}", "xong"),))
        if item.type is _TEXT and replacing:
            rows.append((_button("engine.button.append", f"a:{key}", "bổ sung"),))
        if item.type is _TEXT and answered and self.long_text(item):
            rows.append((_button("engine.button.view", f"v:{key}", f"xem câu {item.number}"),))
        navigation: list[Button] = []
        if next(self.askable(before=item.pos), None) is not None:
            navigation.append(_button("engine.button.back", f"b:{key}", "quay lại"))
        if not item.question.required:
            navigation.append(_button("engine.button.skip", f"s:{key}", "bỏ qua"))
        if answered and item.type is not _MULTI:
            navigation.append(_button("engine.button.next", f"n:{key}", "tiếp"))
        if navigation:
            rows.append(tuple(navigation))
        return tuple(rows)

    def long_text(self, item: _Item) -> bool:
        answer = self.answer(item)
        return answer is not None and isinstance(answer.value, str) and len(answer.value) > PREVIEW_CHARS

    def reminder(self) -> None:
        """Where the cadre is and what the next message will do."""
        item = self.current()
        if item is None or self.state.mode != "answering":
            return
        if item.type is _TEXT and self.state.parts > 0 and not self.state.replacing:
            self.say("engine.reminder.writing", number=item.number)
            self.buttons = ((_button("engine.button.next", f"n:{item.key}", "tiếp"),),)
        else:
            self.say("engine.reminder.current", number=item.number)
            self.buttons = ((BUTTON_RESUME,),)

    # -- moving on -----------------------------------------------------------------------------------

    def advance(self, item: _Item, *, open_only: bool) -> None:
        """Go on after `item`: to the next open question, or (`open_only` False) the next one."""
        target = self.next_open(item.pos) if open_only else next(self.askable(item.pos), None)
        if target is None:
            self.show_notes(item.pos, None)
            self.complete()
        else:
            self.ask(target, after=item.pos)

    def complete(self) -> None:
        """Every question has been passed: offer review and submission, or list what is missing."""
        self.state = DialogState()
        missing = self.missing()
        if missing:
            self.say("engine.complete.missing", count=len(missing))
            self.missing_list(missing)
            return
        problems = self.bound_problems() if self.plan.bounded else []
        if problems:
            if self.warned:  # just said, with its button
                self.say("engine.complete.bounds_warned")
                self.buttons = ((BUTTON_REVIEW,),)
            else:
                self.say("engine.complete.bounds", count=len(problems))
                self.bound_list(problems)
            return
        if self.needs_reopen():
            self.already_submitted()
            return
        if self.submission.submitted_version is not None:  # a correction: no fanfare, say how to finish
            self.say("engine.complete.ready_again", version=self.submission.version)
        else:
            self.say("engine.complete.ready", answered=self.answered_count(), total=self.applicable_count())
        self.buttons = ((BUTTON_REVIEW, BUTTON_SUBMIT),)

    def missing_list(self, missing: Sequence[_Item]) -> None:
        # A phone screen holds a few; the review lists them all.
        items = tuple(
            Msg("engine.missing.item", {"number": item.number, "label": item.question.label})
            for item in missing[:MISSING_SHOWN]
        )
        if len(missing) > MISSING_SHOWN:
            items += (Msg("engine.missing.more", {"count": len(missing) - MISSING_SHOWN}),)
        self.say("engine.missing.items", items=items)
        first = missing[0]
        self.buttons = (
            (_button("engine.button.answer", f"e:{first.key}", f"sửa {first.number}", number=first.number),),
            (BUTTON_REVIEW,),
        )

    def already_submitted(self) -> None:
        sub = self.submission
        version = sub.submitted_version or sub.version
        self.say("engine.submit.already", version=version, code=self.receipt_code(version))
        self.say("engine.submit.how_to_correct")
        self.buttons = ((BUTTON_REVIEW,),)

    def receipt_code(self, version: int) -> str:
        return f"BC-{self.submission.id}-{version}"

    # -- the turn ------------------------------------------------------------------------------------

    def run(self, incoming: Incoming) -> None:
        if incoming.action is not None:
            self.on_action(incoming.action)
            return
        text = tx.clean(incoming.text) if incoming.text else ""
        if incoming.attachment is not None:
            self.on_attachment(incoming.attachment, caption=text)
            return
        if not text:
            self.say("engine.input.empty")
            self.reminder()
            return
        recognised = _recognise(text)
        if isinstance(recognised, str):
            self.say("engine.command.unknown", command=recognised)
            self.reminder()
            return
        if recognised is not None:
            self.on_command(*recognised)
            return
        if self.state.mode == "confirm_submit":
            self.on_confirmation(text)
            return
        item = self.current()
        if item is None:
            self.say("engine.idle.hint")
            self.buttons = ((BUTTON_RESUME, BUTTON_HELP),)
            return
        if self.state.mode != "answering":  # paused at this question: the message answers it
            if item.type not in (_CHOICE, _YESNO, _MULTI) and _is_yes(text) is not None:
                # ...unless it is a bare "có"/"không" meant for something else (a confirmation
                # no longer asked): it must not become a narrative answer, nor "không" a zero.
                self.say("engine.idle.not_an_answer", number=item.number)
                self.buttons = ((BUTTON_RESUME,),)
                return
            self.state = self.state.but(mode="answering")
        self.on_answer(item, text)

    # -- commands ------------------------------------------------------------------------------------

    def on_command(self, command: Command, argument: str) -> None:
        if self.state.mode == "confirm_submit" and command is not Command.SUBMIT:
            self.state = self.state.but(mode="answering" if self.state.question_id else "idle")
        match command:
            case Command.START:
                self.start()
            case Command.REVIEW:
                self.review()
            case Command.EDIT:
                self.edit(argument)
            case Command.BACK:
                self.back()
            case Command.SKIP:
                self.skip()
            case Command.NEXT:
                self.next()
            case Command.SUBMIT:
                self.request_submit()
            case Command.PAUSE:
                self.pause()
            case Command.HELP:
                self.say("engine.help")
                self.reminder()
            case Command.APPEND:
                self.append()
            case Command.VIEW:
                self.view_numbered(argument)

    def start(self) -> None:
        sub = self.submission
        if sub.status == "returned":
            if sub.returned_comment:
                self.say("engine.returned.comment", version=sub.version, comment=sub.returned_comment)
            else:
                self.say("engine.returned.no_comment", version=sub.version)
        elif sub.status == "submitted":
            self.state = DialogState()
            self.already_submitted()
            return
        item = self.current()
        answered = self.answered_count()
        if item is None and not answered and not self.state.question_id:
            self.say("engine.start.welcome", title=self.plan.outline.title, unit=sub.unit_name,
                     total=self.plan.total, sections=self.plan.sections)
            target = self.next_open()
            if target is None:
                self.complete()
            else:
                self.ask(target, after=-1, entering=True)
            return
        if item is None:
            item = self.next_open()
            if item is None:
                self.complete()
                return
        self.say("engine.start.resume", answered=answered, total=self.plan.total)
        writing = self.state.question_id == item.id and self.state.parts > 0 and not self.state.replacing
        self.ask(item, entering=True, append=writing)

    def edit(self, argument: str) -> None:
        item = self.numbered(argument, "engine.edit.which")
        if item is not None:
            self.go_to(item)

    def view_numbered(self, argument: str) -> None:
        if not argument.strip():
            item = self.current()
            if item is None:
                self.say("engine.view.which", total=self.plan.total)
                self.buttons = ((BUTTON_REVIEW,),)
            else:
                self.view(item)
            return
        item = self.numbered(argument, "engine.view.which")
        if item is not None:
            self.view(item)

    def numbered(self, argument: str, which: str) -> _Item | None:
        """The question a cadre named: its number in the report (7), or in the outline (1.2)."""
        number = re.match(r"\s*(\d{1,4}(?:\.\d{1,3})*)\.?\s*$", argument)
        if number is None:
            self.say(which, total=self.plan.total)
            self.reminder()
            return None
        if "." in number[1]:
            item = self.plan.by_label_number.get(number[1])
            if item is None:
                self.say("engine.edit.no_such_part", part=number[1], total=self.plan.total)
                self.reminder()
            return item
        item = self.plan.by_number.get(int(number[1]))
        if item is None:
            self.say("engine.edit.no_such", number=int(number[1]), total=self.plan.total)
            self.reminder()
        return item

    def go_to(self, item: _Item) -> None:
        if not self.visible(item):
            self.say("engine.edit.not_applicable", number=item.number)
            self.reminder()
            return
        self.ask(item)

    def back(self) -> None:
        item = self.current()
        before = item.pos if item is not None else None
        previous = None
        for candidate in self.askable(before=before):
            previous = candidate
        if previous is None:
            self.say("engine.back.first")
            if item is not None:
                self.ask(item, brief=True)
            return
        self.ask(previous)

    def skip(self) -> None:
        item = self.current()
        if item is None:
            self.say("engine.skip.nothing")
            return
        if item.question.required:
            self.say("engine.skip.required", number=item.number)
            self.buttons = ((_button("engine.button.later", f"n:{item.key}", "tiếp"),),)
            return
        self.save(item, Answer(value=None, skipped=True))
        self.say("engine.skip.done", number=item.number)
        self.advance(item, open_only=True)

    def next(self) -> None:
        item = self.current()
        if item is None:
            self.start()
            return
        answer = self.answer(item)
        if item.type is _MULTI and self.state.selected:
            self.finish_multi(item)
            return
        if item.type is _TEXT and self.state.parts > 0:
            self.advance(item, open_only=True)  # done writing: on with the report
            return
        if not _has_value(item, answer) and item.question.required:
            self.say("engine.next.left_open", number=item.number)
        self.advance(item, open_only=False)

    def append(self) -> None:
        item = self.current()
        if item is None:
            self.say("engine.idle.hint")
            self.buttons = ((BUTTON_RESUME, BUTTON_HELP),)
            return
        if item.type is not _TEXT:
            self.say("engine.append.not_text", number=item.number)
            return
        self.state = self.state.but(replacing=False, mode="answering")
        self.say("engine.text.append_mode", number=item.number)
        self.buttons = ((_button("engine.button.next", f"n:{item.key}", "tiếp"),),)

    def pause(self) -> None:
        item = self.current()
        self.state = self.state.but(mode="idle")
        if item is None:
            self.say("engine.pause.no_question")
        else:
            self.say("engine.pause", number=item.number)
        self.buttons = ((BUTTON_RESUME,),)

    def review(self) -> None:
        self.flush()
        plan = self.plan
        self.say("engine.review.title", title=plan.outline.title, unit=self.submission.unit_name,
                 version=self.submission.version)
        for s, section in enumerate(plan.outline.sections):
            items = [plan.by_id[q.id] for q in section.questions if q.is_answerable]
            if not items:
                continue
            self.say("engine.section.title", number=s + 1, title=section.title)
            for item in items:
                value = self.review_value(item) if self.visible(item) else Msg("engine.review.not_applicable")
                self.say("engine.review.item", number=item.number, label=item.question.label, answer=value)
            self.flush()  # a reply per section; the channel splits what is still too long
        missing = len(self.missing())
        if missing:
            self.say("engine.review.summary", answered=self.answered_count(), total=plan.total,
                     missing=missing)
        else:
            self.say("engine.review.summary_done", answered=self.answered_count(),
                     total=self.applicable_count())
        self.say("engine.review.how_to_edit")
        self.buttons = ((BUTTON_RESUME, BUTTON_SUBMIT),)

    def request_submit(self) -> None:
        if self.needs_reopen():
            self.state = self.state.but(mode="idle")
            self.already_submitted()
            return
        if self.refuse_submit():
            return
        version = self.submission.version
        self.say("engine.submit.confirm", unit=self.submission.unit_name, version=version,
                 answered=self.answered_count(), total=self.applicable_count())
        self.buttons = ((_button("engine.button.confirm", f"ok:{version}", "có"), BUTTON_NOT_YET),)
        self.state = self.state.but(mode="confirm_submit")

    def refuse_submit(self) -> bool:
        """Say why the report cannot be submitted yet, if it cannot: required questions unanswered,
        or numbers that do not fit together (a part above its total)."""
        missing = self.missing()
        problems = self.bound_problems() if self.plan.bounded else []
        if not missing and not problems:
            return False
        # Idle, not writing: a "có" sent right after "nộp" (before the reply arrived) must not
        # end up in the narrative answer that was open.
        self.state = self.state.but(mode="idle")
        if missing:
            self.say("engine.submit.missing", count=len(missing))
            self.missing_list(missing)
        if problems:
            self.flush()
            self.say("engine.submit.bounds", count=len(problems))
            self.bound_list(problems)
        return True

    def on_confirmation(self, text: str) -> None:
        yes = _is_yes(text)
        if yes is None:
            self.say("engine.submit.confirm_again")
            version = self.submission.version
            self.buttons = ((_button("engine.button.confirm", f"ok:{version}", "có"), BUTTON_NOT_YET),)
        elif yes:
            self.confirm()
        else:
            self.cancel_submit()

    def confirm(self) -> None:
        if self.needs_reopen():
            self.state = DialogState()
            self.already_submitted()
            return
        if self.refuse_submit():  # answers changed since the question was asked (another device, member)
            return
        version = self.submission.version
        self.effects.append(Submit())
        when = self.ctx.now.astimezone(DISPLAY_TZ).strftime("%H:%M %d/%m/%Y")
        self.say("engine.submit.receipt", unit=self.submission.unit_name, version=version, time=when,
                 code=self.receipt_code(version))
        self.say("engine.submit.how_to_correct")
        self.state = DialogState()
        self.buttons = ((BUTTON_REVIEW,),)

    def cancel_submit(self) -> None:
        self.state = self.state.but(mode="answering" if self.current() else "idle")
        self.say("engine.submit.cancelled")
        self.buttons = ((BUTTON_REVIEW, BUTTON_RESUME),)

    # -- answers -------------------------------------------------------------------------------------

    def on_answer(self, item: _Item, text: str) -> None:
        kind = item.type
        if kind is _TEXT:
            self.write(item, text)
        elif kind is _INTEGER or kind is _DECIMAL:
            self.number(item, text)
        elif kind is _CHOICE or kind is _YESNO:
            index = self.choice_index(item, text)
            if index is None:
                self.say("engine.choice.invalid", count=len(item.question.choices) if kind is _CHOICE else 2)
                self.ask(item, brief=True)
            else:
                self.choose(item, index)
        elif kind is _MULTI:
            self.multi(item, text)
        elif kind is _DATE:
            self.date(item, text)
        else:  # a note cannot be answered; it should not have been current
            self.advance(item, open_only=True)

    def keep_files(self, item: _Item) -> tuple[Attachment, ...]:
        answer = self.answer(item)
        return answer.attachments if answer is not None else ()

    def write(self, item: _Item, text: str) -> None:
        """Add a message to a narrative answer (or replace it, right after choosing to edit it)."""
        length = tx.utf16_len(text)
        if length > MESSAGE_LIMIT:
            self.say("engine.text.message_too_long", length=length, limit=MESSAGE_LIMIT)
            self.reminder()
            return
        answer = self.answer(item)
        before = answer.value if answer is not None and isinstance(answer.value, str) else ""
        replacing = self.state.replacing and bool(before)
        combined = text if replacing or not before else f"{before}\n\n{text}"
        if tx.utf16_len(combined) > ANSWER_LIMIT:
            self.say("engine.text.answer_too_long", length=tx.utf16_len(before), limit=ANSWER_LIMIT)
            self.buttons = ((_button("engine.button.next", f"n:{item.key}", "tiếp"),),)
            return
        self.save(item, Answer(value=combined, attachments=self.keep_files(item)))
        self.say("engine.text.replaced" if replacing else "engine.text.saved",
                 number=item.number, length=len(combined))
        self.buttons = ((
            _button("engine.button.next", f"n:{item.key}", "tiếp"),
            _button("engine.button.view", f"v:{item.key}", f"xem câu {item.number}"),
        ),)
        self.state = self.state.but(mode="answering", parts=self.state.parts + 1, replacing=False)

    def number(self, item: _Item, text: str) -> None:
        question = item.question
        parsed = tx.parse_integer(text) if item.type is _INTEGER else tx.parse_decimal(text)
        if isinstance(parsed, tx.NumberError):
            self.say(_NUMBER_ERRORS[parsed])
            self.ask(item, brief=True)  # asked again with what is expected: unit and range
            return
        low, high = question.min, question.max
        wrong = None
        if parsed < 0 and (low is None or low >= 0):
            wrong = "engine.number.negative"
        elif (low is not None and parsed < low) or (high is not None and parsed > high):
            wrong = "engine.number.out_of_range"
        if wrong is not None:
            self.say(wrong, value=parsed)
            self.ask(item, brief=True)
            return
        found = self.breach(item, parsed) if item.low_of is not None or item.high_of is not None else None
        if found is not None:
            kind, other, limit = found
            self.say("engine.bound.above" if kind == "above" else "engine.bound.below",
                     number=item.number, value=self.number_msg(item, parsed), other=other.number,
                     other_label=other.question.label, other_value=self.number_msg(other, limit))
            self.ask(item, brief=True)  # with the range that now applies: "Số phải từ 0 đến 15."
            return
        self.accept(item, parsed)

    def accept(self, item: _Item, value: AnswerValue) -> None:
        answer = Answer(value=value, attachments=self.keep_files(item))
        self.save(item, answer)
        self.say("engine.answer.saved", number=item.number, answer=self.value_msg(item, answer))
        if item.dependents and isinstance(value, int | float) and not isinstance(value, bool):
            self.warn_dependents(item, value)
            if self.warned:
                self.flush()  # the warning and its "sửa" button stand apart from the next question
        self.advance(item, open_only=True)

    def choice_index(self, item: _Item, text: str) -> int | None:
        count = len(item.question.choices) if item.type is _CHOICE else 2
        folded = tx.fold(text)
        if folded.isdigit():
            index = int(folded) - 1
            return index if 0 <= index < count else None
        if item.type is _YESNO:
            yes = _is_yes(text)
            return None if yes is None else (0 if yes else 1)
        return item.choices.get(folded)

    def choose(self, item: _Item, index: int) -> None:
        if item.type is _YESNO:
            self.accept(item, index == 0)
        else:
            self.accept(item, item.question.choices[index].value)

    def multi(self, item: _Item, text: str) -> None:
        choices = item.question.choices
        picked: set[int] = set()
        folded = tx.fold(text)
        parts = [folded] if folded in item.choices else [p for p in _LIST_SEPARATORS.split(folded) if p]
        for part in parts:
            if part in item.choices:
                indexes = [item.choices[part]]
            elif all(token.isdigit() for token in part.split()):
                indexes = [int(token) - 1 for token in part.split()]  # "1 3" as well as "1, 3"
            else:
                indexes = [-1]
            if not all(0 <= index < len(choices) for index in indexes):
                picked.clear()
                break
            picked.update(indexes)
        if not picked:
            self.say("engine.multi.invalid", count=len(choices))
            self.ask(item, brief=True)
            return
        self.accept(item, [choices[i].value for i in sorted(picked)])

    def toggle(self, item: _Item, index: int) -> None:
        value = item.question.choices[index].value
        selected = self.state.selected
        selected = tuple(v for v in selected if v != value) if value in selected else (*selected, value)
        order = [c.value for c in item.question.choices]
        selected = tuple(sorted(selected, key=order.index))
        self.state = self.state.but(selected=selected)
        self.say("engine.multi.ticked", items=tuple(
            Msg("engine.value.multi_item", {"label": self.choice_label(item, v)}) for v in selected
        ) or (Msg("engine.value.none"),))
        self.buttons = self.question_buttons(item, False, False, selected)

    def finish_multi(self, item: _Item) -> None:
        selected = list(self.state.selected)
        if not selected:
            if item.question.required:
                self.say("engine.multi.empty")
                self.ask(item, brief=True)
            else:
                self.advance(item, open_only=False)
            return
        answer = self.answer(item)
        if answer is not None and answer.value == selected and not answer.skipped:
            self.advance(item, open_only=False)  # nothing changed
            return
        self.accept(item, selected)

    def date(self, item: _Item, text: str) -> None:
        parsed = tx.parse_date(text)
        if isinstance(parsed, tx.DateError):
            self.say(_DATE_ERRORS[parsed])
            self.ask(item, brief=True)
            return
        self.accept(item, parsed.isoformat())

    def on_attachment(self, attachment: Attachment, caption: str) -> None:
        item = self.current()
        if item is None:
            self.say("engine.file.no_question")
            self.buttons = ((BUTTON_RESUME,),)
            return
        answer = self.answer(item)
        files = (*answer.attachments, attachment) if answer is not None else (attachment,)
        value = None if answer is None or answer.skipped else answer.value
        self.save(item, Answer(value=value, attachments=files))
        self.say("engine.file.saved", number=item.number, count=len(files))
        self.state = self.state.but(mode="answering")
        recognised = _recognise(caption) if caption else None
        if caption and recognised is None:
            self.on_answer(item, caption)  # the caption is the answer (or more of it)
        elif item.type is _TEXT:
            self.buttons = ((_button("engine.button.next", f"n:{item.key}", "tiếp"),),)
        elif not _has_value(item, self.answer(item)):
            self.ask(item, brief=True)
        else:
            self.buttons = ((_button("engine.button.next", f"n:{item.key}", "tiếp"),),)

    # -- buttons -------------------------------------------------------------------------------------

    def on_action(self, action: str) -> None:
        kind, _, rest = action.partition(":")
        if not rest:
            match kind:
                case "go":
                    self.on_command(Command.START, "")
                case "rv":
                    self.on_command(Command.REVIEW, "")
                case "sub":
                    self.on_command(Command.SUBMIT, "")
                case "help":
                    self.on_command(Command.HELP, "")
                case "no":
                    self.cancel_submit()
                case _:
                    self.garbled()
            return
        if kind == "ok":
            if self.state.mode == "confirm_submit" and rest == str(self.submission.version):
                self.confirm()
            else:  # an old confirmation: ask again rather than submit something not confirmed
                self.say("engine.action.stale_confirm")
                self.request_submit()
            return
        key, _, index_text = rest.partition(":")
        item = self.plan.by_key.get(key)
        if kind not in ("c", "m", "d", "n", "a", "s", "b", "v", "e"):
            self.garbled()
            return
        if item is None or item.type is _NOTE:
            self.say("engine.action.stale_unknown")
            self.reshow()
            return
        index = int(index_text) if index_text.isdigit() else None
        if kind in ("c", "m"):
            count = len(item.question.choices) if item.type is not _YESNO else 2
            valid_type = item.type in ((_CHOICE, _YESNO) if kind == "c" else (_MULTI,))
            if index is None or index >= count or not valid_type:
                self.garbled()
                return
        if kind == "v":
            self.view(item)
            return
        if kind == "e":
            self.go_to(item)
            return
        current = self.current()
        if current is None or current.pos != item.pos:
            if kind == "c" and index is not None and self.visible(item):
                self.choose_elsewhere(item, index)
                return
            self.say("engine.action.stale", number=item.number)
            self.reshow()
            return
        match kind:
            case "c":
                self.choose(item, index)  # type: ignore[arg-type]
            case "m":
                self.toggle(item, index)  # type: ignore[arg-type]
            case "d":
                self.finish_multi(item)
            case "n":
                self.next()
            case "a":
                self.append()
            case "s":
                self.skip()
            case "b":
                self.back()

    def choose_elsewhere(self, item: _Item, index: int) -> None:
        """A choice pressed on an older message: it still answers its own question, nothing else."""
        value: AnswerValue = index == 0 if item.type is _YESNO else item.question.choices[index].value
        answer = Answer(value=value, attachments=self.keep_files(item))
        self.save(item, answer)
        self.say("engine.action.saved_elsewhere", number=item.number, answer=self.value_msg(item, answer))
        self.reminder()

    def view(self, item: _Item) -> None:
        self.say("engine.view.answer", number=item.number, label=item.question.label,
                 answer=self.review_value(item))
        self.reminder()

    def garbled(self) -> None:
        self.say("engine.action.unknown")
        self.reshow()

    def reshow(self) -> None:
        item = self.current()
        if item is not None and self.state.mode == "answering":
            self.ask(item, brief=True, append=not self.state.replacing)
        else:
            self.say("engine.idle.hint")
            self.buttons = ((BUTTON_RESUME, BUTTON_HELP),)


def step(ctx: Context, state: DialogState, incoming: Incoming) -> Turn:
    """One turn: what the member did, given where they are, becomes a new state, replies and effects."""
    turn = _Step(ctx, state)
    turn.run(incoming)
    return turn.finish()
