"""Members as the bot meets them: by their account on a channel, with their units and roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.text import clean_line
from storage import audit
from storage.hot import Executor, Sql, executor
from storage.models import Identity, Member, Membership, utcnow


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


# --- membership from chat: who is in a unit, removing and leaving ----------------------------------


@dataclass(frozen=True)
class UnitMember:
    """One member of a unit as a list of members shows them."""

    member_id: int
    display_name: str
    role: str
    joined_at: datetime
    channels: tuple[str, ...]  # where they can be reached, e.g. ("telegram", "zalo_bot")


async def unit_members(session: AsyncSession, unit_id: int) -> list[UnitMember]:
    """The members of exactly this unit (not of units under it): supervisors first, then by joining."""
    rows = (
        await session.execute(
            select(Membership.member_id, Member.display_name, Membership.role, Membership.created_at)
            .join(Member, Member.id == Membership.member_id)
            .where(Membership.unit_id == unit_id)
            .order_by(Membership.created_at, Membership.member_id)
        )
    ).all()
    channels: dict[int, list[str]] = {}
    if rows:
        found = await session.execute(
            select(Identity.member_id, Identity.channel)
            .where(Identity.member_id.in_([row.member_id for row in rows]))
            .order_by(Identity.id)
        )
        for member_id, channel in found:
            if channel not in channels.setdefault(member_id, []):
                channels[member_id].append(channel)
    members = [
        UnitMember(member_id, clean_line(name), role, joined_at, tuple(channels.get(member_id, ())))
        for member_id, name, role, joined_at in rows
    ]
    # Stable sort: within each role the order of joining is kept.
    return sorted(members, key=lambda m: m.role != "supervisor")


async def remove_membership(
    session: AsyncSession, *, member_id: int, unit_id: int, by_member_id: int | None, now: datetime
) -> bool:
    """A supervisor (or the operator, `by_member_id` None) takes a member out of a unit; audited.

    False if the member was not in that unit (removed meanwhile, or never): nothing changes then.
    The caller has checked that `by_member_id` oversees the unit (bot.access.oversees).
    """
    role = await _end_membership(session, member_id, unit_id)
    if role is None:
        return False
    name = await _name(session, member_id)
    await audit.record(
        session,
        "removed",
        at=now,
        member_id=by_member_id,
        actor=await _name(session, by_member_id) if by_member_id is not None else "",
        unit_id=unit_id,
        detail={"member_id": member_id, "name": name, "role": role},
    )
    return True


async def leave_unit(session: AsyncSession, *, member_id: int, unit_id: int, now: datetime) -> bool:
    """A member leaves one of their units; audited. False if they were not in it."""
    role = await _end_membership(session, member_id, unit_id)
    if role is None:
        return False
    await audit.record(
        session,
        "left",
        at=now,
        member_id=member_id,
        actor=await _name(session, member_id),
        unit_id=unit_id,
        detail={"role": role},
    )
    return True


async def _end_membership(session: AsyncSession, member_id: int, unit_id: int) -> str | None:
    """Delete the membership; its role, or None if there was none. The member's other units stay."""
    role = await session.scalar(
        delete(Membership)
        .where(Membership.member_id == member_id, Membership.unit_id == unit_id)
        .returning(Membership.role)
    )
    if role is None:
        return None
    # A member working "in" the unit they just left goes back to their first unit, not to a ghost.
    await session.execute(
        update(Member)
        .where(Member.id == member_id, Member.current_unit_id == unit_id)
        .values(current_unit_id=None)
    )
    return str(role)


async def _name(session: AsyncSession, member_id: int) -> str:
    name = await session.scalar(select(Member.display_name).where(Member.id == member_id))
    return clean_line(name or "")


async def chats_of_unit(
    session: AsyncSession, unit_id: int, role: str | None = "reporter"
) -> list[tuple[str, str, str]]:
    """(channel, chat_id, locale) of every account of the unit's members with `role` (None: any role).

    Where to tell a unit that its report was returned or approved: every channel each member joined
    from, in the language they chose. Only this unit's own members, never those of units under it.
    """
    query = (
        select(Identity.channel, func.coalesce(Identity.chat_id, Identity.external_id), Member.locale)
        .join(Membership, Membership.member_id == Identity.member_id)
        .join(Member, Member.id == Identity.member_id)
        .where(Membership.unit_id == unit_id)
        .order_by(Membership.created_at, Identity.member_id, Identity.id)
    )
    if role is not None:
        query = query.where(Membership.role == role)
    return [(channel, chat_id, locale) for channel, chat_id, locale in await session.execute(query)]
