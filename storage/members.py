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
    # The unit of the membership the member works in now ("/donvi" switches); None: the first.
    current_unit_id: int | None = None
    # A supervisor's pending conversation (bot/oversight), as stored JSON; None: nothing pending.
    oversight_state: str | None = None

    @property
    def current(self) -> MembershipView | None:
        """The membership the member works in now: the one chosen, else the highest."""
        for membership in self.memberships:
            if membership.unit_id == self.current_unit_id:
                return membership
        return self.memberships[0] if self.memberships else None


_MEMBER = Sql(
    "SELECT m.id, m.display_name, m.locale, m.current_unit_id, m.oversight_state, "
    "u.id, u.code, u.name, u.level, u.path, ms.role "
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
    member_id, display_name, locale, current_unit_id, oversight_state = rows[0][:5]
    # Names stored before the one text rule may still hold a bidi override: none reaches a list.
    display_name = clean_line(display_name)
    memberships = tuple(
        MembershipView(unit_id, code, name, level, role, path)
        for *_, unit_id, code, name, level, path, role in rows
        if unit_id is not None
    )
    return MemberView(member_id, display_name, locale, memberships, current_unit_id, oversight_state)


async def member_by_identity(session: AsyncSession, channel: str, external_id: str) -> MemberView | None:
    """The member behind a channel account, or None if that account never joined."""
    return await load_member(await executor(await session.connection()), channel, external_id)


async def set_locale(session: AsyncSession, member_id: int, locale: str) -> None:
    """Remember the language a member chose."""
    await session.execute(update(Member).where(Member.id == member_id).values(locale=locale))


async def set_current_unit(session: AsyncSession, member_id: int, unit_id: int | None) -> None:
    """Work as the member of this unit from now on (one of their memberships; None: the first)."""
    await session.execute(update(Member).where(Member.id == member_id).values(current_unit_id=unit_id))


async def set_oversight_state(session: AsyncSession, member_id: int, state: str | None) -> None:
    """Keep (or clear, None) a supervisor's pending conversation between turns."""
    await session.execute(update(Member).where(Member.id == member_id).values(oversight_state=state))


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
