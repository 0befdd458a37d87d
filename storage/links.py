"""One person, several channels: a member asks on one channel (`/lienket`) for a one-time code and
sends it from an account on another channel that has not joined, which is then added to the same
member (identities allow several per member), so the same report and draft continue there.

Like invite codes (storage.invites), only an HMAC of a code under BAOCAO_SECRET_KEY is stored, with
its own label so that a link code and an invite code never share a hash; a code lives LINK_TTL and
is used once. Codes are read by the same router as invite codes (same alphabet and shape), and a
wrong one counts against the same limits on wrong codes, recorded in join_attempts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.text import clean_line
from storage import audit
from storage.invites import (
    ALPHABET,
    CODE_LENGTH,
    code_hash,
    format_code,
    normalise_code,
    record_attempt,
    refused_by_limits,
)
from storage.models import Identity, LinkCode, Member, Membership, Unit

LINK_TTL = timedelta(minutes=10)

LinkFailureReason = Literal["expired", "used_up", "already_joined"]


@dataclass(frozen=True)
class Linked:
    """An account added to a member: where the code was asked for, and the member's units."""

    member_id: int
    from_channel: str
    unit_names: tuple[str, ...]


@dataclass(frozen=True)
class LinkFailure:
    """A link code that exists but links nothing: out of time, used, or sent by an account that is
    already a member. `wait_minutes` > 0: this failure used up the account's wrong codes."""

    reason: LinkFailureReason
    wait_minutes: int = 0


def link_hash(symbols: str, secret: str) -> str:
    """What is stored of a link code: an HMAC under the server's secret, labelled apart from invites."""
    code_hash(symbols, secret)  # refuses an empty secret the way invites do
    return hmac.new(secret.encode(), b"link:" + symbols.encode("ascii"), hashlib.sha256).hexdigest()


async def create_link_code(
    session: AsyncSession, member_id: int, channel: str, now: datetime, *, secret: str
) -> str:
    """A new code for `member_id`, asked for on `channel`; the member's earlier unused codes are void."""
    await session.execute(delete(LinkCode).where(LinkCode.member_id == member_id, LinkCode.used_at.is_(None)))
    while True:
        symbols = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if symbols.isdigit() or symbols.isalpha():
            continue  # the router takes a message for a code only with a letter and a digit
        digest = link_hash(symbols, secret)
        if await session.scalar(select(LinkCode.id).where(LinkCode.code_hash == digest)) is None:
            break
    await session.execute(
        insert(LinkCode).values(
            code_hash=digest, member_id=member_id, channel=channel, created_at=now, expires_at=now + LINK_TTL
        )
    )
    return format_code(symbols)


async def redeem_link(
    session: AsyncSession,
    code: str,
    channel: str,
    external_id: str,
    display_name: str,
    now: datetime,
    *,
    secret: str,
    joined: bool,
) -> Linked | LinkFailure | None:
    """Add (channel, external_id) to the member whose link code this is; the caller commits.

    None when `code` is no link code (or the account may not have any code checked now): the caller
    then tries it as an invite code, which records the wrong code and its limits. `joined`: the
    account already belongs to a member with units; a link code then links nothing.
    """
    symbols = normalise_code(code)
    if symbols is None or await refused_by_limits(session, channel, external_id, now):
        return None
    row = (
        await session.execute(
            select(
                LinkCode.id, LinkCode.member_id, LinkCode.channel, LinkCode.expires_at, LinkCode.used_at
            ).where(LinkCode.code_hash == link_hash(symbols, secret))
        )
    ).one_or_none()
    if row is None:
        return None
    if joined:
        return LinkFailure("already_joined")
    reason: LinkFailureReason | None = None
    if row.used_at is not None:
        reason = "used_up"
    elif row.expires_at <= now:
        reason = "expired"
    else:
        spent = cast(
            CursorResult[Any],
            await session.execute(
                update(cast(Table, LinkCode.__table__))
                .where(LinkCode.id == row.id, LinkCode.used_at.is_(None))
                .values(used_at=now, used_by=f"{channel}:{external_id}"[:100])
            ),
        )
        if spent.rowcount != 1:
            reason = "used_up"  # the same code sent from two accounts at once: one wins
    if reason is not None:
        wait = await record_attempt(session, channel, external_id, now, reason)
        return LinkFailure(reason, wait)
    await _attach(session, row.member_id, channel, external_id, now)
    await record_attempt(session, channel, external_id, now, "linked", ok=True)
    units = (
        await session.execute(
            select(Unit.id, Unit.name)
            .join(Membership, Membership.unit_id == Unit.id)
            .where(Membership.member_id == row.member_id)
            .order_by(Unit.path)
        )
    ).all()
    name = await session.scalar(select(Member.display_name).where(Member.id == row.member_id))
    actor = clean_line(name or "") or f"{channel}:{external_id}"
    for unit in units:
        await audit.record(
            session,
            "linked",
            at=now,
            member_id=row.member_id,
            actor=actor,
            unit_id=unit.id,
            detail={"channel": channel, "from": row.channel},
        )
    names = tuple(unit.name for unit in units)
    return Linked(row.member_id, row.channel, names)


async def _attach(
    session: AsyncSession, member_id: int, channel: str, external_id: str, now: datetime
) -> None:
    """The account becomes the member's: added, or moved from a member left with no unit."""
    moved = cast(
        CursorResult[Any],
        await session.execute(
            update(cast(Table, Identity.__table__))
            .where(Identity.channel == channel, Identity.external_id == external_id)
            .values(member_id=member_id, last_seen_at=now)
        ),
    )
    if moved.rowcount == 0:
        await session.execute(
            insert(Identity).values(
                member_id=member_id, channel=channel, external_id=external_id, last_seen_at=now
            )
        )
