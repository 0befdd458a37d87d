"""Answers: a message, a file or a pressed option read by its question's handler, checked and saved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dialogs import messages as ui
from dialogs import text as tx
from dialogs.commands import is_yes, recognise
from dialogs.events import Answer, AnswerValue, Attachment, Msg
from dialogs.outline import QuestionType
from dialogs.plan import Item
from dialogs.progress import has_value
from dialogs.questions import handler
from dialogs.questions import multi as multi_choice
from dialogs.questions.number import quoted

if TYPE_CHECKING:
    from dialogs.flow import Flow

MESSAGE_LIMIT = 16_000  # UTF-16 units in one message to a narrative question
ANSWER_LIMIT = 50_000  # UTF-16 units in a whole narrative answer

_TEXT, _CHOICE, _MULTI, _YESNO = (
    QuestionType.TEXT,
    QuestionType.CHOICE,
    QuestionType.MULTI,
    QuestionType.YESNO,
)
_NOTE, _DATE = QuestionType.NOTE, QuestionType.DATE


def on_answer(flow: Flow, item: Item, text: str) -> None:
    """A message that answers the current question, read by its type."""
    kind = item.type
    if kind is _NOTE:  # a note cannot be answered; it should not have been current
        flow.advance(item, open_only=True)
    elif kind is _TEXT:
        write(flow, item, text)
    elif kind is _MULTI or kind is _CHOICE or kind is _YESNO or kind is _DATE:
        accept_parsed(flow, item, handler(kind).parse(item, text))
    else:
        number(flow, item, text)


def accept_parsed(flow: Flow, item: Item, parsed: AnswerValue | Msg) -> None:
    """Save what a handler read, or say why it could not and ask again."""
    if isinstance(parsed, Msg):
        flow.body.append(parsed)
        flow.ask(item, brief=True)  # asked again with what is expected
    else:
        accept(flow, item, parsed)


def keep_files(flow: Flow, item: Item) -> tuple[Attachment, ...]:
    """The files already attached to a question's answer, kept when its value changes."""
    answer = flow.answer(item)
    return answer.attachments if answer is not None else ()


def write(flow: Flow, item: Item, text: str) -> None:
    """Add a message to a narrative answer (or replace it, right after choosing to edit it)."""
    length = tx.utf16_len(text)
    if length > MESSAGE_LIMIT:
        flow.say("engine.text.message_too_long", length=length, limit=MESSAGE_LIMIT)
        flow.reminder()
        return
    answer = flow.answer(item)
    before = answer.value if answer is not None and isinstance(answer.value, str) else ""
    replacing = flow.state.replacing and bool(before)
    combined = text if replacing or not before else f"{before}\n\n{text}"
    if tx.utf16_len(combined) > ANSWER_LIMIT:
        flow.say("engine.text.answer_too_long", length=tx.utf16_len(before), limit=ANSWER_LIMIT)
        flow.buttons = ((ui.buttons(item).next,),)
        return
    flow.save(item, Answer(value=combined, attachments=keep_files(flow, item)))
    flow.say("engine.text.replaced" if replacing else "engine.text.saved", number=item.name)
    own = ui.buttons(item)
    flow.buttons = ((own.next, own.view),)
    flow.state = flow.state.but(mode="answering", parts=flow.state.parts + 1, replacing=False)


def number(flow: Flow, item: Item, text: str) -> None:
    """A number, read with its scale and unit; a hedged one ("khoảng 300") is confirmed first."""
    read = handler(item.type).read(item, text)  # type: ignore[attr-defined]
    if isinstance(read, Msg):
        flow.body.append(read)
        flow.ask(item, brief=True)  # asked again with what is expected
        return
    if read.approximate:
        flow.say("engine.number.approx", typed=quoted(text), number=item.number, value=read.shown)
        own = ui.buttons(item)
        flow.buttons = ((own.keep_number, own.drop_number),)
        flow.state = flow.state.but(mode="confirm_number", pending_number=read.value)
        return
    store_number(flow, item, read.value, read.shown)


def store_number(flow: Flow, item: Item, value: AnswerValue, shown: Msg) -> None:
    """Save a number unless it goes against the answer that bounds it ("trong đó" above its total)."""
    figure = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    bounded = figure is not None and (item.low_of is not None or item.high_of is not None)
    found = flow.progress.breach(item, figure) if bounded and figure is not None else None
    if found is not None:
        kind, other, limit = found
        flow.say(
            "engine.bound.above" if kind == "above" else "engine.bound.below",
            number=item.name,
            value=ui.number(item, figure),  # type: ignore[arg-type]
            other=other.name,
            other_label=other.question.label,
            other_value=ui.number(other, limit),
        )
        flow.ask(item, brief=True)  # with the range that now applies: "Số phải từ 0 đến 15."
        return
    accept(flow, item, value, shown)


