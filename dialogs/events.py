"""What goes into the dialog engine and what comes out of it: plain frozen values, no I/O.

The engine reads a `Context` (outline, current answers, submission), the member's `DialogState` and
one `Incoming` event, and returns a `Turn`: the new state, the `Reply` messages to send (message ids
with parameters, translated and rendered later per channel) and the `Effect`s to store.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Literal, TypeAlias

from dialogs.outline import Localized, Outline

if TYPE_CHECKING:
    from dialogs.rollup import Draft

# --- incoming -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    """A file a cadre sent with an answer, kept by the platform's file id."""

    kind: Literal["photo", "document"]
    file_id: str
    name: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class Incoming:
    """One thing a member did: typed text, pressed a button (its action), or sent a file.

    `text` arrives cleaned by `dialogs.text.clean` (the service cleans every message once).
    """

    text: str = ""
    action: str | None = None  # a Button.action coming back from a button press
    attachment: Attachment | None = None


# --- outgoing -----------------------------------------------------------------------------------

# A parameter is formatted by the renderer: numbers per locale, Localized picked per locale,
# a Msg translated and inserted, a tuple of Msg joined by new lines, a date or a (timezone-aware)
# moment in the member's time zone.
Param: TypeAlias = "str | int | float | Localized | Msg | tuple[Msg, ...] | date | datetime"


@dataclass(frozen=True)
class Msg:
    """A message id from the catalogs (locales/) with named parameters."""

    id: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.id, tuple(sorted((k, repr(v)) for k, v in self.params.items()))))


@dataclass(frozen=True)
class Button:
    """A choice offered to the member.

    `action` comes back in `Incoming.action` when pressed (short: channels carry it in a small
    field); `command` is what to type instead on a channel without buttons: a catalog message (a
    word in the member's language) or a literal such as an option's number.
    """

    label: Msg
    action: str
    command: Msg | str


