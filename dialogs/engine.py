"""The dialog engine: one turn of a cadre's report, as a pure function.

`step(context, state, incoming)` reads the outline, the answers stored so far and the member's dialog
state, and returns a `Turn`: the new state, the replies to send (message ids with parameters) and
the effects to store. It sends and stores nothing itself, keeps nothing between calls except a cache
of per-outline plans, and imports no framework.

Where to find what:
    dialogs/plan.py        the outline's questions in order, numbered, with their lookups
    dialogs/progress.py    what is visible, answered and missing: the one definition of "answered"
    dialogs/questions/     one handler per question type: parse, prompt, value shown
    dialogs/commands.py    command words, yes and no, button actions (`parse_action`)
    dialogs/messages.py    buttons, headings, values and lists as message ids
    dialogs/flow.py        the turn itself: from what the member did to replies and effects
    dialogs/navigation.py  start, resume, go to a question, back, next, skip, pause, review
    dialogs/answering.py   answers and files, checked and saved
    dialogs/submitting.py  refusing, confirming and receipting a submission
"""

from __future__ import annotations

from dialogs.answering import ANSWER_LIMIT, MESSAGE_LIMIT
from dialogs.events import Context, DialogState, Incoming, Turn
from dialogs.flow import Flow

__all__ = ["ANSWER_LIMIT", "MESSAGE_LIMIT", "step"]


def step(ctx: Context, state: DialogState, incoming: Incoming) -> Turn:
    """One turn: what the member did, given where they are, becomes a new state, replies and effects.

    `incoming.text` must already be cleaned by `dialogs.text.clean`.
    """
    flow = Flow(ctx, state)
    flow.run(incoming)
    return flow.finish()
