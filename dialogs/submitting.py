"""Submitting a report: refused with the reasons, confirmed, its document details asked, receipted.

After "nộp" is confirmed the cadre gives, one by one, what makes the version a document the level
above can file (`dialogs.document` reads each): số/ký hiệu, the date signed, the signer's title and
name, the drafter's name and phone, and optionally a photo or PDF of the signed, stamped paper. They
travel in the dialog state and nothing is stored until the last one is in: then the version is
submitted with them (`Submit(document)`) and the receipt shows them. Resubmitting offers the details
of the version submitted before.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

from dialogs import document as doc
from dialogs import messages as ui
from dialogs.commands import Command, is_submit_yes, is_yes, recognise
from dialogs.deadline import HOME, deadline_line
from dialogs.events import Attachment, Button, DialogState, DocumentDetails, Incoming, Msg, Submit

if TYPE_CHECKING:
    from dialogs.flow import Flow

# The details in the order they are asked; "keep" first when there are details to keep.
STEPS = ("number", "signed_on", "signer_title", "signer_name", "drafter_name", "drafter_phone", "attachment")
KEEP = "keep"
_ASK = {
    "number": "engine.document.ask.number",
    "signed_on": "engine.document.ask.signed_on",
    "signer_title": "engine.document.ask.signer_title",
    "signer_name": "engine.document.ask.signer_name",
    "drafter_name": "engine.document.ask.drafter_name",
    "drafter_phone": "engine.document.ask.drafter_phone",
    "attachment": "engine.document.ask.attachment",
}

_READERS = {
    "number": doc.read_number,
    "signer_title": doc.read_title,
    "signer_name": doc.read_name,
    "drafter_name": doc.read_name,
    "drafter_phone": doc.read_phone,
}

# --- the receipt code -----------------------------------------------------------------------------

# Not a số văn bản and must not look like one ("12-BC/ĐU"): "BN-7K2Q-4XPA", in the invite codes'
# alphabet (no vowels, no 0/O or 1/I). (submission id, version) is scrambled by an affine map, a
# bijection modulo 25^8, so codes are unique (for versions below 256) and consecutive submissions do
# not get consecutive codes.
_SYMBOLS = "23456789BCFGHJKMNPQRSTVXZ"
_SPACE = len(_SYMBOLS) ** 8
_MULTIPLIER, _OFFSET = 48_271_394_117, 91_733_405_219  # the multiplier is prime to 25


def receipt_code(submission_id: int, version: int) -> str:
    """The code a cadre quotes for a submitted version: "BN-XXXX-XXXX"."""
    n = ((submission_id << 8 | version & 0xFF) * _MULTIPLIER + _OFFSET) % _SPACE
    symbols = []
    for _ in range(8):
        n, digit = divmod(n, len(_SYMBOLS))
        symbols.append(_SYMBOLS[digit])
    return f"BN-{''.join(symbols[:4])}-{''.join(symbols[4:])}"


def _code(flow: Flow, version: int) -> str:
    return receipt_code(flow.submission.id, version)


def say_deadline(flow: Flow) -> None:
    """The deadline of the member's level with the days left, if the campaign gives one."""
    line = deadline_line(flow.ctx)
    if line is not None:
        flow.body.append(line)


# --- asking to submit -----------------------------------------------------------------------------


def already_submitted(flow: Flow) -> None:
    """Say the report is in, with its receipt, and how to correct it."""
    sub = flow.submission
    version = sub.submitted_version or sub.version
    flow.say("engine.submit.already", version=version, code=_code(flow, version))
    flow.say("engine.submit.how_to_correct")
    flow.buttons = ((ui.BUTTON_REVIEW,),)


def request_submit(flow: Flow) -> None:
    """Ask to confirm submitting, unless something must be fixed first."""
    if flow.needs_reopen():
        flow.state = flow.state.but(mode="idle", step=None, details=())
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
    say_deadline(flow)
    flow.say("engine.submit.what_happens", version=version)
    flow.buttons = ((ui.confirm_button(version), ui.BUTTON_NOT_YET),)
    flow.state = flow.state.but(mode="confirm_submit", step=None, details=())


