"""The audit trail: who did what to which unit, and when. Rows are appended, never changed.

Every change a supervisor or an official may later have to account for is recorded in the same
transaction as the change itself, so the trail never tells of something that did not happen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, TypeAlias

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import AuditEvent

Action: TypeAlias = Literal[
    "joined",  # a member joined a unit with a code
    "join_failed",  # a wrong, expired or used-up code (detail: reason)
    "role_changed",  # a member's role in a unit changed (detail: from, to)
    "removed",  # a supervisor removed a member from a unit
    "left",  # a member left a unit
    "invite_created",  # a code was made for a unit (detail: role, uses, days)
    "submitted",  # a unit's report was submitted (detail: version)
    "returned",  # a supervisor returned it (detail: version, reason)
    "approved",  # a supervisor approved it (detail: version)
    "answer_edited",  # an answer that had a value was changed (detail: question, version)
]

OPERATOR = "operator"  # the actor of changes made from the command line


async def record(
    db: AsyncSession | AsyncConnection,
    action: Action,
    *,
    at: datetime,
    member_id: int | None = None,
    actor: str = "",
    unit_id: int | None = None,
    campaign_id: int | None = None,
    submission_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append one event, in the caller's transaction."""
    await db.execute(
        insert(AuditEvent).values(
            at=at,
            action=action,
            member_id=member_id,
            actor=(actor or (OPERATOR if member_id is None else ""))[:255],
            unit_id=unit_id,
            campaign_id=campaign_id,
            submission_id=submission_id,
            detail=dict(detail) if detail else None,
        )
    )
