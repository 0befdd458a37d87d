"""Reading and writing what one dialog turn needs, in as few round trips as possible.

A turn runs inside one transaction: claim the incoming update (so a redelivered one is applied once),
load the dialog state, submission and answers, let the engine decide, then write the effects and the
new state. The dialog state row carries a revision; writing it back checks the revision, so two
processes handling the same member at once cannot both win — the loser is run again.

This is the hot path of the whole system (every message of every cadre), so it talks to the
connection directly with prepared text statements: the ORM and statement building cost more CPU
than the database work itself (profiled: ~60% of a turn before this).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.events import (
    Answer,
    Attachment,
    DialogState,
    DocumentDetails,
    Effect,
    Reopen,
    SaveAnswer,
    SubmissionView,
    Submit,
)
from storage.audit import TURN_EVENT
from storage.hot import Executor, Sql
from storage.models import AnswerRevision, DialogStateRow, ProcessedUpdate, SubmissionDocument


class TurnConflict(Exception):
    """Another process changed this member's dialog or submission between our read and our write."""


@dataclass(frozen=True)
class LoadedTurn:
    state: DialogState
    revision: int | None  # None: no state row yet
    submission: SubmissionView
    answers: Mapping[str, Answer]
    document: DocumentDetails | None = None  # of the last submitted version, offered when resubmitting


# The same SQL runs on SQLite and PostgreSQL: both speak INSERT ... ON CONFLICT.
_CLAIM = Sql(
    "INSERT INTO processed_updates (channel, update_id, processed_at) VALUES (:channel, :update_id, :now) "
    "ON CONFLICT DO NOTHING",
    time_in=frozenset({"now"}),
)

# Submission, this member's dialog state and every answer in one round trip (a row per answer).
_LOAD = Sql(
    "SELECT s.id, s.status, s.version, s.submitted_version, s.returned_comment, d.state, d.revision, "
    "a.question_id, a.value, a.skipped, a.attachments "
    "FROM submissions s LEFT OUTER JOIN dialog_states d "
    "ON d.campaign_id = s.campaign_id AND d.member_id = :member_id "
    "LEFT OUTER JOIN answers a ON a.submission_id = s.id "
    "WHERE s.campaign_id = :campaign_id AND s.unit_id = :unit_id",
    json_out=frozenset({"value", "attachments"}),
)

_NEW_SUBMISSION = Sql(
    "INSERT INTO submissions (campaign_id, unit_id, status, version, answered_count, last_activity_at) "
    "VALUES (:campaign_id, :unit_id, 'draft', 1, 0, :now) ON CONFLICT DO NOTHING",
    time_in=frozenset({"now"}),
)

_SAVE_ANSWER = Sql(
    "INSERT INTO answers (submission_id, question_id, value, skipped, attachments, updated_at, updated_by) "
    "VALUES (:submission_id, :question_id, :value, :skipped, :attachments, :now, :member_id) "
    "ON CONFLICT (submission_id, question_id) DO UPDATE SET value = excluded.value, "
    "skipped = excluded.skipped, attachments = excluded.attachments, updated_at = excluded.updated_at, "
    "updated_by = excluded.updated_by",
    json_in=frozenset({"value", "attachments"}),
    time_in=frozenset({"now"}),
)

_SAVE_REVISION = Sql(
    "INSERT INTO answer_revisions (submission_id, question_id, submission_version, kind, value, skipped, "
    "attachments, member_id, created_at) "
    "VALUES (:submission_id, :question_id, :version, :kind, :part, :skipped, :attachments, :member_id, :now)",
    json_in=frozenset({"part", "attachments"}),
    time_in=frozenset({"now"}),
)

_TOUCH_ACTIVITY = Sql(
    "UPDATE submissions SET last_activity_at = :now WHERE id = :submission_id",
    time_in=frozenset({"now"}),
)

_TOUCH_SUBMISSION = Sql(
    "UPDATE submissions SET last_activity_at = :now, answered_count = :answered WHERE id = :submission_id",
    time_in=frozenset({"now"}),
)

