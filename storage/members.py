"""Members as the bot meets them: by their account on a channel, with their units and roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.text import clean_line
from storage.hot import Executor, Sql, executor
from storage.models import Identity, Member, utcnow


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


_MEMBER = Sql(
    "SELECT m.id, m.display_name, m.locale, u.id, u.code, u.name, u.level, u.path, ms.role "
    "FROM identities i JOIN members m ON m.id = i.member_id "
    "LEFT OUTER JOIN memberships ms ON ms.member_id = m.id "
    "LEFT OUTER JOIN units u ON u.id = ms.unit_id "
    "WHERE i.channel = :channel AND i.external_id = :external_id "
    "ORDER BY u.depth, u.path"
)


async def load_member(db: Executor, channel: str, external_id: str) -> MemberView | None:
    """The member behind a channel account with every membership, highest unit first; one round trip."""
    rows = await db.fetch(_MEMBER, {"channel": channel, "external_id": external_id})
    if not rows:
        return None
    member_id, display_name, locale = rows[0][:3]
    # Names stored before the one text rule may still hold a bidi override: none reaches a list.
    display_name = clean_line(display_name)
    memberships = tuple(
        MembershipView(unit_id, code, name, level, role, path)
        for _, _, _, unit_id, code, name, level, path, role in rows
        if unit_id is not None
    )
    return MemberView(member_id, display_name, locale, memberships)


async def member_by_identity(session: AsyncSession, channel: str, external_id: str) -> MemberView | None:
    """The member behind a channel account, or None if that account never joined."""
    return await load_member(await executor(await session.connection()), channel, external_id)


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
