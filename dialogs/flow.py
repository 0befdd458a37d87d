"""The flow of one turn: what a member did, where they are, becomes a new state, replies and effects.

`Flow` holds the turn: it reads the plan and progress (`dialogs.plan`, `dialogs.progress`), routes the
input (a command word, a button, an answer, a file), shows questions with the builders of
`dialogs.messages`, and collects replies and effects until `finish()`. What each input does lives
beside it: moving around in `dialogs.navigation`, answers in `dialogs.answering` (read by the
question handlers of `dialogs.questions`), submitting in `dialogs.submitting`.
"""

from __future__ import annotations

from collections.abc import Iterator

from dialogs import answering, drafting, navigation, submitting
from dialogs import messages as ui
from dialogs.commands import Command, is_submit_yes, is_yes, near_command, parse_action, recognise
from dialogs.events import (
    Answer,
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
    Turn,
)
from dialogs.outline import QuestionType
from dialogs.plan import Item, plan_of
from dialogs.progress import Progress, has_value, is_answered
from dialogs.questions import Asking, handler
from dialogs.questions import text as narrative

_TEXT, _INTEGER, _DECIMAL = QuestionType.TEXT, QuestionType.INTEGER, QuestionType.DECIMAL
_CHOICE, _MULTI, _YESNO = QuestionType.CHOICE, QuestionType.MULTI, QuestionType.YESNO
_NOTE = QuestionType.NOTE
_GREETINGS = frozenset({"engine.start.welcome", "engine.start.resume"})


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
        """The progress of the answers as they stand in this turn."""
        if self._progress is None:
            self._progress = Progress(self.plan, self.answers)
        return self._progress

    def answer(self, item: Item) -> Answer | None:
        """A question's answer as it stands in this turn."""
        return self.answers.get(item.id)

    def visible(self, item: Item) -> bool:
        """Whether the item applies, given the answers."""
        return not self.plan.conditions or self.progress.visible(item)

    def current(self) -> Item | None:
        """The question the cadre is at, if it still applies."""
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
        """The first question after `after` that applies and is not answered."""
        answers = self.answers
        for item in self.askable(after):
            if not is_answered(item, answers.get(item.id)):
                return item
        return None

    def needs_reopen(self) -> bool:
        """Whether changing an answer starts a new version (the report is submitted)."""
        return self.submission.status in ("submitted", "approved")

    # -- writing -------------------------------------------------------------------------------------

    def say(self, message_id: str, **params: object) -> None:
        """Add a paragraph to the reply being built."""
        self.body.append(Msg(message_id, params))  # type: ignore[arg-type]

    def flush(self) -> None:
        """Close the reply being built (with its buttons); the next paragraph starts another."""
        if self.body:
            self.replies.append(Reply(tuple(self.body), self.buttons))
        self.body, self.buttons = [], ()

    def save(self, item: Item, answer: Answer) -> None:
        """Store an answer (reopening a submitted report first)."""
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
        """The turn: the new state, the replies and the effects."""
        self.flush()
        return Turn(self.state, tuple(self.replies), tuple(self.effects))

    # -- showing a question --------------------------------------------------------------------------

    def show_notes(self, after: int, before: int | None) -> None:
        """The notes between two positions that apply, as the cadre passes them."""
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
        if self.body and self.body[-1].id in _GREETINGS and not brief:
            # Under the welcome or "làm tiếp" (dialogs.navigation.start): the member's deadline.
            submitting.say_deadline(self)
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
            self.say("engine.reminder.writing", number=item.name)
            self.buttons = ((ui.buttons(item).next,),)
        else:
            self.say("engine.reminder.current", number=item.name)
            self.buttons = ((ui.BUTTON_RESUME,),)

    def idle_hint(self) -> None:
        """No question open: say how to go on."""
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
            submitting.already_submitted(self)
            return
        if self.submission.submitted_version is not None:  # a correction: no fanfare, say how to finish
            self.say("engine.complete.ready_again", version=self.submission.version)
        else:
            self.say(
                "engine.complete.ready", answered=progress.answered_count, total=progress.applicable_count
            )
        self.buttons = ((ui.BUTTON_REVIEW, ui.BUTTON_SUBMIT),)

    def missing_list(self) -> None:
        """List the required questions still unanswered, with a button to the first."""
        said, self.buttons = ui.missing_list(self.progress.missing)
        self.body.append(said)

    def bound_list(self) -> None:
        """List the numbers that do not fit together, with a button to the first."""
        said, self.buttons = ui.bound_list(self.progress.bound_problems)
        self.body.extend(said)

    # -- the turn ------------------------------------------------------------------------------------

    def run(self, incoming: Incoming) -> None:
        """Route what the member did: a button, a file, a command word, or an answer."""
        if incoming.action is not None:
            self.on_action(incoming.action)
            return
        if self.state.mode == "document" and submitting.on_document(self, incoming):
            return  # a document detail (or a word about it); a command that leaves submitting goes on
        text = incoming.text  # cleaned by the caller (dialogs.text.clean), once per message
        if incoming.attachment is not None:
            answering.on_attachment(self, incoming.attachment, caption=text)
            return
        if not text:
            self.say("engine.input.empty")
            self.reminder()
            return
        mode = self.state.mode
        # In a state that asked yes or no, a yes or no word is that answer before it is a command:
        # "dung" is "đúng" (yes) there, not "dừng" (pause); "nộp luôn" submits.
        if mode == "confirm_submit":
            yes = is_submit_yes(text)
            if yes is not None:
                submitting.confirm(self) if yes else submitting.cancel_submit(self)
                return
        elif mode == "confirm_command":
            if self.on_near_reply(text):
                return
        elif mode == "confirm_draft":
            yes = is_yes(text)
            if yes is not None:
                drafting.answer(self, yes)
                return
            if recognise(text) is None:
                drafting.ask_again(self)
                return
        else:
            asked = self.current()
            if asked is not None and asked.type is _YESNO and is_yes(text) is not None:
                self.state = self.state.but(mode="answering")
                answering.on_answer(self, asked, text)
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
            submitting.on_confirmation(self, text)
            return
        if self.state.mode == "confirm_number":
            answering.on_number_confirmation(self, text)
            return
        item = self.current()
        if item is None:
            self.idle_hint()
            return
        if self.state.mode != "answering":  # paused at this question: the message answers it
            if item.type not in (_CHOICE, _YESNO, _MULTI) and is_yes(text) is not None:
                # ...unless it is a bare "có"/"không" meant for something else (a confirmation
                # no longer asked): it must not become a narrative answer, nor "không" a zero.
                self.say("engine.idle.not_an_answer", number=item.name)
                self.buttons = ((ui.BUTTON_RESUME,),)
                return
            self.state = self.state.but(mode="answering")
        if item.type is _TEXT:
            near = near_command(text)
            if near is not None:  # "tiepp", "Tiếp ạ", "ok": ask, rather than write it into the answer
                self.ask_near(item, text, near)
                return
        answering.on_answer(self, item, text)

    # -- a near-command in a narrative answer --------------------------------------------------------

    def ask_near(self, item: Item, text: str, command: Command) -> None:
        """Ask whether a short message was meant as the command it looks like; store nothing yet."""
        self.state = self.state.but(mode="confirm_command", pending=text, pending_command=command.value)
        self.say("engine.near.ask", word=ui.command_word(command), text=text, number=item.name)
        self.buttons = ui.near_buttons(command)

    def on_near_reply(self, text: str) -> bool:
        """A message after "Ý anh/chị là …?": yes runs the command, no stores the message asked about.

        Anything else leaves the question (the message asked about is not stored, and the cadre is
        told); False when the new message is still to be routed.
        """
        yes = is_yes(text)
        if yes is not None:
            self.resolve_near(yes)
            return True
        pending = self.state.pending
        self.state = self.state.but(mode="answering", pending="", pending_command="")
        if recognise(text) is None:
            self.say("engine.near.dropped", text=pending)
        return False

    def resolve_near(self, yes: bool) -> None:
        """Yes: run the command the message looked like. No: the message is part of the answer."""
        pending, command = self.state.pending, self.state.pending_command
        self.state = self.state.but(mode="answering", pending="", pending_command="")
        item = self.current()
        if yes and command in Command._value2member_map_:
            self.on_command(Command(command), "")
        elif not yes and item is not None and item.type is _TEXT and pending:
            answering.write(self, item, pending)
        else:  # the question changed under it (another device): nothing to add the message to
            self.say("engine.near.dropped", text=pending)
            self.reshow()

    # -- commands ------------------------------------------------------------------------------------

    def on_command(self, command: Command, argument: str) -> None:
        """Do what a command word or slash command asks."""
        if self.state.mode in ("confirm_submit", "document") and command is not Command.SUBMIT:
            mode = "answering" if self.state.question_id else "idle"
            self.state = self.state.but(mode=mode, step=None, details=())
        elif self.state.mode == "confirm_command":
            self.state = self.state.but(mode="answering", pending="", pending_command="")
        elif self.state.mode == "confirm_number":  # the hedged number is let go
            self.state = self.state.but(mode="answering", pending_number=None)
        elif self.state.mode == "confirm_draft":  # the draft offered is let go
            self.state = self.state.but(mode="answering" if self.state.question_id else "idle", pending="")
        match command:
            case Command.START:
                if not drafting.offer_on_start(self):
                    navigation.start(self)
            case Command.DRAFT:
                drafting.request(self)
            case Command.REVIEW:
                navigation.review(self, argument)
            case Command.EDIT:
                navigation.edit(self, argument)
            case Command.BACK:
                navigation.back(self)
            case Command.SKIP:
                navigation.skip(self)
            case Command.NEXT:
                navigation.next_question(self)
            case Command.SUBMIT:
                submitting.request_submit(self)
            case Command.PAUSE:
                navigation.pause(self)
            case Command.HELP:
                self.say("engine.help")
                self.reminder()
            case Command.APPEND:
                navigation.append(self)
            case Command.VIEW:
                navigation.view_numbered(self, argument)

    # -- buttons -------------------------------------------------------------------------------------

    def on_action(self, raw: str) -> None:
        """Do what a pressed button asks, unless the button is from an old message."""
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
                return submitting.cancel_submit(self)
            case "dy" | "dn":
                if self.state.mode != "confirm_draft":
                    self.say("engine.action.stale_unknown")
                    self.reshow()
                    return None
                return drafting.answer(self, kind == "dy")
            case "cy" | "cn":
                if self.state.mode != "confirm_command":
                    self.say("engine.action.stale_unknown")
                    self.reshow()
                    return None
                return self.resolve_near(kind == "cy")
            case "rs":
                return navigation.review_section(self, pressed.index or 0)
            case "ok":
                if self.state.mode == "document":
                    submitting.on_document_action(self, pressed.version)
                elif self.state.mode == "confirm_submit" and pressed.version == str(self.submission.version):
                    submitting.confirm(self)
                else:  # an old confirmation: ask again rather than submit something not confirmed
                    self.say("engine.action.stale_confirm")
                    submitting.request_submit(self)
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
            navigation.view(self, item)
            return
        if kind == "e":
            navigation.go_to(self, item)
            return
        current = self.current()
        if current is None or current.pos != item.pos:
            if kind == "c" and index is not None and self.visible(item):
                answering.choose_elsewhere(self, item, index)
                return
            self.say("engine.action.stale", number=item.name)
            self.reshow()
            return
        match kind:
            case "c":
                answering.choose(self, item, index)  # type: ignore[arg-type]
            case "m":
                answering.toggle(self, item, index)  # type: ignore[arg-type]
            case "d":
                answering.finish_multi(self, item)
            case "n":
                navigation.next_question(self)
            case "a":
                navigation.append(self)
            case "s":
                navigation.skip(self)
            case "b":
                navigation.back(self)
            case "ny" | "nn":
                answering.confirm_number(self, item, kind == "ny")

    def garbled(self) -> None:
        """A button the engine did not make: say so and show where the cadre is."""
        self.say("engine.action.unknown")
        self.reshow()

    def reshow(self) -> None:
        """Show the current question again, or how to go on."""
        item = self.current()
        if item is not None and self.state.mode == "answering":
            self.ask(item, brief=True, append=not self.state.replacing)
        else:
            self.idle_hint()
