"""The roll-up draft in the conversation: offered on "/baocao" to a unit whose units under it have
reported, or asked for by "/nhap"; on yes its answers are saved as the member's own (a revision each),
and what is left to answer by hand is listed.

The draft itself is made by `dialogs.rollup.build_draft` before the turn (the caller reads the
children's reports and puts the draft in `Context.draft`); nothing here reads anything else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dialogs import messages as ui
from dialogs import navigation
from dialogs.events import Button, DialogState, Msg
from dialogs.rollup import Draft

if TYPE_CHECKING:
    from dialogs.flow import Flow

BUTTON_YES = Button(Msg("rollup.button.yes"), "dy", Msg("engine.word.yes"))
BUTTON_NO = Button(Msg("rollup.button.no"), "dn", Msg("engine.word.no"))
_LISTED = 12  # questions listed by name in the summary; the rest counted


def _closed(flow: Flow) -> bool:
    return flow.submission.status in ("submitted", "approved")


def _offerable(draft: Draft | None) -> bool:
    return draft is not None and bool(draft.filled)


def offer_on_start(flow: Flow) -> bool:
    """On "/baocao" with nothing answered yet: offer the draft, if there is one. False: start as usual."""
    if flow.answers or _closed(flow) or not _offerable(flow.ctx.draft):
        return False
    _ask(flow, flow.ctx.draft, on_start=True)  # type: ignore[arg-type]
    return True


def request(flow: Flow) -> None:
    """ "/nhap": offer the draft now (it never replaces an answer already given)."""
    draft = flow.ctx.draft
    if _closed(flow):
        flow.say("rollup.closed")
        navigation.start(flow)
        return
    if draft is None:
        flow.say("rollup.no_children")
        flow.reminder() if flow.state.mode == "answering" else flow.idle_hint()
        return
    if not draft.filled:
        flow.say("rollup.nothing", reported=draft.reported, units=draft.units)
        flow.reminder() if flow.state.mode == "answering" else flow.idle_hint()
        return
    _ask(flow, draft, on_start=False)


def _ask(flow: Flow, draft: Draft, *, on_start: bool) -> None:
    kept = sum(1 for answer in flow.answers.values() if not answer.skipped)
    flow.say(
        "rollup.offer",
        reported=draft.reported,
        units=draft.units,
        count=len(draft.filled),
    )
    if kept:
        flow.say("rollup.offer.kept", count=kept)
    flow.say("rollup.offer.start" if on_start else "rollup.offer.later")
    flow.buttons = ((BUTTON_YES, BUTTON_NO),)
    flow.state = flow.state.but(mode="confirm_draft", pending="start" if on_start else "")


def answer(flow: Flow, yes: bool) -> None:
    """Yes: write the draft, say what was filled and what is left; no: go on without it."""
    on_start = flow.state.pending == "start"
    question_id = flow.state.question_id
    flow.state = DialogState(question_id=question_id)
    draft = flow.ctx.draft
    if not yes:
        flow.say("rollup.declined")
        navigation.start(flow)
        return
    if _closed(flow) or draft is None or not draft.filled:
        # The reports changed between the offer and the yes (or the report was submitted elsewhere).
        flow.say("rollup.nothing", reported=draft.reported if draft else 0, units=draft.units if draft else 0)
        navigation.start(flow)
        return
    for filled in draft.filled:
        item = flow.plan.by_id.get(filled.question_id)
        if item is not None:
            flow.save(item, filled.answer)
    summarise(flow, draft)
    flow.flush()
    if on_start:
        flow.state = DialogState()
    navigation.start(flow)


def summarise(flow: Flow, draft: Draft) -> None:
    """What the draft filled, and each question left to the official with why."""
    flow.say("rollup.filled", count=len(draft.filled), reported=draft.reported, units=draft.units)
    if draft.reported < draft.units:
        flow.say("rollup.filled.partial", missing=draft.units - draft.reported)
    listed = [h for h in draft.by_hand if h.reason != "waiting"]
    if listed:
        lines = []
        for left in listed[:_LISTED]:
            item = flow.plan.by_id[left.question_id]
            why = Msg(f"rollup.why.{left.reason}", {"units": left.units})
            lines.append(
                Msg("rollup.left.line", {"question": ui.named("engine.missing.item", item), "why": why})
            )
        flow.say("rollup.left", count=len(listed), items=tuple(lines))
        if len(listed) > _LISTED:
            flow.say("rollup.left.more", count=len(listed) - _LISTED)
    waiting = sum(1 for h in draft.by_hand if h.reason == "waiting")
    if waiting:
        flow.say("rollup.waiting", count=waiting)


def ask_again(flow: Flow) -> None:
    """Neither yes nor no to the offer: ask again."""
    flow.say("rollup.yes_or_no")
    flow.buttons = ((BUTTON_YES, BUTTON_NO),)