# The counts a supervisor's "tiến độ" and "ai chưa nộp" read (storage/oversight.py), all three from
# the one Progress of the turn's answers: no supervisor query ever reads answers.
_TOUCH_COUNTS = Sql(
    "UPDATE submissions SET last_activity_at = :now, answered_count = :answered, "
    "required_count = :required, sections_answered = :sections WHERE id = :submission_id",
    json_in=frozenset({"sections"}),
    time_in=frozenset({"now"}),
)

# Both guarded by the status and version this turn read: a supervisor's return or approval that
# committed meanwhile makes them change nothing, and the turn is run again on the new row.
_REOPEN = Sql(
    "UPDATE submissions SET status = 'draft', version = :new_version "
    "WHERE id = :submission_id AND status = :status AND version = :version"
)

_SUBMIT = Sql(
    "UPDATE submissions SET status = 'submitted', submitted_version = :version, submitted_at = :now, "
    "submitted_by = :member_id, returned_comment = NULL, last_activity_at = :now "
    "WHERE id = :submission_id AND status = :status AND version = :version",
    time_in=frozenset({"now"}),
)

# Written right after _SUBMIT changed the row (guarded by status and version), in its transaction;
# the key (submission, version) keeps one document per submitted version.
_SAVE_DOCUMENT = Sql(
    "INSERT INTO submission_documents (submission_id, version, number, signed_on, signer_title, "
    "signer_name, drafter_name, drafter_phone, attachment, member_id, created_at) "
    "VALUES (:submission_id, :version, :number, :signed_on, :signer_title, :signer_name, :drafter_name, "
    ":drafter_phone, :attachment, :member_id, :now)",
    json_in=frozenset({"attachment"}),
    time_in=frozenset({"now"}),
)

# Read only once a version was submitted (most turns are before that): one row by its key.
_LOAD_DOCUMENT = Sql(
    "SELECT number, signed_on, signer_title, signer_name, drafter_name, drafter_phone, attachment "
    "FROM submission_documents WHERE submission_id = :submission_id AND version = :version",
    json_out=frozenset({"attachment"}),
)

_NEW_STATE = Sql(
    "INSERT INTO dialog_states (member_id, campaign_id, state, revision, updated_at) "
    "VALUES (:member_id, :campaign_id, :state, 1, :now) ON CONFLICT DO NOTHING",
    time_in=frozenset({"now"}),
)

_SAVE_STATE = Sql(
    "UPDATE dialog_states SET state = :state, revision = revision + 1, updated_at = :now "
    "WHERE member_id = :member_id AND campaign_id = :campaign_id AND revision = :revision",
    time_in=frozenset({"now"}),
)


def _attachments_from_json(raw: Any) -> tuple[Attachment, ...]:
    if not raw:
        return ()
    return tuple(Attachment(**item) for item in raw)


def _attachments_to_json(attachments: Iterable[Attachment]) -> list[dict[str, Any]] | None:
    items = [{"kind": a.kind, "file_id": a.file_id, "name": a.name, "size": a.size} for a in attachments]
    return items or None


async def claim_update(db: Executor, channel: str, update_id: str, now: datetime) -> bool:
    """Record an incoming update; False if it was already applied (or is being applied elsewhere)."""
    return bool(await db.run(_CLAIM, {"channel": channel, "update_id": update_id, "now": now}))