@dataclass(frozen=True)
class Reply:
    """One outgoing message: paragraphs, then rows of buttons."""

    body: tuple[Msg, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()


# --- what the engine reads ----------------------------------------------------------------------

AnswerValue: TypeAlias = "str | int | float | bool | list[str] | dict[str, bool] | None"

# A figure the unit says it cannot know ("chưa thống kê được"): stored as this JSON value, so that
# it is neither a number nor an empty answer. Read it only through `is_unknown_value` (or
# `dialogs.progress.is_unknown`), never by comparing dicts in place.
_UNKNOWN_KEY = "unknown"


def unknown_value() -> dict[str, bool]:
    """The value stored for a figure the unit does not know."""
    return {_UNKNOWN_KEY: True}


def is_unknown_value(value: object) -> bool:
    """Whether a stored value is the unknown figure."""
    return isinstance(value, dict) and value.get(_UNKNOWN_KEY) is True


@dataclass(frozen=True)
class Answer:
    """The current answer to one question. Dates are ISO strings; multi-choice a list of values."""

    value: AnswerValue
    skipped: bool = False
    attachments: tuple[Attachment, ...] = ()


SubmissionStatus: TypeAlias = Literal["draft", "submitted", "returned", "approved"]


@dataclass(frozen=True)
class SubmissionView:
    """The unit's submission as the engine needs to see it."""

    id: int
    status: SubmissionStatus = "draft"
    version: int = 1  # the version being worked on
    submitted_version: int | None = None  # the last version submitted, None if never
    returned_comment: str | None = None
    unit_name: str = ""


@dataclass(frozen=True)
class DocumentDetails:
    """What makes a submitted version a document the level above can file (kept with the version)."""

    number: str  # số, ký hiệu: "12-BC/ĐU"
    signed_on: date
    signer_title: str  # thẩm quyền, chức vụ: "T/M Đảng ủy, Bí thư"
    signer_name: str
    drafter_name: str
    drafter_phone: str
    attachment: Attachment | None = None  # a photo or PDF of the signed, stamped paper


@dataclass(frozen=True)
class Context:
    outline: Outline
    answers: Mapping[str, Answer]
    submission: SubmissionView
    now: datetime  # timezone-aware
    # The deadline of the member's level in this campaign, None if it has none; days left are
    # counted in `zone`'s local date (None: Asia/Ho_Chi_Minh, the product's home).
    deadline: date | None = None
    zone: tzinfo | None = None
    # The document details of the last submitted version, offered again when resubmitting.
    document: DocumentDetails | None = None
    # A roll-up draft from the reports of the units under this one (dialogs/rollup.py), given by the
    # caller only when it may be offered ("/baocao" with nothing answered, "/nhap", the offer's reply).
    draft: Draft | None = None


# --- dialog state -------------------------------------------------------------------------------

# confirm_command: a short message in a narrative answer looked like a command ("tiepp", "Tiếp ạ");
# the bot asked whether it was meant as one, and keeps the message in `pending` until told.
# "confirm_number": a hedged number ("khoảng 300") waits for a yes before it is stored.
# "confirm_draft": a roll-up draft was offered (dialogs/drafting.py), waiting for yes or no.
# "document": submitting was confirmed and the document's details are being asked (`step`).
Mode: TypeAlias = Literal[
    "idle", "answering", "confirm_submit", "confirm_command", "document", "confirm_number", "confirm_draft"
]


@dataclass(frozen=True)
class DialogState:
    """Where a member is in a report; serialised to JSON in the database between turns."""

    mode: Mode = "idle"
    question_id: str | None = None
    # How many messages were added to the current narrative answer in this sitting; >0 means the
    # member is writing it and further messages are appended.
    parts: int = 0
    # True right after "/sua N" on an answered question: the next message replaces the answer
    # unless the member asks to add to it.
    replacing: bool = False
    # Choices ticked so far on a multi-choice question, before the member presses "Xong".
    selected: tuple[str, ...] = ()
    # In confirm_command: the message asked about, and the command it looked like (`Command` value).
    pending: str = ""
    pending_command: str = ""
    # While submitting: the document detail being asked, and those given so far (name, text) —
    # nothing is stored until the last one is in and the version is submitted with them.
    step: str | None = None
    details: tuple[tuple[str, str], ...] = ()
    # A number given with a hedge ("khoảng 300"), in the question's unit, waiting for the cadre's
    # yes before it is stored (mode "confirm_number").
    pending_number: int | float | None = None

    def __post_init__(self) -> None:
        # JSON has no tuples: a list read back from the database becomes a tuple again, so a state
        # equals itself after a round trip.
        if not isinstance(self.selected, tuple):
            object.__setattr__(self, "selected", tuple(self.selected))
        if not isinstance(self.details, tuple) or any(not isinstance(d, tuple) for d in self.details):
            object.__setattr__(self, "details", tuple((str(k), str(v)) for k, v in self.details))

    def to_json(self) -> str:
        # A shallow dict: asdict() deep-copies and costs more than the engine's whole turn.
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | None) -> DialogState:
        if not raw:
            return cls()
        data = json.loads(raw)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def but(self, **changes: object) -> DialogState:
        return replace(self, **changes)  # type: ignore[arg-type]


# --- effects: what the caller must store ---------------------------------------------------------


@dataclass(frozen=True)
class SaveAnswer:
    """Store this as the current answer (a new revision in the history)."""

    question_id: str
    answer: Answer


@dataclass(frozen=True)
class Submit:
    """Mark the submission submitted (its current version), with the document's details."""

    document: DocumentDetails | None = None


@dataclass(frozen=True)
class Reopen:
    """An answer is about to change in a submitted report: start the next version as a draft."""


Effect: TypeAlias = SaveAnswer | Submit | Reopen


@dataclass(frozen=True)
class Turn:
    state: DialogState
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...] = ()
