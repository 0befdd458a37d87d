"""Invite codes: issued by an operator or a supervisor for a unit and a role, redeemed by a member in chat.

Only an HMAC of a code under the server's secret (BAOCAO_SECRET_KEY) is stored: there are about
1.5·10^11 codes, few enough that a plain hash in a leaked database could be reversed by trying them
all, while without the secret no code can be checked at all. Guessing in chat is stopped by limits
on wrong codes (per account, and overall), checked before any code is; every attempt is recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, Table, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.events import Msg
from dialogs.text import clean_key, clean_line
from storage import audit
from storage.db import Refused
from storage.models import Identity, Invite, JoinAttempt, Member, Membership, Unit, utcnow
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

# Wrong codes one account may send in WINDOW before it has to wait: a person who mistypes a code
# needs two or three tries; someone guessing gets 5 of 1.5·10^11 an hour.
WRONG_PER_IDENTITY = 5
IDENTITY_WINDOW = timedelta(hours=1)
# Wrong codes everyone together may send per minute before codes are not checked at all for a while:
# many accounts guessing at once (each also costs a reply) are slowed to this rate overall.
WRONG_OVERALL = 300
OVERALL_WINDOW = timedelta(minutes=1)
# Failed attempts that count towards the limits ("limited" ones are not checked, so they do not).
_FAILED = ("unknown", "expired", "used_up", "busy")

FailureReason = Literal["unknown", "expired", "used_up", "limited", "busy"]


class InviteRefused(Refused):
    """An invite that cannot be issued (unknown role, bad number of uses or days, no secret key)."""


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
    previous_role: str | None = None  # the role held there before a supervisor code raised it


@dataclass(frozen=True)
class RedeemFailure:
    """Why a code did not let anyone in.

    `wait_minutes` > 0: this failure used up the account's wrong codes; tell them to wait that long.
    "limited": the account is waiting (it was told so once) and the code was not even checked: say
    nothing. "busy": too many wrong codes overall just now; not checked either.
    """

    reason: FailureReason
    wait_minutes: int = 0


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


def code_hash(symbols: str, secret: str) -> str:
    """What is stored of a code: the HMAC-SHA256 of its normalised symbols under the server's secret."""
    if not secret:
        # Said by the commands before they get here (bot/cli); this guards every other caller.
        raise InviteRefused(Msg("invites.error.no_secret"))
    return hmac.new(secret.encode(), symbols.encode("ascii"), hashlib.sha256).hexdigest()


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
    *,
    secret: str,
    created_by: int | None = None,
) -> str:
    """Issue a code for joining `unit_code` as `role`, valid `uses` times for `days` days; audited.

    `created_by`: the supervisor who asked for it in chat (None: the operator on the command line).
    """
    check_role(role)
    if not 1 <= uses <= MAX_USES:
        raise InviteRefused(Msg("invites.error.bad_uses", {"uses": str(uses), "max": MAX_USES}))
    if not 1 <= days <= MAX_DAYS:
        raise InviteRefused(Msg("invites.error.bad_days", {"days": str(days), "max": MAX_DAYS}))
    unit = await require_unit(session, unit_code)
    now = now or utcnow()
    while True:
        symbols = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if symbols.isdigit() or symbols.isalpha():
            # A member already joined sends a code among their answers: the router takes a message
            # for a code only with both a letter and a digit, so that no number and no abbreviation
            # ("TTHC-BHXH") is ever taken for one. About 5% of draws are redrawn.
            continue
        digest = code_hash(symbols, secret)
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
            created_by=created_by,
        )
    )
    actor = ""
    if created_by is not None:
        actor = clean_line(
            await session.scalar(select(Member.display_name).where(Member.id == created_by)) or ""
        )
    await audit.record(
        session,
        "invite_created",
        at=now,
        member_id=created_by,
        actor=actor,
        unit_id=unit.id,
        detail={"role": role, "uses": uses, "days": days},
    )
    return format_code(symbols)


async def redeem_invite(
    session: AsyncSession,
    code: str,
    channel: str,
    external_id: str,
    display_name: str,
    now: datetime | None = None,
    *,
    secret: str,
) -> Redeemed | RedeemFailure:
    """Let the person (channel, external_id) join the invite's unit, within the limits; the caller commits.

    The attempt is recorded (join_attempts), and a join, a raised role or a failed code audited, in
    the caller's transaction. An account over its wrong codes is not checked at all, so a right code
    sent then is refused too: otherwise the limit would only slow guessing down, not stop it.
    """
    now = now or utcnow()
    failures = await _recent_failures(session, channel, external_id, now)
    if len(failures) >= WRONG_PER_IDENTITY:
        await _attempt(session, channel, external_id, now, "limited")
        return RedeemFailure("limited")
    unit_id: int | None = None
    result: Redeemed | RedeemFailure
    if await _failures_overall(session, now) >= WRONG_OVERALL:
        result = RedeemFailure("busy")
    else:
        result, unit_id = await _redeem(session, code, channel, external_id, display_name, now, secret)
    if isinstance(result, Redeemed):
        reason = "already_member" if result.already_member else "joined"
        await _attempt(session, channel, external_id, now, reason, ok=True, unit_id=result.unit_id)
        if not result.already_member:
            await _audit_join(session, result, now, f"{channel}:{external_id}")
        return result
    await _attempt(session, channel, external_id, now, result.reason, unit_id=unit_id)
    if result.reason != "busy":
        member_id = await _member_of(session, channel, external_id)
        await audit.record(
            session,
            "join_failed",
            at=now,
            member_id=member_id,
            actor=clean_line(display_name)[:100] or f"{channel}:{external_id}",
            unit_id=unit_id,
            detail={"reason": result.reason, "channel": channel, "external_id": external_id},
        )
    failures.append(now)
    if len(failures) >= WRONG_PER_IDENTITY:
        # Told once, with this failure: the account may try again when the oldest wrong code that
        # counts leaves the window.
        free_at = failures[-WRONG_PER_IDENTITY] + IDENTITY_WINDOW
        minutes = max(1, math.ceil((free_at - now).total_seconds() / 60))
        return RedeemFailure(result.reason, wait_minutes=minutes)
    return result