async def load_turn(
    db: Executor, member_id: int, campaign_id: int, unit_id: int, unit_name: str, now: datetime
) -> LoadedTurn:
    """The member's dialog state, the unit's submission (created on first use) and its answers."""
    keys = {"member_id": member_id, "campaign_id": campaign_id, "unit_id": unit_id}
    rows = await db.fetch(_LOAD, keys)
    if not rows:
        # First turn of this unit in this campaign. Another member of the same unit may create it at
        # the same moment: ON CONFLICT lets one insert win and the other read the winner's row.
        await db.run(_NEW_SUBMISSION, {"campaign_id": campaign_id, "unit_id": unit_id, "now": now})
        rows = await db.fetch(_LOAD, keys)
    submission_id, status, version, submitted_version, returned_comment, raw_state, revision = rows[0][:7]
    answers = {
        question_id: Answer(
            value=value, skipped=bool(skipped), attachments=_attachments_from_json(attachments)
        )
        for *_, question_id, value, skipped, attachments in rows
        if question_id is not None
    }
    submission = SubmissionView(
        id=submission_id,
        status=status,
        version=version,
        submitted_version=submitted_version,
        returned_comment=returned_comment,
        unit_name=unit_name,
    )
    document = None
    if submitted_version is not None:
        found = await db.fetch(_LOAD_DOCUMENT, {"submission_id": submission_id, "version": submitted_version})
        document = document_from_row(found[0]) if found else None
    return LoadedTurn(DialogState.from_json(raw_state), revision, submission, answers, document)


# A submitted version's document details, in the order `document_from_row` reads them.
DOCUMENT_COLUMNS = (
    SubmissionDocument.number,
    SubmissionDocument.signed_on,
    SubmissionDocument.signer_title,
    SubmissionDocument.signer_name,
    SubmissionDocument.drafter_name,
    SubmissionDocument.drafter_phone,
    SubmissionDocument.attachment,
)


def document_from_row(row: Sequence[Any]) -> DocumentDetails:
    """DocumentDetails from a row of `DOCUMENT_COLUMNS`."""
    number, signed_on, signer_title, signer_name, drafter_name, drafter_phone, attachment = row
    files = _attachments_from_json([attachment] if attachment else None)
    return DocumentDetails(
        number=number,
        signed_on=date.fromisoformat(signed_on),
        signer_title=signer_title,
        signer_name=signer_name,
        drafter_name=drafter_name,
        drafter_phone=drafter_phone,
        attachment=files[0] if files else None,
    )


def _document_row(document: DocumentDetails) -> dict[str, Any]:
    attachments = _attachments_to_json([document.attachment] if document.attachment else [])
    return {
        "number": document.number,
        "signed_on": document.signed_on.isoformat(),
        "signer_title": document.signer_title,
        "signer_name": document.signer_name,
        "drafter_name": document.drafter_name,
        "drafter_phone": document.drafter_phone,
        "attachment": attachments[0] if attachments else None,
    }


def _part(previous: Answer | None, answer: Answer) -> tuple[str, Any]:
    """What a revision stores: only the added text when the new value extends the previous one."""
    old, new = previous.value if previous is not None else None, answer.value
    if isinstance(old, str) and isinstance(new, str) and old and len(new) > len(old) and new.startswith(old):
        return "append", new[len(old) :]
    return "value", new


