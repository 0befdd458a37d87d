"""Reading and writing what one dialog turn needs, in as few round trips as possible.

A turn runs inside one transaction: claim the incoming update (so a redelivered one is applied once),
load the dialog state, submission and answers, let the engine decide, then write the effects and the
new state. The dialog state row carries a revision; writing it back checks the revision, so two
processes handling the same member at once cannot both win — the loser is run again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.events import Answer, Attachment, DialogState, Effect, Reopen, SaveAnswer, Submit, SubmissionView
from storage.models import Answer as AnswerRow
from storage.models import AnswerRevision, DialogStateRow, ProcessedUpdate, Submission


class TurnConflict(Exception):
    """Another process changed this member's dialog between our read and our write."""


@dataclass(frozen=True)
class LoadedTurn:
    state: DialogState
    revision: int | None  # None: no state row yet
    submission: SubmissionView
    answers: Mapping[str, Answer]


def _upsert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that can take ON CONFLICT clauses on both SQLite and PostgreSQL."""
    if session.bind.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def claim_update(session: AsyncSession, channel: str, update_id: str, now: datetime) -> bool:
    """Record an incoming update; False if it was already applied (or is being applied elsewhere)."""
    stmt = (
        _upsert(session, ProcessedUpdate)
        .values(channel=channel, update_id=update_id, processed_at=now)
        .on_conflict_do_nothing()
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)


def _attachments_from_json(raw: Any) -> tuple[Attachment, ...]:
    if not raw:
        return ()
    return tuple(Attachment(**item) for item in raw)


def _attachments_to_json(attachments: Iterable[Attachment]) -> list[dict[str, Any]] | None:
    items = [
        {"kind": a.kind, "file_id": a.file_id, "name": a.name, "size": a.size} for a in attachments
    ]
    return items or None


async def load_turn(
    session: AsyncSession, member_id: int, campaign_id: int, unit_id: int, unit_name: str, now: datetime
) -> LoadedTurn:
    """The member's dialog state, the unit's submission (created on first use) and its answers."""
    row = (
        await session.execute(
            select(
                Submission.id,
                Submission.status,
                Submission.version,
                Submission.submitted_version,
                Submission.returned_comment,
                DialogStateRow.state,
                DialogStateRow.revision,
            )
            .select_from(Submission)
            .outerjoin(
                DialogStateRow,
                and_(
                    DialogStateRow.campaign_id == Submission.campaign_id,
                    DialogStateRow.member_id == member_id,
                ),
            )
            .where(Submission.campaign_id == campaign_id, Submission.unit_id == unit_id)
        )
    ).first()
    if row is None:
        # First turn of this unit in this campaign. Another member of the same unit may create it
        # at the same moment: the unique constraint makes one of us fail and retry.
        await session.execute(
            _upsert(session, Submission)
            .values(campaign_id=campaign_id, unit_id=unit_id, status="draft", version=1,
                    answered_count=0, last_activity_at=now)
            .on_conflict_do_nothing()
        )
        return await load_turn(session, member_id, campaign_id, unit_id, unit_name, now)

    submission = SubmissionView(
        id=row.id,
        status=row.status,
        version=row.version,
        submitted_version=row.submitted_version,
        returned_comment=row.returned_comment,
        unit_name=unit_name,
    )
    answers: dict[str, Answer] = {}
    result = await session.execute(
        select(AnswerRow.question_id, AnswerRow.value, AnswerRow.skipped, AnswerRow.attachments).where(
            AnswerRow.submission_id == row.id
        )
    )
    for question_id, value, skipped, attachments in result:
        answers[question_id] = Answer(
            value=value, skipped=bool(skipped), attachments=_attachments_from_json(attachments)
        )
    return LoadedTurn(
        state=DialogState.from_json(row.state),
        revision=row.revision,
        submission=submission,
        answers=answers,
    )


async def save_turn(
    session: AsyncSession,
    *,
    member_id: int,
    campaign_id: int,
    loaded: LoadedTurn,
    state: DialogState,
    effects: Iterable[Effect],
    now: datetime,
) -> None:
    """Write the effects and the new dialog state. Raises TurnConflict if the state moved under us."""
    submission = loaded.submission
    version = submission.version
    values: dict[str, Any] = {"last_activity_at": now}
    answers = dict(loaded.answers)
    saves: list[SaveAnswer] = []
    for effect in effects:
        if isinstance(effect, Reopen):
            if submission.status == "submitted":
                version = (submission.submitted_version or submission.version) + 1
                values.update(status="draft", version=version)
        elif isinstance(effect, Submit):
            values.update(status="submitted", submitted_version=version, submitted_at=now,
                          submitted_by=member_id, returned_comment=None)
        elif isinstance(effect, SaveAnswer):
            saves.append(effect)
            answers[effect.question_id] = effect.answer

    if saves:
        rows = [
            {
                "submission_id": submission.id,
                "question_id": save.question_id,
                "value": save.answer.value,
                "skipped": save.answer.skipped,
                "attachments": _attachments_to_json(save.answer.attachments),
                "updated_at": now,
                "updated_by": member_id,
            }
            for save in saves
        ]
        stmt = _upsert(session, AnswerRow).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=[AnswerRow.submission_id, AnswerRow.question_id],
            set_={
                "value": stmt.excluded.value,
                "skipped": stmt.excluded.skipped,
                "attachments": stmt.excluded.attachments,
                "updated_at": stmt.excluded.updated_at,
                "updated_by": stmt.excluded.updated_by,
            },
        )
        await session.execute(stmt)
        await session.execute(
            insert(AnswerRevision),
            [
                {
                    "submission_id": submission.id,
                    "question_id": save.question_id,
                    "submission_version": version,
                    "value": save.answer.value,
                    "skipped": save.answer.skipped,
                    "attachments": _attachments_to_json(save.answer.attachments),
                    "member_id": member_id,
                    "created_at": now,
                }
                for save in saves
            ],
        )
        values["answered_count"] = sum(1 for a in answers.values() if a.value is not None or a.skipped)

    await session.execute(update(Submission).where(Submission.id == submission.id).values(**values))

    raw = state.to_json()
    if loaded.revision is None:
        stmt = (
            _upsert(session, DialogStateRow)
            .values(member_id=member_id, campaign_id=campaign_id, state=raw, revision=1, updated_at=now)
            .on_conflict_do_nothing()
        )
    else:
        stmt = (
            update(DialogStateRow)
            .where(
                DialogStateRow.member_id == member_id,
                DialogStateRow.campaign_id == campaign_id,
                DialogStateRow.revision == loaded.revision,
            )
            .values(state=raw, revision=DialogStateRow.revision + 1, updated_at=now)
        )
    result = await session.execute(stmt)
    if not result.rowcount:
        raise TurnConflict()


async def answer_history(session: AsyncSession, submission_id: int, question_id: str) -> list[dict[str, Any]]:
    """Every revision of one answer, oldest first (for review and audits)."""
    result = await session.execute(
        select(
            AnswerRevision.submission_version,
            AnswerRevision.value,
            AnswerRevision.skipped,
            AnswerRevision.member_id,
            AnswerRevision.created_at,
        )
        .where(AnswerRevision.submission_id == submission_id, AnswerRevision.question_id == question_id)
        .order_by(AnswerRevision.id)
    )
    return [dict(row._mapping) for row in result]


async def count_dialogs(session: AsyncSession) -> int:
    """How many dialog states are stored (benchmarks check memory does not grow with it)."""
    return int((await session.execute(select(func.count()).select_from(DialogStateRow))).scalar_one())