def refuse_submit(flow: Flow) -> bool:
    """Say why the report cannot be submitted yet, if it cannot: required questions unanswered,
    or numbers that do not fit together (a part above its total)."""
    progress = flow.progress
    missing, problems = progress.missing, progress.bound_problems
    if not missing and not problems:
        return False
    # Idle, not writing: a "có" sent right after "nộp" (before the reply arrived) must not
    # end up in the narrative answer that was open.
    flow.state = flow.state.but(mode="idle", step=None, details=())
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
    """Submitting confirmed: ask the document's details (or offer to keep the last ones)."""
    if flow.needs_reopen():
        flow.state = DialogState()
        already_submitted(flow)
        return
    if refuse_submit(flow):  # answers changed since the question was asked (another device, member)
        return
    previous = flow.ctx.document
    if previous is not None:
        _set_step(flow, KEEP, ())
        flow.say("engine.document.keep", version=flow.submission.submitted_version or 1)
        flow.body.append(details_msg(previous))
        _offer_keep(flow)
        return
    flow.say("engine.document.intro")
    _ask(flow, STEPS[0], ())


def cancel_submit(flow: Flow) -> None:
    """Not now: back to where the cadre was (document details typed so far are not kept)."""
    flow.state = flow.state.but(mode="answering" if flow.current() else "idle", step=None, details=())
    flow.say("engine.submit.cancelled")
    flow.buttons = ((ui.BUTTON_REVIEW, ui.BUTTON_RESUME),)


# --- the document's details -----------------------------------------------------------------------


def _set_step(flow: Flow, step: str, details: tuple[tuple[str, str], ...]) -> None:
    flow.state = DialogState(mode="document", question_id=flow.state.question_id, step=step, details=details)


def _ask(flow: Flow, step: str, details: tuple[tuple[str, str], ...]) -> None:
    """Ask for one detail (its number among them, what to type, an example)."""
    _set_step(flow, step, details)
    flow.say(_ASK[step], step=STEPS.index(step) + 1, steps=len(STEPS))
    version = flow.submission.version
    if step == "attachment":
        skip = Button(Msg("engine.button.no_attachment"), f"ok:{version}:skip", Msg("engine.word.skip"))
        flow.buttons = ((skip,), (ui.BUTTON_NOT_YET,))
    else:
        flow.buttons = ((ui.BUTTON_NOT_YET,),)


def _reask(flow: Flow) -> None:
    step = flow.state.step or STEPS[0]
    if step == KEEP:
        _offer_keep(flow)
        return
    _ask(flow, step, flow.state.details)


def _offer_keep(flow: Flow) -> None:
    """Keep the last submitted version's details ("có"), or enter them again ("không")?"""
    flow.say("engine.document.keep_how")
    version = flow.submission.version
    # Their own actions, not the confirmation's "ok:N": a double tap on "Nộp" must not keep them.
    flow.buttons = (
        (
            Button(Msg("engine.button.keep"), f"ok:{version}:keep", Msg("engine.word.yes")),
            Button(Msg("engine.button.enter_new"), f"ok:{version}:new", Msg("engine.word.no")),
        ),
        (ui.BUTTON_NOT_YET,),
    )


def _today(flow: Flow) -> date:
    return flow.ctx.now.astimezone(flow.ctx.zone or HOME).date()


def on_document(flow: Flow, incoming: Incoming) -> bool:
    """A message while the details are asked; False when it is a command that leaves submitting
    (the caller then runs it: "tạm dừng", "xem lại", "sửa 5"...)."""
    step = flow.state.step or STEPS[0]
    if incoming.attachment is not None:
        if step == "attachment":
            _take_attachment(flow, incoming.attachment)
        else:
            flow.say("engine.document.file_later")
            _reask(flow)
        return True
    text = incoming.text
    if not text:
        flow.say("engine.input.empty")
        _reask(flow)
        return True
    recognised = recognise(text)
    if isinstance(recognised, tuple):
        command = recognised[0]
        if step == "attachment" and command in (Command.SKIP, Command.NEXT):
            _finish(flow, flow.state.details)
        elif command is Command.SUBMIT:
            _reask(flow)
        elif command is Command.HELP:
            flow.say("engine.document.help")
            _reask(flow)
        else:
            flow.state = flow.state.but(mode="answering" if flow.current() else "idle", step=None, details=())
            flow.say("engine.document.left")
            flow.flush()
            return False
        return True
    yes = is_yes(text)
    if step == KEEP:
        if yes is None:
            flow.say("engine.document.keep_again")
            _reask(flow)
        elif yes:
            _keep(flow)
        else:
            _ask(flow, STEPS[0], ())
        return True
    if step == "attachment":
        if yes is False:
            _finish(flow, flow.state.details)
        else:
            flow.say("engine.document.need_file")
            _reask(flow)
        return True
    if yes is False:  # "chưa", "không": not now; nothing was stored
        cancel_submit(flow)
        return True
    _take_text(flow, step, text)
    return True