def on_number_confirmation(flow: Flow, text: str) -> None:
    """A typed answer to "store the number as given?": yes, no, or a new answer to the question."""
    item = flow.current()
    if item is None:
        flow.state = flow.state.but(mode="idle", pending_number=None)
        flow.idle_hint()
        return
    yes = is_yes(text)
    if yes is None:
        flow.state = flow.state.but(mode="answering", pending_number=None)
        on_answer(flow, item, text)
    else:
        confirm_number(flow, item, yes)


def confirm_number(flow: Flow, item: Item, yes: bool) -> None:
    """Store the hedged number as given (yes), or ask for the exact one (no)."""
    pending = flow.state.pending_number if flow.state.mode == "confirm_number" else None
    flow.state = flow.state.but(mode="answering", pending_number=None)
    if pending is None:  # an old button: nothing is waiting
        flow.say("engine.action.stale", number=item.number)
        flow.reshow()
    elif yes:
        store_number(flow, item, pending, ui.number(item, pending))
    else:
        flow.say("engine.number.approx_declined", number=item.number)
        flow.ask(item, brief=True)


def accept(flow: Flow, item: Item, value: AnswerValue, shown: Msg | None = None) -> None:
    """Save a value, say so (as `shown` when the value was read from a scale or another unit), warn
    about parts now above their total, and go on."""
    answer = Answer(value=value, attachments=keep_files(flow, item))
    flow.save(item, answer)
    flow.say("engine.answer.saved", number=item.name, answer=shown or ui.value(item, answer))
    if item.dependents and isinstance(value, int | float) and not isinstance(value, bool):
        warn_dependents(flow, item, value)
        if flow.warned:
            flow.flush()  # the warning and its "sửa" button stand apart from the next question
    flow.advance(item, open_only=True)


def warn_dependents(flow: Flow, item: Item, value: float) -> None:
    """A total changed below a part given earlier (or above a minimum): accepted, but said."""
    for dependent in item.dependents:
        part = flow.progress.number(dependent)
        if part is None:
            continue
        above = dependent.high_of is item and part > value
        if not above and not (dependent.low_of is item and part < value):
            continue
        flow.say(
            "engine.bound.now_above" if above else "engine.bound.now_below",
            number=item.name,
            value=ui.number(item, value),
            other=dependent.name,
            other_label=dependent.question.label,
            other_value=ui.number(dependent, part),
        )
        if not flow.warned:
            flow.buttons = ((ui.buttons(dependent).fix,),)
        flow.warned = True


def choose(flow: Flow, item: Item, index: int) -> None:
    """The option pressed on the current question."""
    accept(flow, item, handler(item.type).value_at(item, index))  # type: ignore[attr-defined]


def toggle(flow: Flow, item: Item, index: int) -> None:
    """Tick or untick an option of a multi-choice question (saved only on Xong)."""
    selected = multi_choice.toggled(item, flow.state.selected, index)
    flow.state = flow.state.but(selected=selected)
    flow.say("engine.multi.ticked", items=multi_choice.items(item, selected) or (Msg("engine.value.none"),))
    flow.buttons = ui.question_buttons(
        item,
        answered=False,
        replacing=False,
        selected=selected,
        has_before=next(flow.askable(before=item.pos), None) is not None,
        long_text=False,
    )


def finish_multi(flow: Flow, item: Item) -> None:
    """Save the options ticked (or go on if nothing changed)."""
    selected = list(flow.state.selected)
    if not selected:
        if item.required:
            flow.say("engine.multi.empty")
            flow.ask(item, brief=True)
        else:
            flow.advance(item, open_only=False)
        return
    answer = flow.answer(item)
    if answer is not None and answer.value == selected and not answer.skipped:
        flow.advance(item, open_only=False)  # nothing changed
        return
    accept(flow, item, selected)


def on_attachment(flow: Flow, attachment: Attachment, caption: str) -> None:
    """A file for the current question; its caption, if not a command, answers it too."""
    item = flow.current()
    if item is None:
        flow.say("engine.file.no_question")
        flow.buttons = ((ui.BUTTON_RESUME,),)
        return
    answer = flow.answer(item)
    files = (*answer.attachments, attachment) if answer is not None else (attachment,)
    value = None if answer is None or answer.skipped else answer.value
    flow.save(item, Answer(value=value, attachments=files))
    flow.say("engine.file.saved", number=item.name, count=len(files))
    flow.state = flow.state.but(mode="answering")
    recognised = recognise(caption) if caption else None
    if caption and recognised is None:
        on_answer(flow, item, caption)  # the caption is the answer (or more of it)
    elif item.type is _TEXT or has_value(item, flow.answer(item)):
        flow.buttons = ((ui.buttons(item).next,),)
    else:
        flow.ask(item, brief=True)


def choose_elsewhere(flow: Flow, item: Item, index: int) -> None:
    """A choice pressed on an older message: it still answers its own question, nothing else."""
    value = handler(item.type).value_at(item, index)  # type: ignore[attr-defined]
    answer = Answer(value=value, attachments=keep_files(flow, item))
    flow.save(item, answer)
    flow.say("engine.action.saved_elsewhere", number=item.name, answer=ui.value(item, answer))
    flow.reminder()
