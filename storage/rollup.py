"""The roll-up draft's SQL: the reports of the units right under one (through `storage.compiled.gather`,
source "children"), and the operator's `baocao rollup`, which writes a draft as answers.

In chat the draft's answers are saved by the turn like any answer (`storage.turns.save_turn`, a
revision each by the member); here, for the operator, a revision each with no member (the operator).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.events import Answer
from dialogs.progress import Progress
from dialogs.rollup import ChildReport, Draft, build_draft
from storage.campaigns import CampaignSummary
from storage.compiled import gather
from storage.models import Answer as AnswerRow
from storage.models import AnswerRevision, Submission, Unit
from storage.oversight import campaign_outline
from storage.turns import _attachments_from_json
from storage.units import UnitView


async def has_children(session: AsyncSession, unit_id: int) -> bool:
    """Whether any unit is right under this one (only such a unit has a draft to make)."""
    return await session.scalar(select(Unit.id).where(Unit.parent_id == unit_id).limit(1)) is not None


async def draft_for(
    session: AsyncSession,
    campaign: CampaignSummary,
    unit: UnitView,
    own: Mapping[str, Answer],
    now: datetime,
    *,
    replace: bool = False,
) -> Draft | None:
    """The draft of `unit`'s own report from the submitted reports of the units right under it;
    None if no unit is under it."""
    if not await has_children(session, unit.id):
        return None
    compilation = await gather(session, campaign, unit, now, source="children")
    children = [ChildReport(report.name, report.answers) for report in compilation.reported]
    return build_draft(compilation.outline, own, children, len(compilation.units), replace=replace)


@dataclass(frozen=True)
class OwnReport:
    """A unit's own submission in a campaign, as `baocao rollup` needs it."""

    id: int | None  # None: not started
    status: str
    version: int
    answers: Mapping[str, Answer]


async def own_report(session: AsyncSession, campaign_id: int, unit_id: int) -> OwnReport:
    """The unit's own submission and its current answers (an empty draft if it has none yet)."""
    row = (
        await session.execute(
            select(Submission.id, Submission.status, Submission.version).where(
                Submission.campaign_id == campaign_id, Submission.unit_id == unit_id
            )
        )
    ).one_or_none()
    if row is None:
        return OwnReport(None, "draft", 1, {})
    answers = {
        question_id: Answer(value, bool(skipped), _attachments_from_json(files))
        for question_id, value, skipped, files in await session.execute(
            select(AnswerRow.question_id, AnswerRow.value, AnswerRow.skipped, AnswerRow.attachments).where(
                AnswerRow.submission_id == row.id
            )
        )
    }
    return OwnReport(row.id, row.status, row.version, answers)


class ReportClosed(Exception):
    """The unit's own report is submitted (or approved) meanwhile: nothing is written."""


async def write_draft(
    session: AsyncSession,
    campaign: CampaignSummary,
    unit_id: int,
    own: OwnReport,
    draft: Draft,
    now: datetime,
) -> int:
    """Write the draft's answers into the unit's own report as the operator (a revision each, no
    member), with the counts supervisors read; the submission's id. Raises ReportClosed if the report
    was submitted since it was read (the caller's transaction then writes nothing)."""
    submission_id = own.id
    if submission_id is None:
        submission_id = await session.scalar(
            insert(Submission)
            .values(
                campaign_id=campaign.id,
                unit_id=unit_id,
                status="draft",
                version=1,
                answered_count=0,
                last_activity_at=now,
            )
            .returning(Submission.id)
        )
        assert submission_id is not None
    answers = {**own.answers, **draft.answers}
    progress = Progress.of(campaign_outline(campaign), answers)
    # Guarded by the status read: a cadre's "nộp" in between leaves the submitted report untouched.
    touched = await session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.status.in_(("draft", "returned")))
        .values(
            answered_count=progress.answered_count,
            required_count=progress.required_count,
            sections_answered=list(progress.sections_answered),
            last_activity_at=now,
        )
    )
    if not touched.rowcount:  # type: ignore[attr-defined]
        raise ReportClosed()
    ids = [f.question_id for f in draft.filled]
    if ids:
        await session.execute(
            delete(AnswerRow).where(AnswerRow.submission_id == submission_id, AnswerRow.question_id.in_(ids))
        )
        await session.execute(
            insert(AnswerRow),
            [
                {
                    "submission_id": submission_id,
                    "question_id": f.question_id,
                    "value": f.answer.value,
                    "skipped": False,
                    "attachments": None,
                    "updated_at": now,
                    "updated_by": None,
                }
                for f in draft.filled
            ],
        )
        await session.execute(
            insert(AnswerRevision),
            [
                {
                    "submission_id": submission_id,
                    "question_id": f.question_id,
                    "submission_version": own.version,
                    "kind": "value",
                    "value": f.answer.value,
                    "skipped": False,
                    "attachments": None,
                    "member_id": None,
                    "created_at": now,
                }
                for f in draft.filled
            ],
        )
    return int(submission_id)
