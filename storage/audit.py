"""The audit trail: who did what to which unit, and when. Rows are appended, never changed.

Every change a supervisor or an official may later have to account for is recorded in the same
transaction as the change itself, so the trail never tells of something that did not happen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeAlias

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from dialogs.text import clean_line
from storage.hot import Sql
from storage.models import AuditEvent, Member, Unit
from storage.units import in_subtree

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
    "linked",  # a member added an account on another channel with a /lienket code (detail: channel)
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


# The same row written from a turn (storage.turns.save_turn), on the hot path's executor: the member's
# name then and the submission's unit and campaign are read by the insert itself, so an event costs
# one statement and a turn without one costs nothing.
TURN_EVENT = Sql(
    "INSERT INTO audit_events (at, action, member_id, actor, unit_id, campaign_id, submission_id, detail) "
    "VALUES (:at, :action, :member_id, "
    "COALESCE((SELECT display_name FROM members WHERE id = :member_id), ''), "
    "(SELECT unit_id FROM submissions WHERE id = :submission_id), "
    "(SELECT campaign_id FROM submissions WHERE id = :submission_id), :submission_id, :detail)",
    json_in=frozenset({"detail"}),
    time_in=frozenset({"at"}),
)


@dataclass(frozen=True)
class AuditRow:
    """One event as `baocao audit` lists it."""

    at: datetime
    action: str
    actor: str  # the name they had then; "operator" for the command line
    member_id: int | None
    unit_code: str
    unit_name: str
    campaign_id: int | None
    submission_id: int | None
    detail: Mapping[str, Any]


async def audit_for_unit(
    session: AsyncSession, unit_id: int, since: datetime | None = None
) -> list[AuditRow]:
    """Every event of the unit and of the units under it, from `since` on, newest last."""
    path = await session.scalar(select(Unit.path).where(Unit.id == unit_id))
    if path is None:
        return []
    query = (
        select(
            AuditEvent.at,
            AuditEvent.action,
            # An event written without a name (none known then) shows the member's name now.
            func.coalesce(func.nullif(AuditEvent.actor, ""), Member.display_name, ""),
            AuditEvent.member_id,
            Unit.code,
            Unit.name,
            AuditEvent.campaign_id,
            AuditEvent.submission_id,
            AuditEvent.detail,
        )
        .join(Unit, Unit.id == AuditEvent.unit_id)
        .outerjoin(Member, Member.id == AuditEvent.member_id)
        .where(in_subtree(path))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    rows = await session.execute(query)
    return [
        AuditRow(at, action, clean_line(actor), member_id, code, name, campaign, submission, detail or {})
        for at, action, actor, member_id, code, name, campaign, submission, detail in rows
    ]