async def _recent_failures(
    session: AsyncSession, channel: str, external_id: str, now: datetime
) -> list[datetime]:
    """When this account's failed attempts of the last hour were made, oldest first."""
    return list(
        await session.scalars(
            select(JoinAttempt.at)
            .where(
                JoinAttempt.channel == channel,
                JoinAttempt.external_id == external_id,
                JoinAttempt.at > now - IDENTITY_WINDOW,
                JoinAttempt.reason.in_(_FAILED),
            )
            .order_by(JoinAttempt.at)
        )
    )


async def _failures_overall(session: AsyncSession, now: datetime) -> int:
    """Failed attempts of everyone in the last minute."""
    count = await session.scalar(
        select(func.count())
        .select_from(JoinAttempt)
        .where(and_(JoinAttempt.at > now - OVERALL_WINDOW, JoinAttempt.reason.in_(_FAILED)))
    )
    return int(count or 0)


# join_attempts.reason: joined | already_member (ok) · unknown | expired | used_up (checked, wrong) ·
# busy (not checked: too many wrong codes overall) · limited (not checked: this account must wait).
async def _attempt(
    session: AsyncSession,
    channel: str,
    external_id: str,
    now: datetime,
    reason: str,
    *,
    ok: bool = False,
    unit_id: int | None = None,
) -> None:
    await session.execute(
        insert(JoinAttempt).values(
            channel=channel, external_id=external_id[:64], at=now, ok=ok, reason=reason, unit_id=unit_id
        )
    )


async def _member_of(session: AsyncSession, channel: str, external_id: str) -> int | None:
    return await session.scalar(
        select(Identity.member_id).where(Identity.channel == channel, Identity.external_id == external_id)
    )


async def _audit_join(session: AsyncSession, joined: Redeemed, now: datetime, account: str) -> None:
    name = clean_line(
        await session.scalar(select(Member.display_name).where(Member.id == joined.member_id)) or ""
    )
    action: audit.Action = "joined" if joined.previous_role is None else "role_changed"
    detail = (
        {"role": joined.role}
        if joined.previous_role is None
        else {"from": joined.previous_role, "to": joined.role}
    )
    await audit.record(
        session,
        action,
        at=now,
        member_id=joined.member_id,
        actor=name or account,  # someone with no name on their channel is known by their account
        unit_id=joined.unit_id,
        detail=detail,
    )


async def _redeem(
    session: AsyncSession,
    code: str,
    channel: str,
    external_id: str,
    display_name: str,
    now: datetime,
    secret: str,
) -> tuple[Redeemed | RedeemFailure, int | None]:
    """Check the code and spend one use of it; with the invite's unit if the code exists."""
    symbols = normalise_code(code)
    if symbols is None:
        return RedeemFailure("unknown"), None
    invite = (
        await session.execute(
            select(Invite.id, Invite.unit_id, Invite.role, Invite.expires_at, Unit.code, Unit.name)
            .join(Unit, Unit.id == Invite.unit_id)
            .where(Invite.code_hash == code_hash(symbols, secret))
        )
    ).one_or_none()
    if invite is None:
        return RedeemFailure("unknown"), None

    for attempt in range(2):
        member_id = await _member_of(session, channel, external_id)
        current_role = None
        if member_id is not None:
            current_role = await session.scalar(
                select(Membership.role).where(
                    Membership.member_id == member_id, Membership.unit_id == invite.unit_id
                )
            )
            if current_role is not None and _RANK.get(current_role, 0) >= _RANK[invite.role]:
                joined = Redeemed(
                    member_id, invite.unit_id, invite.code, invite.name, current_role, False, True
                )
                return joined, invite.unit_id
        if invite.expires_at <= now:
            return RedeemFailure("expired"), invite.unit_id
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
                    return RedeemFailure("used_up"), invite.unit_id
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
        joined = Redeemed(
            member_id, invite.unit_id, invite.code, invite.name, invite.role, new_member, False, current_role
        )
        return joined, invite.unit_id
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


# --- shared with other one-time codes (storage.links): the same limits, the same attempts table -------


async def refused_by_limits(session: AsyncSession, channel: str, external_id: str, now: datetime) -> bool:
    """Whether this account's codes are not checked now (too many wrong ones, its own or everyone's)."""
    if len(await _recent_failures(session, channel, external_id, now)) >= WRONG_PER_IDENTITY:
        return True
    return await _failures_overall(session, now) >= WRONG_OVERALL


async def record_attempt(
    session: AsyncSession, channel: str, external_id: str, now: datetime, reason: str, *, ok: bool = False
) -> int:
    """Record one attempt with another kind of code; for a failed one, the minutes to wait if this
    failure used up the account's wrong codes (0 otherwise), as `redeem_invite` tells them."""
    await _attempt(session, channel, external_id, now, reason, ok=ok)
    if ok:
        return 0
    failures = await _recent_failures(session, channel, external_id, now)
    if len(failures) < WRONG_PER_IDENTITY:
        return 0
    free_at = failures[-WRONG_PER_IDENTITY] + IDENTITY_WINDOW
    return max(1, math.ceil((free_at - now).total_seconds() / 60))
