"""Submitting a report: refused with the reasons, confirmed, receipted; and what is said once it is in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dialogs import messages as ui
from dialogs.commands import is_submit_yes
from dialogs.events import DialogState, Submit

if TYPE_CHECKING:
    from dialogs.flow import Flow


def already_submitted(flow: Flow) -> None:
    """Say the report is in, with its receipt, and how to correct it."""
    sub = flow.submission
    version = sub.submitted_version or sub.version
    flow.say("engine.submit.already", version=version, code=receipt_code(flow, version))
    flow.say("engine.submit.how_to_correct")
    flow.buttons = ((ui.BUTTON_REVIEW,),)


def receipt_code(flow: Flow, version: int) -> str:
    """The code a cadre quotes for a submitted version."""
    return f"BC-{flow.submission.id}-{version}"


def request_submit(flow: Flow) -> None:
    """Ask to confirm submitting, unless something must be fixed first."""
    if flow.needs_reopen():
        flow.state = flow.state.but(mode="idle")
        already_submitted(flow)
        return
    if refuse_submit(flow):
        return
    version = flow.submission.version
    flow.say(
        "engine.submit.confirm",
        unit=flow.submission.unit_name,
        version=version,
        answered=flow.progress.answered_count,
        total=flow.progress.applicable_count,
    )
    flow.buttons = ((ui.confirm_button(version), ui.BUTTON_NOT_YET),)
    flow.state = flow.state.but(mode="confirm_submit")


def refuse_submit(flow: Flow) -> bool:
    """Say why the report cannot be submitted yet, if it cannot: required questions unanswered,
    or numbers that do not fit together (a part above its total)."""
    progress = flow.progress
    missing, problems = progress.missing, progress.bound_problems
    if not missing and not problems:
        return False
    # Idle, not writing: a "có" sent right after "nộp" (before the reply arrived) must not
    # end up in the narrative answer that was open.
    flow.state = flow.state.but(mode="idle")
    if missing:
        flow.say("engine.submit.missing", count=len(missing))
        flow.missing_list()
    if problems:
        flow.flush()
        flow.say("engine.submit.bounds", count=len(problems))
        flow.bound_list()
    return True


def on_confirmation(flow: Flow, text: str) -> None:
    """A typed answer to the confirmation: yes submits ("dung", "nộp luôn"), no does not, anything
    else asks again."""
    yes = is_submit_yes(text)
    if yes is None:
        flow.say("engine.submit.confirm_again")
        flow.buttons = ((ui.confirm_button(flow.submission.version), ui.BUTTON_NOT_YET),)
    elif yes:
        confirm(flow)
    else:
        cancel_submit(flow)


def confirm(flow: Flow) -> None:
    """Submit the version confirmed, with a receipt."""
    if flow.needs_reopen():
        flow.state = DialogState()
        already_submitted(flow)
        return
    if refuse_submit(flow):  # answers changed since the question was asked (another device, member)
        return
    version = flow.submission.version
    flow.effects.append(Submit())
    # The moment itself: bot.i18n shows it in the member's time zone.
    flow.say(
        "engine.submit.receipt",
        unit=flow.submission.unit_name,
        version=version,
        time=flow.ctx.now,
        code=receipt_code(flow, version),
    )
    flow.say("engine.submit.how_to_correct")
    flow.state = DialogState()
    flow.buttons = ((ui.BUTTON_REVIEW,),)


def cancel_submit(flow: Flow) -> None:
    """Not now: back to where the cadre was."""
    flow.state = flow.state.but(mode="answering" if flow.current() else "idle")
    flow.say("engine.submit.cancelled")
    flow.buttons = ((ui.BUTTON_REVIEW, ui.BUTTON_RESUME),)
