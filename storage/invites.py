"""Invite codes: issued by an operator for a unit and a role, redeemed by a member in chat."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.events import Msg
from dialogs.text import clean_key, clean_line
from storage.db import Refused
from storage.models import Identity, Invite, Member, Membership, Unit, utcnow
from storage.units import require_unit

# No vowels: a Vietnamese Telex or VNI keyboard turns "aa", "as", "o6"... into accented letters, and
# without vowels nothing can be spelled. No D (Telex "dd" → "đ"), no W (Telex "w" → "ư"), and none of
# the look-alikes 0/O, 1/I/L. 25 symbols, 8 of them: about 1.5·10^11 codes.
ALPHABET = "23456789BCFGHJKMNPQRSTVXZ"
CODE_LENGTH = 8
ROLES = ("reporter", "supervisor")
# A supervisor of a unit also answers its own report, so that role includes the reporter's.
_RANK = {"reporter": 0, "supervisor": 1}
MAX_USES = 100_000
MAX_DAYS = 3_650

FailureReason = Literal["unknown", "expired", "used_up"]


class InviteRefused(Refused):
    """An invite that cannot be issued (unknown role, bad number of uses or days)."""


@dataclass(frozen=True)
class Redeemed:
    """A member joined a unit; `already_member` means they were in it already and no use was spent."""

    member_id: int
    unit_id: int
    unit_code: str
    unit_name: str
    role: str
    new_member: bool
    already_member: bool = False


@dataclass(frozen=True)
class RedeemFailure:
    """Why a code did not let anyone in."""

    reason: FailureReason


def normalise_code(typed: str) -> str | None:
    """The code's 8 symbols from what a person typed (any case, spaces, dashes), or None."""
    symbols = "".join(ch for ch in clean_key(typed).upper() if ch.isalnum())
    if len(symbols) != CODE_LENGTH or any(ch not in ALPHABET for ch in symbols):
        return None
    return symbols


def format_code(symbols: str) -> str:
    """A code as shown to people: two groups of four, e.g. K7QM-4XPB."""
    half = CODE_LENGTH // 2
    return f"{symbols[:half]}-{symbols[half:]}"


def code_hash(symbols: str) -> str:
    """What is stored of a code: the SHA-256 of its normalised symbols."""
    return hashlib.sha256(symbols.encode("ascii")).hexdigest()


def check_role(role: str) -> str:
    """The role, if it is one; raises InviteRefused listing the roles otherwise."""
    if role not in ROLES:
        raise InviteRefused(Msg("invites.error.unknown_role", {"role": role, "roles": ", ".join(ROLES)}))
    return role


async def create_invite(
    session: AsyncSession,
    unit_code: str,
    role: str,
    uses: int = 1,
    days: int = 30,
    now: datetime | None = None,
) -> str:
    """Issue a code for joining `unit_code` as `role`, valid `uses` times for `days` days."""
    check_role(role)
    if not 1 <= uses <= MAX_USES:
        raise InviteRefused(Msg("invites.error.bad_uses", {"uses": str(uses), "max": MAX_USES}))
    if not 1 <= days <= MAX_DAYS:
        raise InviteRefused(Msg("invites.error.bad_days", {"days": str(days), "max": MAX_DAYS}))
    unit = await require_unit(session, unit_code)
    now = now or utcnow()
    while True:
        symbols = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        digest = code_hash(symbols)
        # A clash is a one-in-10^11 event, but a duplicate hash would make one of two codes unusable.
        if await session.scalar(select(Invite.id).where(Invite.code_hash == digest)) is None:
            break
    await session.execute(
        insert(Invite).values(
            code_hash=digest,
            unit_id=unit.id,
            role=role,
            uses_left=uses,
            expires_at=now + timedelta(days=days),
            created_at=now,
        )
    )
    return format_code(symbols)


async def redeem_invite(
    session: AsyncSession,
    code: str,
    channel: str,
    external_id: str,
    display_name: str,
    now: datetime | None = None,
) -> Redeemed | RedeemFailure:
    """Let the person (channel, external_id) join the invite's unit; the caller commits."""
    symbols = normalise_code(code)
    if symbols is None:
        return RedeemFailure("unknown")
    now = now or utcnow()
    invite = (
        await session.execute(
            select(Invite.id, Invite.unit_id, Invite.role, Invite.expires_at, Unit.code, Unit.name)
            .join(Unit, Unit.id == Invite.unit_id)
            .where(Invite.code_hash == code_hash(symbols))
        )
    ).one_or_none()
    if invite is None:
        return RedeemFailure("unknown")

    for attempt in range(2):
        member_id = await session.scalar(
            select(Identity.member_id).where(Identity.channel == channel, Identity.external_id == external_id)
        )
        current_role = None
        if member_id is not None:
            current_role = await session.scalar(
                select(Membership.role).where(
                    Membership.member_id == member_id, Membership.unit_id == invite.unit_id
                )
            )
            if current_role is not None and _RANK.get(current_role, 0) >= _RANK[invite.role]:
                return Redeemed(
                    member_id, invite.unit_id, invite.code, invite.name, current_role, False, True
                )
        if invite.expires_at <= now:
            return RedeemFailure("expired")
        try:
            # One savepoint for the use and the membership: if the membership cannot be written
            # (the same person joining twice at once), the use is given back.
            async with session.begin_nested():
                spent = cast(
                    CursorResult[Any],
                    await session.execute(
                        update(cast(Table, Invite.__table__))
                        .where(Invite.id == invite.id, Invite.uses_left > 0, Invite.expires_at > now)
                        .values(uses_left=Invite.uses_left - 1)
                    ),
                )
                if spent.rowcount != 1:
                    return RedeemFailure("used_up")
                new_member = member_id is None
                if member_id is None:
                    member_id = await _create_member(session, channel, external_id, display_name, now)
                if current_role is None:
                    await session.execute(
                        insert(Membership).values(
                            member_id=member_id, unit_id=invite.unit_id, role=invite.role, created_at=now
                        )
                    )
                else:
                    await session.execute(
                        update(Membership)
                        .where(Membership.member_id == member_id, Membership.unit_id == invite.unit_id)
                        .values(role=invite.role)
                    )
        except IntegrityError:
            if attempt:
                raise
            continue  # someone created this identity or membership meanwhile: look again
        return Redeemed(member_id, invite.unit_id, invite.code, invite.name, invite.role, new_member)
    raise AssertionError("unreachable")


async def _create_member(
    session: AsyncSession, channel: str, external_id: str, display_name: str, now: datetime
) -> int:
    name = clean_line(display_name)[:255]
    member_id = await session.scalar(
        insert(Member).values(display_name=name, created_at=now).returning(Member.id)
    )
    assert member_id is not None
    await session.execute(
        insert(Identity).values(
            member_id=member_id, channel=channel, external_id=external_id, last_seen_at=now
        )
    )
    return int(member_id)
