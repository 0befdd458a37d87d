"""The flow of one turn: what a member did, where they are, becomes a new state, replies and effects.

`Flow` reads the plan and progress (`dialogs.plan`, `dialogs.progress`), reads input with the
command words (`dialogs.commands`) and the question handlers (`dialogs.questions`), says things
with the builders of `dialogs.messages`, and collects replies and effects until `finish()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dialogs import messages as ui
from dialogs import text as tx
from dialogs.commands import Command, is_yes, parse_action, recognise
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
from dialogs.outline import QuestionType
from dialogs.plan import Item, plan_of
from dialogs.progress import Progress, has_value, is_answered
from dialogs.questions import Asking, handler
from dialogs.questions import multi as multi_choice
from dialogs.questions import text as narrative

MESSAGE_LIMIT = 16_000  # UTF-16 units in one message to a narrative question
ANSWER_LIMIT = 50_000  # UTF-16 units in a whole narrative answer

_TEXT, _INTEGER, _DECIMAL = QuestionType.TEXT, QuestionType.INTEGER, QuestionType.DECIMAL
_CHOICE, _MULTI, _YESNO = QuestionType.CHOICE, QuestionType.MULTI, QuestionType.YESNO
_NOTE = QuestionType.NOTE
_QUESTION_NUMBER = re.compile(r"\s*(\d{1,4}(?:\.\d{1,3})*)\.?\s*$")


class Flow:
    """The working memory of one turn: state, answers so far, and what to send and store."""

    __slots__ = (
        "ctx",
        "plan",
        "state",
        "submission",
        "answers",
        "effects",
        "replies",
        "body",
        "buttons",
        "_progress",
        "warned",
    )

    def __init__(self, ctx: Context, state: DialogState) -> None:
        self.ctx = ctx
        self.plan = plan_of(ctx.outline)
        self.state = state
        self.submission: SubmissionView = ctx.submission
        self.answers = ctx.answers  # replaced by a new mapping when an answer is saved in this turn
        self.effects: list[Effect] = []
        self.replies: list[Reply] = []
        self.body: list[Msg] = []
        self.buttons: tuple[tuple[Button, ...], ...] = ()
        self._progress: Progress | None = None
        self.warned = False  # a total was just changed below (or above) a part already given

    # -- reading -------------------------------------------------------------------------------------

    @property
    def progress(self) -> Progress:
        if self._progress is None:
            self._progress = Progress(self.plan, self.answers)
        return self._progress

    def answer(self, item: Item) -> Answer | None:
        return self.answers.get(item.id)

    def visible(self, item: Item) -> bool:
        return not self.plan.conditions or self.progress.visible(item)

    def current(self) -> Item | None:
        question_id = self.state.question_id
        item = self.plan.by_id.get(question_id) if question_id else None
        if item is None or item.type is _NOTE or not self.visible(item):
            return None
        return item

    def askable(self, after: int = -1, before: int | None = None) -> Iterator[Item]:
        """Visible questions between two positions (exclusive), in order."""
        hidden = self.progress.hidden if self.plan.conditions else ()
        for item in self.plan.items[after + 1 : before]:
            if item.type is not _NOTE and item.id not in hidden:
                yield item

    def next_open(self, after: int = -1) -> Item | None:
        answers = self.answers
        for item in self.askable(after):
            if not is_answered(item, answers.get(item.id)):
                return item
        return None

    def needs_reopen(self) -> bool:
        return self.submission.status == "submitted"

    # -- writing -------------------------------------------------------------------------------------

    def say(self, message_id: str, **params: object) -> None:
        self.body.append(Msg(message_id, params))  # type: ignore[arg-type]

    def flush(self) -> None:
        if self.body:
            self.replies.append(Reply(tuple(self.body), self.buttons))
        self.body, self.buttons = [], ()

    def save(self, item: Item, answer: Answer) -> None:
        if self.needs_reopen():
            previous = self.submission.submitted_version or self.submission.version
            self.effects.append(Reopen())
            self.submission = SubmissionView(
                id=self.submission.id,
                status="draft",
                version=previous + 1,
                submitted_version=self.submission.submitted_version,
                unit_name=self.submission.unit_name,
            )
            self.say("engine.revise.reopened", submitted=previous, version=previous + 1)
        last = self.effects[-1] if self.effects else None
        if isinstance(last, SaveAnswer) and last.question_id == item.id:
            self.effects.pop()  # a file and its caption in one message: one revision, not two
        self.effects.append(SaveAnswer(item.id, answer))
        self.answers = {**self.answers, item.id: answer}
        self._progress = None

    def finish(self) -> Turn:
        self.flush()
        return Turn(self.state, tuple(self.replies), tuple(self.effects))

    # -- showing a question --------------------------------------------------------------------------

    def show_notes(self, after: int, before: int | None) -> None:
        for item in self.plan.items[after + 1 : before]:
            if item.type is _NOTE and self.visible(item):
                self.body.extend(handler(_NOTE).said(item))  # type: ignore[attr-defined]

    def ask(
        self,
        item: Item,
        *,
        after: int | None = None,
        brief: bool = False,
        entering: bool | None = None,
        append: bool = False,
    ) -> None:
        """Show a question and make it the current one.

        `after`: the position we come from when moving forward (notes on the way are shown);
        `brief`: asking again after a wrong answer (no section title, hint or notices);
        `append`: the cadre was writing this narrative answer, further messages add to it.
        """
        plan, question, state = self.plan, item.question, self.state
        if after is not None:
            self.show_notes(after, item.pos)
        if entering is None:
            previous = plan.by_id.get(state.question_id or "")
            entering = previous is None or previous.section != item.section
        if entering and not brief:
            self.body.append(ui.section_title(plan, item.section))
        self.body.append(ui.heading(plan, item))
        if question.hint is not None and not brief:
            self.say("engine.question.hint", hint=question.hint)
        answer = self.answer(item)
        answered = has_value(item, answer)
        if answer is not None and not brief:
            if answer.skipped:
                self.say("engine.question.current_skipped")
            elif answered:
                self.say("engine.question.current", answer=ui.value(item, answer, full=False))
            if answer.attachments:
                self.say("engine.question.files", count=len(answer.attachments))
        has_text = item.type is _TEXT and answered and isinstance(answer.value, str) and bool(answer.value)  # type: ignore[union-attr]
        replacing = has_text and not append
        low = high = None
        if question.is_numeric:
            low, high = (
                self.progress.range(item) if item.high_of or item.low_of else (question.min, question.max)
            )
        asking = Asking(brief=brief, has_text=has_text, replacing=replacing, low=low, high=high)
        self.body.extend(handler(item.type).prompt(item, asking))
        if self.needs_reopen() and not brief:
            version = self.submission.submitted_version or self.submission.version
            self.say("engine.revise.notice", submitted=version, version=version + 1)
        selected: tuple[str, ...] = ()
        if item.type is _MULTI:
            if state.question_id == item.id and state.selected:
                selected = state.selected
            elif answer is not None and isinstance(answer.value, list):
                selected = tuple(answer.value)
        self.buttons = ui.question_buttons(
            item,
            answered=answered,
            replacing=replacing,
            selected=selected,
            has_before=next(self.askable(before=item.pos), None) is not None,
            long_text=item.type is _TEXT and answer is not None and narrative.is_long(answer.value),
        )
        keep_parts = state.question_id == item.id and append
        self.state = DialogState(
            mode="answering",
            question_id=item.id,
            parts=state.parts if keep_parts else 0,
            replacing=replacing,
            selected=selected,
        )

    def reminder(self) -> None:
        """Where the cadre is and what the next message will do."""
        item = self.current()
        if item is None or self.state.mode != "answering":
            return
        if item.type is _TEXT and self.state.parts > 0 and not self.state.replacing:
            self.say("engine.reminder.writing", number=item.number)
            self.buttons = ((ui.buttons(item).next,),)
        else:
            self.say("engine.reminder.current", number=item.number)
            self.buttons = ((ui.BUTTON_RESUME,),)

    def idle_hint(self) -> None:
        self.say("engine.idle.hint")
        self.buttons = ((ui.BUTTON_RESUME, ui.BUTTON_HELP),)

    # -- moving on -----------------------------------------------------------------------------------

    def advance(self, item: Item, *, open_only: bool) -> None:
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
        progress = self.progress
        if progress.missing:
            self.say("engine.complete.missing", count=len(progress.missing))
            self.missing_list()
            return
        problems = progress.bound_problems
        if problems:
            if self.warned:  # just said, with its button
                self.say("engine.complete.bounds_warned")
                self.buttons = ((ui.BUTTON_REVIEW,),)
            else:
                self.say("engine.complete.bounds", count=len(problems))
                self.bound_list()
            return
        if self.needs_reopen():
            self.already_submitted()
            return
        if self.submission.submitted_version is not None:  # a correction: no fanfare, say how to finish
            self.say("engine.complete.ready_again", version=self.submission.version)
        else:
            self.say(
                "engine.complete.ready", answered=progress.answered_count, total=progress.applicable_count
            )
        self.buttons = ((ui.BUTTON_REVIEW, ui.BUTTON_SUBMIT),)

    def missing_list(self) -> None:
        said, self.buttons = ui.missing_list(self.progress.missing)
        self.body.append(said)

    def bound_list(self) -> None:
        said, self.buttons = ui.bound_list(self.progress.bound_problems)
        self.body.extend(said)

    def already_submitted(self) -> None:
        sub = self.submission
        version = sub.submitted_version or sub.version
        self.say("engine.submit.already", version=version, code=self.receipt_code(version))
        self.say("engine.submit.how_to_correct")
        self.buttons = ((ui.BUTTON_REVIEW,),)

    def receipt_code(self, version: int) -> str:
        return f"BC-{self.submission.id}-{version}"

    # -- the turn ------------------------------------------------------------------------------------

    def run(self, incoming: Incoming) -> None:
        if incoming.action is not None:
            self.on_action(incoming.action)
            return
        text = incoming.text  # cleaned by the caller (dialogs.text.clean), once per message
        if incoming.attachment is not None:
            self.on_attachment(incoming.attachment, caption=text)
            return
        if not text:
            self.say("engine.input.empty")
            self.reminder()
            return
        recognised = recognise(text)
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
            self.idle_hint()
            return
        if self.state.mode != "answering":  # paused at this question: the message answers it
            if item.type not in (_CHOICE, _YESNO, _MULTI) and is_yes(text) is not None:
                # ...unless it is a bare "có"/"không" meant for something else (a confirmation
                # no longer asked): it must not become a narrative answer, nor "không" a zero.
                self.say("engine.idle.not_an_answer", number=item.number)
                self.buttons = ((ui.BUTTON_RESUME,),)
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
        answered = self.progress.answered_count
        if item is None and not answered and not self.state.question_id:
            self.say(
                "engine.start.welcome",
                title=self.plan.outline.title,
                unit=sub.unit_name,
                total=self.plan.total,
                sections=self.plan.sections,
            )
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
                self.buttons = ((ui.BUTTON_REVIEW,),)
            else:
                self.view(item)
            return
        item = self.numbered(argument, "engine.view.which")
        if item is not None:
            self.view(item)

    def numbered(self, argument: str, which: str) -> Item | None:
        """The question a cadre named: its number in the report (7), or in the outline (1.2)."""
        number = _QUESTION_NUMBER.match(argument)
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

    def go_to(self, item: Item) -> None:
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
        if item.required:
            self.say("engine.skip.required", number=item.number)
            self.buttons = ((ui.buttons(item).later,),)
            return
        self.save(item, Answer(value=None, skipped=True))
        self.say("engine.skip.done", number=item.number)
        self.advance(item, open_only=True)

    def next(self) -> None:
        item = self.current()
        if item is None:
            self.start()
            return
        if item.type is _MULTI and self.state.selected:
            self.finish_multi(item)
            return
        if item.type is _TEXT and self.state.parts > 0:
            self.advance(item, open_only=True)  # done writing: on with the report
            return
        if item.required and not has_value(item, self.answer(item)):
            self.say("engine.next.left_open", number=item.number)
        self.advance(item, open_only=False)

    def append(self) -> None:
        item = self.current()
        if item is None:
            self.idle_hint()
            return
        if item.type is not _TEXT:
            self.say("engine.append.not_text", number=item.number)
            return
        self.state = self.state.but(replacing=False, mode="answering")
        self.say("engine.text.append_mode", number=item.number)
        self.buttons = ((ui.buttons(item).next,),)

    def pause(self) -> None:
        item = self.current()
        self.state = self.state.but(mode="idle")
        if item is None:
            self.say("engine.pause.no_question")
        else:
            self.say("engine.pause", number=item.number)
        self.buttons = ((ui.BUTTON_RESUME,),)

    def review(self) -> None:
        self.flush()
        plan, progress = self.plan, self.progress
        self.say(
            "engine.review.title",
            title=plan.outline.title,
            unit=self.submission.unit_name,
            version=self.submission.version,
        )
        for s, section in enumerate(plan.outline.sections):
            items = [plan.by_id[q.id] for q in section.questions if q.is_answerable]
            if not items:
                continue
            self.body.append(ui.section_title(plan, s))
            for item in items:
                value = (
                    ui.review_value(item, self.answer(item))
                    if progress.visible(item)
                    else Msg("engine.review.not_applicable")
                )
                self.say("engine.review.item", number=item.number, label=item.question.label, answer=value)
            self.flush()  # a reply per section; the channel splits what is still too long
        if progress.missing:
            self.say(
                "engine.review.summary",
                answered=progress.answered_count,
                total=plan.total,
                missing=len(progress.missing),
            )
        else:
            self.say(
                "engine.review.summary_done",
                answered=progress.answered_count,
                total=progress.applicable_count,
            )
        self.say("engine.review.how_to_edit")
        self.buttons = ((ui.BUTTON_RESUME, ui.BUTTON_SUBMIT),)

    # -- submitting ----------------------------------------------------------------------------------

    def request_submit(self) -> None:
        if self.needs_reopen():
            self.state = self.state.but(mode="idle")
            self.already_submitted()
            return
        if self.refuse_submit():
            return
        version = self.submission.version
        self.say(
            "engine.submit.confirm",
            unit=self.submission.unit_name,
            version=version,
            answered=self.progress.answered_count,
            total=self.progress.applicable_count,
        )
        self.buttons = ((ui.confirm_button(version), ui.BUTTON_NOT_YET),)
        self.state = self.state.but(mode="confirm_submit")

    def refuse_submit(self) -> bool:
        """Say why the report cannot be submitted yet, if it cannot: required questions unanswered,
        or numbers that do not fit together (a part above its total)."""
        progress = self.progress
        missing, problems = progress.missing, progress.bound_problems
        if not missing and not problems:
            return False
        # Idle, not writing: a "có" sent right after "nộp" (before the reply arrived) must not
        # end up in the narrative answer that was open.
        self.state = self.state.but(mode="idle")
        if missing:
            self.say("engine.submit.missing", count=len(missing))
            self.missing_list()
        if problems:
            self.flush()
            self.say("engine.submit.bounds", count=len(problems))
            self.bound_list()
        return True

    def on_confirmation(self, text: str) -> None:
        yes = is_yes(text)
        if yes is None:
            self.say("engine.submit.confirm_again")
            self.buttons = ((ui.confirm_button(self.submission.version), ui.BUTTON_NOT_YET),)
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
        # The moment itself: bot.i18n shows it in the member's time zone.
        self.say(
            "engine.submit.receipt",
            unit=self.submission.unit_name,
            version=version,
            time=self.ctx.now,
            code=self.receipt_code(version),
        )
        self.say("engine.submit.how_to_correct")
        self.state = DialogState()
        self.buttons = ((ui.BUTTON_REVIEW,),)

    def cancel_submit(self) -> None:
        self.state = self.state.but(mode="answering" if self.current() else "idle")
        self.say("engine.submit.cancelled")
        self.buttons = ((ui.BUTTON_REVIEW, ui.BUTTON_RESUME),)

    # -- answers -------------------------------------------------------------------------------------

    def on_answer(self, item: Item, text: str) -> None:
        kind = item.type
        if kind is _NOTE:  # a note cannot be answered; it should not have been current
            self.advance(item, open_only=True)
        elif kind is _TEXT:
            self.write(item, text)
        elif kind is _MULTI or kind is _CHOICE or kind is _YESNO or kind is QuestionType.DATE:
            self.accept_parsed(item, handler(kind).parse(item, text))
        else:
            self.number(item, text)

    def accept_parsed(self, item: Item, parsed: AnswerValue | Msg) -> None:
        if isinstance(parsed, Msg):
            self.body.append(parsed)
            self.ask(item, brief=True)  # asked again with what is expected
        else:
            self.accept(item, parsed)

    def keep_files(self, item: Item) -> tuple[Attachment, ...]:
        answer = self.answer(item)
        return answer.attachments if answer is not None else ()

    def write(self, item: Item, text: str) -> None:
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
            self.buttons = ((ui.buttons(item).next,),)
            return
        self.save(item, Answer(value=combined, attachments=self.keep_files(item)))
        self.say(
            "engine.text.replaced" if replacing else "engine.text.saved",
            number=item.number,
            length=len(combined),
        )
        own = ui.buttons(item)
        self.buttons = ((own.next, own.view),)
        self.state = self.state.but(mode="answering", parts=self.state.parts + 1, replacing=False)

    def number(self, item: Item, text: str) -> None:
        parsed = handler(item.type).parse(item, text)
        if isinstance(parsed, Msg):
            self.body.append(parsed)
            self.ask(item, brief=True)  # asked again with what is expected: unit and range
            return
        assert isinstance(parsed, int | float)
        found = self.progress.breach(item, parsed) if item.low_of or item.high_of else None
        if found is not None:
            kind, other, limit = found
            self.say(
                "engine.bound.above" if kind == "above" else "engine.bound.below",
                number=item.number,
                value=ui.number(item, parsed),
                other=other.number,
                other_label=other.question.label,
                other_value=ui.number(other, limit),
            )
            self.ask(item, brief=True)  # with the range that now applies: "Số phải từ 0 đến 15."
            return
        self.accept(item, parsed)

    def accept(self, item: Item, value: AnswerValue) -> None:
        answer = Answer(value=value, attachments=self.keep_files(item))
        self.save(item, answer)
        self.say("engine.answer.saved", number=item.number, answer=ui.value(item, answer))
        if item.dependents and isinstance(value, int | float) and not isinstance(value, bool):
            self.warn_dependents(item, value)
            if self.warned:
                self.flush()  # the warning and its "sửa" button stand apart from the next question
        self.advance(item, open_only=True)

    def warn_dependents(self, item: Item, value: float) -> None:
        """A total changed below a part given earlier (or above a minimum): accepted, but said."""
        for dependent in item.dependents:
            part = self.progress.number(dependent)
            if part is None:
                continue
            above = dependent.high_of is item and part > value
            if not above and not (dependent.low_of is item and part < value):
                continue
            self.say(
                "engine.bound.now_above" if above else "engine.bound.now_below",
                number=item.number,
                value=ui.number(item, value),
                other=dependent.number,
                other_label=dependent.question.label,
                other_value=ui.number(dependent, part),
            )
            if not self.warned:
                self.buttons = ((ui.buttons(dependent).fix,),)
            self.warned = True

    def choose(self, item: Item, index: int) -> None:
        self.accept(item, handler(item.type).value_at(item, index))  # type: ignore[attr-defined]

    def toggle(self, item: Item, index: int) -> None:
        selected = multi_choice.toggled(item, self.state.selected, index)
        self.state = self.state.but(selected=selected)
        self.say(
            "engine.multi.ticked", items=multi_choice.items(item, selected) or (Msg("engine.value.none"),)
        )
        self.buttons = ui.question_buttons(
            item,
            answered=False,
            replacing=False,
            selected=selected,
            has_before=next(self.askable(before=item.pos), None) is not None,
            long_text=False,
        )

    def finish_multi(self, item: Item) -> None:
        selected = list(self.state.selected)
        if not selected:
            if item.required:
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

    def on_attachment(self, attachment: Attachment, caption: str) -> None:
        item = self.current()
        if item is None:
            self.say("engine.file.no_question")
            self.buttons = ((ui.BUTTON_RESUME,),)
            return
        answer = self.answer(item)
        files = (*answer.attachments, attachment) if answer is not None else (attachment,)
        value = None if answer is None or answer.skipped else answer.value
        self.save(item, Answer(value=value, attachments=files))
        self.say("engine.file.saved", number=item.number, count=len(files))
        self.state = self.state.but(mode="answering")
        recognised = recognise(caption) if caption else None
        if caption and recognised is None:
            self.on_answer(item, caption)  # the caption is the answer (or more of it)
        elif item.type is _TEXT or has_value(item, self.answer(item)):
            self.buttons = ((ui.buttons(item).next,),)
        else:
            self.ask(item, brief=True)

    # -- buttons -------------------------------------------------------------------------------------

    def on_action(self, raw: str) -> None:
        pressed = parse_action(raw)
        if pressed is None:
            self.garbled()
            return
        kind = pressed.kind
        match kind:
            case "go":
                return self.on_command(Command.START, "")
            case "rv":
                return self.on_command(Command.REVIEW, "")
            case "sub":
                return self.on_command(Command.SUBMIT, "")
            case "help":
                return self.on_command(Command.HELP, "")
            case "no":
                return self.cancel_submit()
            case "ok":
                if self.state.mode == "confirm_submit" and pressed.version == str(self.submission.version):
                    self.confirm()
                else:  # an old confirmation: ask again rather than submit something not confirmed
                    self.say("engine.action.stale_confirm")
                    self.request_submit()
                return
        item = self.plan.by_key.get(pressed.key)
        if item is None or item.type is _NOTE:
            self.say("engine.action.stale_unknown")
            self.reshow()
            return
        index = pressed.index
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

    def choose_elsewhere(self, item: Item, index: int) -> None:
        """A choice pressed on an older message: it still answers its own question, nothing else."""
        value = handler(item.type).value_at(item, index)  # type: ignore[attr-defined]
        answer = Answer(value=value, attachments=self.keep_files(item))
        self.save(item, answer)
        self.say("engine.action.saved_elsewhere", number=item.number, answer=ui.value(item, answer))
        self.reminder()

    def view(self, item: Item) -> None:
        self.say(
            "engine.view.answer",
            number=item.number,
            label=item.question.label,
            answer=ui.review_value(item, self.answer(item)),
        )
        self.reminder()

    def garbled(self) -> None:
        self.say("engine.action.unknown")
        self.reshow()

    def reshow(self) -> None:
        item = self.current()
        if item is not None and self.state.mode == "answering":
            self.ask(item, brief=True, append=not self.state.replacing)
        else:
            self.idle_hint()
