"""A supervisor's decisions on a submitted report: return it with a comment, or approve it.

Each decision names the version the supervisor read. The update changes the row only if it is
still submitted at that version, so a cadre's correction and a supervisor's decision made at the
same moment never overwrite each other: whichever commits second changes nothing and is told so.
A decision is audited in its transaction; a refused one leaves no trace.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.events import Msg
from dialogs.text import clean, clean_line
from storage import audit
from storage.db import Refused
from storage.models import Member, Submission

MAX_COMMENT = 4_000


class SubmissionChanged(Refused):
    """The submission is no longer submitted at the version the supervisor looked at."""


class CommentTooLong(Refused):
    """A return comment longer than a cadre can be expected to read on a phone."""


async def return_submission(
    session: AsyncSession,
    submission_id: int,
    *,
    expected_version: int,
    by_member_id: int,
    comment: str,
    now: datetime,
) -> int:
    """Send a submitted report back to its unit for corrections; returns the version they will work on.

    The unit then works on the next version, so its corrected report is told apart from the one
    returned. Raises SubmissionChanged if the report is not submitted at `expected_version` any more.
    """
    comment = clean(comment)
    if len(comment) > MAX_COMMENT:
        raise CommentTooLong(Msg("submissions.error.comment_too_long", {"limit": MAX_COMMENT}))
    await _decide(
        session,
        submission_id,
        expected_version,
        audited=("returned", by_member_id, now, {"version": expected_version, "reason": comment}),
        status="returned",
        version=expected_version + 1,
        returned_comment=comment or None,
        reviewed_by=by_member_id,
        reviewed_at=now,
    )
    return expected_version + 1


async def approve_submission(
    session: AsyncSession, submission_id: int, *, expected_version: int, by_member_id: int, now: datetime
) -> None:
    """Accept a submitted report as it is; raises SubmissionChanged if it changed since it was read."""
    await _decide(
        session,
        submission_id,
        expected_version,
        audited=("approved", by_member_id, now, {"version": expected_version}),
        status="approved",
        reviewed_by=by_member_id,
        reviewed_at=now,
    )


async def _decide(
    session: AsyncSession,
    submission_id: int,
    expected_version: int,
    *,
    audited: tuple[audit.Action, int, datetime, dict[str, Any]],
    **values: Any,
) -> None:
    table = cast(Table, Submission.__table__)
    decided = (
        await session.execute(
            update(table)
            .where(
                table.c.id == submission_id,
                table.c.status == "submitted",
                table.c.version == expected_version,
            )
            .values(**values)
            .returning(table.c.unit_id, table.c.campaign_id)
        )
    ).one_or_none()
    if decided is not None:
        action, member_id, now, detail = audited
        actor = await session.scalar(select(Member.display_name).where(Member.id == member_id))
        await audit.record(
            session,
            action,
            at=now,
            member_id=member_id,
            actor=clean_line(actor or ""),
            unit_id=decided.unit_id,
            campaign_id=decided.campaign_id,
            submission_id=submission_id,
            detail=detail,
        )
        return
    current = (
        await session.execute(
            select(Submission.status, Submission.version).where(Submission.id == submission_id)
        )
    ).one_or_none()
    if current is None:
        raise SubmissionChanged(Msg("submissions.error.unknown", {"id": submission_id}))
    reason = _WHY.get(current.status, "submissions.error.newer")
    raise SubmissionChanged(Msg(reason, {"expected": expected_version, "version": current.version}))


# What the supervisor is told, by the status the report is in now.
_WHY = {
    "draft": "submissions.error.reopened",
    "returned": "submissions.error.already_returned",
    "approved": "submissions.error.already_approved",
    "submitted": "submissions.error.newer",
}