async def save_turn(
    db: Executor,
    *,
    member_id: int,
    campaign_id: int,
    loaded: LoadedTurn,
    state: DialogState,
    effects: Iterable[Effect],
    now: datetime,
    answered: int | None = None,
    required: int | None = None,
    sections: Sequence[str] | None = None,
) -> None:
    """Write the effects and the new dialog state; raises TurnConflict if the dialog state or the
    submission moved under us. `answered`, `required`, `sections`: the answered count, the required
    count and the done sections by dialogs.progress after the turn (`Progress.answered_count`,
    `.required_count`, `.sections_answered`); written when answers were saved."""
    submission = loaded.submission
    status, version = submission.status, submission.version
    answers = dict(loaded.answers)
    saves: list[dict[str, Any]] = []
    audited: list[dict[str, Any]] = []  # submissions and answers changed after they had a value
    submission_id = submission.id
    for effect in effects:
        if isinstance(effect, Reopen):
            if status in ("submitted", "approved"):
                new_version = (submission.submitted_version or version) + 1
                guard = {"submission_id": submission_id, "status": status, "version": version}
                if not await db.run(_REOPEN, {**guard, "new_version": new_version}):
                    raise TurnConflict()
                status, version = "draft", new_version
        elif isinstance(effect, Submit):
            written = await db.run(
                _SUBMIT,
                {
                    "version": version,
                    "status": status,
                    "now": now,
                    "member_id": member_id,
                    "submission_id": submission_id,
                },
            )
            if not written:
                raise TurnConflict()
            status = "submitted"
            audited.append(_event("submitted", {"version": version}, member_id, submission_id, now))
            if effect.document is not None:
                await db.run(
                    _SAVE_DOCUMENT,
                    {
                        **_document_row(effect.document),
                        "submission_id": submission_id,
                        "version": version,
                        "member_id": member_id,
                        "now": now,
                    },
                )
        elif isinstance(effect, SaveAnswer):
            previous = answers.get(effect.question_id)
            kind, part = _part(previous, effect.answer)
            if kind == "value" and previous is not None and previous.value is not None:
                if previous.value != effect.answer.value:
                    detail = {"question": effect.question_id, "version": version}
                    audited.append(_event("answer_edited", detail, member_id, submission_id, now))
            answers[effect.question_id] = effect.answer
            saves.append(
                {
                    "submission_id": submission_id,
                    "question_id": effect.question_id,
                    "value": effect.answer.value,
                    "kind": kind,
                    "part": part,
                    "skipped": effect.answer.skipped,
                    "attachments": _attachments_to_json(effect.answer.attachments),
                    "now": now,
                    "member_id": member_id,
                    "version": version,
                }
            )
    if saves:
        await db.run(_SAVE_ANSWER, saves)
        await db.run(_SAVE_REVISION, saves)
        # The count is the engine's (dialogs.progress, the one definition of "answered"); storage
        # never counts by a rule of its own. Without one the stored count is left as it was.
        touch: dict[str, Any] = {"now": now, "answered": answered, "submission_id": submission_id}
        if answered is None:
            await db.run(_TOUCH_ACTIVITY, touch)
        elif required is None or sections is None:
            await db.run(_TOUCH_SUBMISSION, touch)
        else:
            await db.run(_TOUCH_COUNTS, {**touch, "required": required, "sections": list(sections)})

    if audited:
        await db.run(TURN_EVENT, audited)

    raw = state.to_json()
    keys = {"member_id": member_id, "campaign_id": campaign_id, "state": raw, "now": now}
    if loaded.revision is None:
        written = await db.run(_NEW_STATE, keys)
    else:
        written = await db.run(_SAVE_STATE, {**keys, "revision": loaded.revision})
    if not written:
        raise TurnConflict()


def _event(
    action: str, detail: dict[str, Any], member_id: int, submission_id: int, now: datetime
) -> dict[str, Any]:
    return {
        "at": now,
        "action": action,
        "member_id": member_id,
        "submission_id": submission_id,
        "detail": detail,
    }


async def answer_history(session: AsyncSession, submission_id: int, question_id: str) -> list[dict[str, Any]]:
    """Every revision of one answer with its full value, oldest first (for review and audits)."""
    result = await session.execute(
        select(
            AnswerRevision.submission_version,
            AnswerRevision.kind,
            AnswerRevision.value,
            AnswerRevision.skipped,
            AnswerRevision.member_id,
            AnswerRevision.created_at,
        )
        .where(AnswerRevision.submission_id == submission_id, AnswerRevision.question_id == question_id)
        .order_by(AnswerRevision.id)
    )
    history: list[dict[str, Any]] = []
    value: Any = None
    for row in result:
        revision = dict(row._mapping)
        kind = revision.pop("kind")
        # An "append" row holds what was added to the value of the revision before it.
        value = value + revision["value"] if kind == "append" else revision["value"]
        history.append({**revision, "value": value})
    return history


async def count_dialogs(session: AsyncSession) -> int:
    """How many dialog states are stored (benchmarks check memory does not grow with it)."""
    return int((await session.execute(select(func.count()).select_from(DialogStateRow))).scalar_one())


async def forget_updates(session: AsyncSession, before: datetime) -> int:
    """Drop the record of updates applied before `before` (platforms redeliver within a day)."""
    result = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before))
    return int(result.rowcount or 0)
