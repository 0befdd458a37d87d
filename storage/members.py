"""Members as the bot meets them: by their account on a channel, with their units and roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Identity, Member, Membership, Unit, utcnow


@dataclass(frozen=True)
class MembershipView:
    """One unit a member belongs to, and their role there."""

    unit_id: int
    unit_code: str
    unit_name: str
    level: str
    role: str
    path: str


@dataclass(frozen=True)
class MemberView:
    """A member with every membership, highest unit first."""

    member_id: int
    display_name: str
    locale: str
    memberships: tuple[MembershipView, ...]


async def member_by_identity(session: AsyncSession, channel: str, external_id: str) -> MemberView | None:
    """The member behind a channel account, or None if that account never joined."""
    # One round trip: this runs on every incoming message.
    rows = (
        await session.execute(
            select(
                Member.id,
                Member.display_name,
                Member.locale,
                Unit.id.label("unit_id"),
                Unit.code,
                Unit.name,
                Unit.level,
                Unit.path,
                Membership.role,
            )
            .select_from(Identity)
            .join(Member, Member.id == Identity.member_id)
            .outerjoin(Membership, Membership.member_id == Member.id)
            .outerjoin(Unit, Unit.id == Membership.unit_id)
            .where(Identity.channel == channel, Identity.external_id == external_id)
            .order_by(Unit.depth, Unit.path)
        )
    ).all()
    if not rows:
        return None
    first = rows[0]
    memberships = tuple(
        MembershipView(row.unit_id, row.code, row.name, row.level, row.role, row.path)
        for row in rows
        if row.unit_id is not None
    )
    return MemberView(first.id, first.display_name, first.locale, memberships)


async def set_locale(session: AsyncSession, member_id: int, locale: str) -> None:
    """Remember the language a member chose."""
    await session.execute(update(Member).where(Member.id == member_id).values(locale=locale))


async def touch_identity(
    session: AsyncSession,
    channel: str,
    external_id: str,
    now: datetime | None = None,
    chat_id: str | None = None,
) -> None:
    """Record that the account was just heard from (Zalo only lets a bot write back for 48 hours)."""
    values: dict[str, object] = {"last_seen_at": now or utcnow()}
    if chat_id is not None:
        values["chat_id"] = chat_id
    await session.execute(
        update(Identity)
        .where(Identity.channel == channel, Identity.external_id == external_id)
        .values(**values)
    )