def on_document_action(flow: Flow, pressed: str) -> None:
    """A button while the details are asked: keep the last details, enter new ones, no attachment."""
    version, _, choice = pressed.partition(":")
    if flow.state.mode != "document" or version != str(flow.submission.version):
        flow.say("engine.action.stale_confirm")
        request_submit(flow)
        return
    step = flow.state.step
    if step == KEEP and choice == "keep":
        _keep(flow)
    elif step == KEEP and choice == "new":
        _ask(flow, STEPS[0], ())
    elif step == "attachment" and choice == "skip":
        _finish(flow, flow.state.details)
    else:  # the confirmation pressed twice, or a button from an earlier step
        _reask(flow)


def _take_text(flow: Flow, step: str, text: str) -> None:
    """Read one typed detail: refused with what was expected, or kept and the next one asked."""
    if step == "signed_on":
        read = doc.read_date(text, _today(flow))
        value = read.isoformat() if isinstance(read, date) else read
    else:
        value = _READERS[step](text)
    if isinstance(value, doc.Refusal):
        flow.say(value.message_id, text=text)
        _reask(flow)
        return
    details = (*flow.state.details, (step, value))
    following = STEPS[STEPS.index(step) + 1]
    if step == "signed_on":
        flow.say("engine.document.date_taken", date=date.fromisoformat(value))
    _ask(flow, following, details)


def _take_attachment(flow: Flow, attachment: Attachment) -> None:
    """A photo, or a PDF, of the signed and stamped paper; anything else is refused."""
    name = (attachment.name or "").lower()
    if attachment.kind == "document" and not name.endswith(".pdf"):
        flow.say("engine.document.not_pdf")
        _reask(flow)
        return
    raw = json.dumps(
        {
            "kind": attachment.kind,
            "file_id": attachment.file_id,
            "name": attachment.name,
            "size": attachment.size,
        },
        ensure_ascii=False,
    )
    _finish(flow, (*flow.state.details, ("attachment", raw)))


def _keep(flow: Flow) -> None:
    previous = flow.ctx.document
    if previous is None:  # nothing to keep after all (cannot happen from a fresh context): ask anew
        _ask(flow, STEPS[0], ())
        return
    _submit(flow, previous)


def _finish(flow: Flow, details: tuple[tuple[str, str], ...]) -> None:
    """The last detail is in: build the document from the state, or start again if one is missing."""
    given = dict(details)
    try:
        raw = given.get("attachment")
        attachment = Attachment(**json.loads(raw)) if raw else None
        document = DocumentDetails(
            number=given["number"],
            signed_on=date.fromisoformat(given["signed_on"]),
            signer_title=given["signer_title"],
            signer_name=given["signer_name"],
            drafter_name=given["drafter_name"],
            drafter_phone=given["drafter_phone"],
            attachment=attachment,
        )
    except (KeyError, ValueError, TypeError):  # a state from before a change of steps: ask again
        flow.say("engine.document.intro")
        _ask(flow, STEPS[0], ())
        return
    _submit(flow, document)


def _submit(flow: Flow, document: DocumentDetails) -> None:
    """Submit the version with its document, and give the receipt."""
    if flow.needs_reopen():
        flow.state = DialogState()
        already_submitted(flow)
        return
    if refuse_submit(flow):
        return
    version = flow.submission.version
    flow.effects.append(Submit(document))
    # The moment itself: bot.i18n shows it in the member's time zone.
    flow.say(
        "engine.submit.receipt",
        unit=flow.submission.unit_name,
        version=version,
        time=flow.ctx.now,
        code=_code(flow, version),
    )
    flow.body.append(details_msg(document))
    say_deadline(flow)
    flow.say("engine.submit.how_to_correct")
    flow.state = DialogState()
    flow.buttons = ((ui.BUTTON_REVIEW,),)


def details_msg(document: DocumentDetails) -> Msg:
    """The document's details as the receipt shows them."""
    attachment = document.attachment
    if attachment is None:
        paper = Msg("engine.document.paper_none")
    elif attachment.kind == "photo":
        paper = Msg("engine.document.paper_photo")
    else:
        paper = Msg("engine.document.paper_pdf", {"name": attachment.name or "PDF"})
    return Msg(
        "engine.document.details",
        {
            "number": document.number,
            "date": document.signed_on,
            "signer_title": document.signer_title,
            "signer_name": document.signer_name,
            "drafter_name": document.drafter_name,
            "phone": document.drafter_phone,
            "paper": paper,
        },
    )
