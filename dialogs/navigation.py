"""Moving around a report: start or resume, go to a question by number, back, next, skip, pause, review."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from dialogs import answering, submitting
from dialogs import messages as ui
from dialogs.events import Answer, Button, DialogState, Msg
from dialogs.outline import QuestionType
from dialogs.plan import Item
from dialogs.progress import has_value

if TYPE_CHECKING:
    from dialogs.flow import Flow

_TEXT, _MULTI = QuestionType.TEXT, QuestionType.MULTI
_QUESTION_NUMBER = re.compile(r"\s*(\d{1,4}(?:\.\d{1,3})*)\.?\s*$")


def start(flow: Flow) -> None:
    """Start the report, or resume it where the cadre left off (after a word on a returned report)."""
    sub = flow.submission
    if sub.status == "returned":
        if sub.returned_comment:
            flow.say("engine.returned.comment", version=sub.version, comment=sub.returned_comment)
        else:
            flow.say("engine.returned.no_comment", version=sub.version)
    elif sub.status in ("submitted", "approved"):
        flow.state = DialogState()
        submitting.already_submitted(flow)
        return
    item = flow.current()
    answered = flow.progress.answered_count
    if item is None and not answered and not flow.state.question_id:
        flow.say(
            "engine.start.welcome",
            title=flow.plan.outline.title,
            unit=sub.unit_name,
            total=flow.plan.total,
            sections=flow.plan.sections,
        )
        target = flow.next_open()
        if target is None:
            flow.complete()
        else:
            flow.ask(target, after=-1, entering=True)
        return
    if item is None:
        item = flow.next_open()
        if item is None:
            flow.complete()
            return
    flow.say("engine.start.resume", answered=answered, total=flow.progress.applicable_count)
    writing = flow.state.question_id == item.id and flow.state.parts > 0 and not flow.state.replacing
    flow.ask(item, entering=True, append=writing)


def edit(flow: Flow, argument: str) -> None:
    """Go to the question the cadre named, to answer or change it."""
    item = numbered(flow, argument, "engine.edit.which")
    if item is not None:
        go_to(flow, item)


def view_numbered(flow: Flow, argument: str) -> None:
    """Show the whole answer of the question named, or of the current one."""
    if not argument.strip():
        item = flow.current()
        if item is None:
            flow.say("engine.view.which", total=flow.plan.total)
            flow.buttons = ((ui.BUTTON_REVIEW,),)
        else:
            view(flow, item)
        return
    item = numbered(flow, argument, "engine.view.which")
    if item is not None:
        view(flow, item)


def numbered(flow: Flow, argument: str, which: str) -> Item | None:
    """The question a cadre named: its number in the report (7), or in the outline (1.2).

    A plain number that is both a place in the report and an item of the plan ("5": the fifth
    question, and the plan's item 5) is taken as the place, and the cadre is told so, with what to
    type for the other.
    """
    number = _QUESTION_NUMBER.match(argument)
    if number is None:
        flow.say(which, total=flow.plan.total)
        flow.reminder()
        return None
    if "." in number[1]:
        # Of the questions numbered so (one per kind of unit), the one that applies to this unit.
        candidates = flow.plan.all_by_label_number.get(number[1], ())
        item = next((c for c in candidates if flow.visible(c)), candidates[0] if candidates else None)
        if item is None:
            flow.say("engine.edit.no_such_part", part=number[1], total=flow.plan.total)
            flow.reminder()
        return item
    item = flow.plan.by_number.get(int(number[1]))
    plan_item = flow.plan.by_plan_item.get(str(int(number[1])))
    if item is None:
        if plan_item is not None:
            return plan_item
        flow.say("engine.edit.no_such", number=int(number[1]), total=flow.plan.total)
        flow.reminder()
    elif plan_item is not None and plan_item is not item:
        word = "engine.word.edit" if which == "engine.edit.which" else "engine.word.view"
        flow.say(
            "engine.edit.took_place",
            typed=number[1],
            label=item.question.label,
            other=plan_item.name,
            word=Msg(word, {"number": plan_item.name}),
        )
    return item


def go_to(flow: Flow, item: Item) -> None:
    """Open a question, unless skip logic says it does not apply."""
    if not flow.visible(item):
        flow.say("engine.edit.not_applicable", number=item.name)
        flow.reminder()
        return
    flow.ask(item)


def back(flow: Flow) -> None:
    """Back to the question before the current one that applies."""
    item = flow.current()
    before = item.pos if item is not None else None
    previous = None
    for candidate in flow.askable(before=before):
        previous = candidate
    if previous is None:
        flow.say("engine.back.first")
        if item is not None:
            flow.ask(item, brief=True)
        return
    flow.ask(previous)


def skip(flow: Flow) -> None:
    """Skip the current question if it is optional; a required one can only be left for later."""
    item = flow.current()
    if item is None:
        flow.say("engine.skip.nothing")
        return
    if item.required:
        flow.say("engine.skip.required", number=item.name)
        flow.buttons = ((ui.buttons(item).later,),)
        return
    flow.save(item, Answer(value=None, skipped=True))
    flow.say("engine.skip.done", number=item.name)
    flow.advance(item, open_only=True)


def next_question(flow: Flow) -> None:
    """Done with this question: finish ticking or writing, or leave it and go on."""
    item = flow.current()
    if item is None:
        start(flow)
        return
    if item.type is _MULTI and flow.state.selected:
        answering.finish_multi(flow, item)
        return
    if item.type is _TEXT and flow.state.parts > 0:
        flow.advance(item, open_only=True)  # done writing: on with the report
        return
    if item.required and not has_value(item, flow.answer(item)):
        flow.say("engine.next.left_open", number=item.name)
    flow.advance(item, open_only=False)


def append(flow: Flow) -> None:
    """The next messages add to the narrative answer shown instead of replacing it."""
    item = flow.current()
    if item is None:
        flow.idle_hint()
        return
    if item.type is not _TEXT:
        flow.say("engine.append.not_text", number=item.name)
        return
    flow.state = flow.state.but(replacing=False, mode="answering")
    flow.say("engine.text.append_mode", number=item.name)
    flow.buttons = ((ui.buttons(item).next,),)


def pause(flow: Flow) -> None:
    """Stop here; every answer is already saved."""
    item = flow.current()
    flow.state = flow.state.but(mode="idle")
    if item is None:
        flow.say("engine.pause.no_question")
    else:
        flow.say("engine.pause", number=item.name)
    flow.buttons = ((ui.BUTTON_RESUME,),)


def review(flow: Flow, argument: str = "") -> None:
    """The review: one screen of where each section stands ("xem lại"), or one section in full
    ("xem lại mục 2"). The whole report at once is several phone screens."""
    if argument.strip():
        section = _QUESTION_NUMBER.match(argument)
        if section is None or "." in section[1]:
            flow.say("engine.review.no_such_section", sections=flow.plan.sections)
            flow.buttons = ((ui.BUTTON_REVIEW, ui.BUTTON_RESUME),)
            return
        review_section(flow, int(section[1]) - 1)
        return
    flow.flush()
    plan, progress = flow.plan, flow.progress
    flow.say(
        "engine.review.title",
        title=plan.outline.title,
        unit=flow.submission.unit_name,
        version=flow.submission.version,
    )
    lines: list[Msg] = []
    shown: list[int] = []
    for s, section in enumerate(plan.outline.sections):
        items = _section_items(flow, s)
        if not items:
            continue
        shown.append(s)
        answered = sum(1 for item in items if progress.is_answered(item))
        lines.append(
            Msg(
                "engine.review.section_line",
                {"number": s + 1, "title": section.title, "answered": answered, "total": len(items)},
            )
        )
        missing = [item.name for item in progress.missing if item.section == s]
        if missing:
            names = ", ".join(missing[:_MISSING_NAMED]) + (", …" if len(missing) > _MISSING_NAMED else "")
            lines.append(Msg("engine.review.section_missing", {"names": names}))
    flow.say("engine.lines", lines=tuple(lines))
    _overall(flow)
    flow.say("engine.review.pick_section")
    rows = [tuple(ui.review_section_button(s) for s in shown[i : i + 3]) for i in range(0, len(shown), 3)]
    flow.buttons = (*rows, (ui.BUTTON_RESUME, ui.BUTTON_SUBMIT))


_MISSING_NAMED = 6  # unanswered questions named per section in the summary


def _section_items(flow: Flow, index: int) -> list[Item]:
    """A section's questions that apply, in order."""
    plan, progress = flow.plan, flow.progress
    section = plan.outline.sections[index]
    return [
        item
        for item in (plan.by_id[q.id] for q in section.questions if q.is_answerable)
        if progress.visible(item)
    ]


def _overall(flow: Flow) -> None:
    progress = flow.progress
    if progress.missing:
        flow.say(
            "engine.review.summary",
            answered=progress.answered_count,
            total=progress.applicable_count,
            missing=len(progress.missing),
        )
    else:
        flow.say(
            "engine.review.summary_done",
            answered=progress.answered_count,
            total=progress.applicable_count,
        )


def review_section(flow: Flow, index: int) -> None:
    """One section of the review in full: every question and its answer, then where to go."""
    plan, progress = flow.plan, flow.progress
    if not 0 <= index < plan.sections:
        flow.say("engine.review.no_such_section", sections=plan.sections)
        flow.buttons = ((ui.BUTTON_REVIEW, ui.BUTTON_RESUME),)
        return
    flow.flush()
    section = plan.outline.sections[index]
    flow.body.append(ui.section_title(plan, index))
    items = [plan.by_id[q.id] for q in section.questions if q.is_answerable]
    for item in items:
        value = (
            ui.review_value(item, flow.answer(item))
            if progress.visible(item)
            else Msg("engine.review.not_applicable")
        )
        flow.body.append(ui.named("engine.review.item", item, answer=value))
    flow.flush()  # the answers in one reply (the channel splits what is too long), the way on in another
    applicable = _section_items(flow, index)
    flow.say(
        "engine.review.section_footer",
        number=index + 1,
        sections=plan.sections,
        answered=sum(1 for item in applicable if progress.is_answered(item)),
        total=len(applicable),
    )
    flow.say("engine.review.how_to_edit")
    around: list[Button] = []
    if index > 0:
        around.append(ui.review_section_button(index - 1, "engine.button.review_previous"))
    if index + 1 < plan.sections:
        around.append(ui.review_section_button(index + 1, "engine.button.review_next"))
    rows = [tuple(around)] if around else []
    flow.buttons = (*rows, (ui.BUTTON_REVIEW, ui.BUTTON_RESUME, ui.BUTTON_SUBMIT))


def view(flow: Flow, item: Item) -> None:
    """One question's whole answer, then where the cadre is."""
    flow.body.append(ui.named("engine.view.answer", item, answer=ui.review_value(item, flow.answer(item))))
    flow.reminder()
