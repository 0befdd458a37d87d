"""One conversation turn for any channel: who is this, which report, run the engine, store, reply.

Channels map a platform update to an `Inbound`, call `ReportService.handle`, and send the `Outbound`
replies it returns. Nothing here knows about Telegram, Zalo or the terminal.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.i18n import LOCALES
from dialogs import engine
from dialogs.builtin import get_outline
from dialogs.events import Context, Incoming, Msg, Reply
from dialogs.text import clean, fold
from storage.campaigns import CampaignSummary, all_campaigns
from storage.db import Database
from storage.invites import RedeemFailure, redeem_invite
from storage.members import MembershipView, MemberView, load_member, set_locale
from storage.transaction import TurnScope, turn_transaction
from storage.turns import TurnConflict, claim_update, load_turn, save_turn
from storage.units import ancestor_ids

log = logging.getLogger(__name__)

# "/start K7QM-4XPA" (deep link) or the code typed alone, with or without the dash.
_CODE = re.compile(r"^(?:/start\s+)?([A-Za-z0-9]{4}[\s-]?[A-Za-z0-9]{4})$")
_LANGUAGE_WORDS = {"ngonngu", "ngon ngu", "language"}
_CAMPAIGN_CACHE_SECONDS = 10.0
_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Inbound:
    """A message from a member, already mapped from the platform's update."""

    channel: str  # telegram | zalo_oa | zalo_bot | console
    user_id: str
    chat_id: str
    incoming: Incoming
    update_id: str | None = None  # None: the channel guarantees no redelivery (terminal)
    display_name: str = ""


@dataclass(frozen=True)
class Outbound:
    """Replies to send to one chat, in the member's language."""

    chat_id: str
    locale: str
    replies: tuple[Reply, ...]


# Called inside the turn's transaction with its replies, so that queued replies (the outbox) commit
# together with the answers they confirm, or not at all.
WithinTurn = Callable[[AsyncConnection, "Outbound"], Awaitable[None]]


def _say(message_id: str, **params: object) -> Reply:
    return Reply(body=(Msg(message_id, params),))  # type: ignore[arg-type]


class ReportService:
    """Handles turns; safe to call concurrently (one member's messages run one after another)."""

    def __init__(self, db: Database, *, clock: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.clock = clock or (lambda: datetime.now(UTC))
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._campaigns: tuple[float, list[CampaignSummary]] | None = None

    def _lock(self, channel: str, user_id: str) -> asyncio.Lock:
        key = (channel, user_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def handle(self, inbound: Inbound, within: WithinTurn | None = None) -> Outbound | None:
        """Apply one incoming message; None if it was a repeat of one already applied.

        `within`, if given, runs in the same transaction with the replies (e.g. to queue them).
        """
        lock = self._lock(inbound.channel, inbound.user_id)
        async with lock:
            for attempt in range(_MAX_ATTEMPTS):
                try:
                    return await self._handle_once(inbound, within)
                except (TurnConflict, IntegrityError):
                    # Another process moved this member's dialog (or created the same row) between
                    # our read and our write; everything was rolled back, so run the turn again.
                    log.info("turn conflict for %s:%s, attempt %d", inbound.channel, inbound.user_id, attempt)
                    await asyncio.sleep(0.005 * (attempt + 1))
            raise TurnConflict()

    async def _handle_once(self, inbound: Inbound, within: WithinTurn | None) -> Outbound | None:
        now = self.clock()
        async with turn_transaction(self.db) as scope:
            outbound = await self._turn(scope, inbound, now)
            if outbound is not None and within is not None:
                await within(scope.connection, outbound)
        return outbound

    async def _turn(self, scope: TurnScope, inbound: Inbound, now: datetime) -> Outbound | None:
        conn = await scope.executor()
        if inbound.update_id is not None and not await claim_update(
            conn, inbound.channel, inbound.update_id, now
        ):
            return None
        member = await load_member(conn, inbound.channel, inbound.user_id)
        text = clean(inbound.incoming.text)
        # Cleaned once, here: the engine reads the cleaned text and does not clean it again.
        incoming = replace(inbound.incoming, text=text)
        if member is None or not member.memberships:
            return await self._join(await scope.session(), inbound, text, now)

        locale = member.locale if member.locale in LOCALES else "vi"
        folded = fold(text)
        if folded in _LANGUAGE_WORDS or folded.rsplit(" ", 1)[0] in _LANGUAGE_WORDS:
            return await self._switch_language(await scope.session(), inbound, member, text)
        if _CODE.match(text) and text.startswith("/start"):
            # A deep link opened again by someone already joined: just resume.
            incoming = Incoming(text="/baocao")

        membership = _reporting_membership(member)
        campaign = await self._campaign_for(scope, membership)
        if campaign is None:
            return Outbound(
                inbound.chat_id, locale, (_say("service.no_campaign", unit=membership.unit_name),)
            )

        outline = get_outline(campaign.outline_id, campaign.outline_version)
        loaded = await load_turn(
            conn, member.member_id, campaign.id, membership.unit_id, membership.unit_name, now
        )
        context = Context(outline=outline, answers=loaded.answers, submission=loaded.submission, now=now)
        turn = engine.step(context, loaded.state, incoming)
        await save_turn(
            conn,
            member_id=member.member_id,
            campaign_id=campaign.id,
            loaded=loaded,
            state=turn.state,
            effects=turn.effects,
            now=now,
        )
        return Outbound(inbound.chat_id, locale, turn.replies)

    async def _campaign_for(self, scope: TurnScope, membership: MembershipView) -> CampaignSummary | None:
        """The newest campaign rooted at the member's unit or an ancestor of it."""
        # Campaigns change a few times a year; looking them up on every message would cost a query
        # per turn, so the whole (short) list is kept for a few seconds and matched in memory.
        if self._campaigns is None or time.monotonic() - self._campaigns[0] > _CAMPAIGN_CACHE_SECONDS:
            self._campaigns = (time.monotonic(), await all_campaigns(await scope.session()))
        ancestors = set(ancestor_ids(membership.path))
        return next((c for c in self._campaigns[1] if c.root_unit_id in ancestors), None)

    async def _join(self, session: AsyncSession, inbound: Inbound, text: str, now: datetime) -> Outbound:
        match = _CODE.match(text)
        if match is None:
            return Outbound(inbound.chat_id, "vi", (_say("service.need_invite"),))
        result = await redeem_invite(
            session, match.group(1), inbound.channel, inbound.user_id, inbound.display_name, now
        )
        if isinstance(result, RedeemFailure):
            return Outbound(inbound.chat_id, "vi", (_say(f"service.invite.{result.reason}"),))
        role = Msg(f"service.role.{result.role}")
        return Outbound(
            inbound.chat_id,
            "vi",
            (_say("service.joined", unit=result.unit_name, role=role),),
        )

    async def _switch_language(
        self, session: AsyncSession, inbound: Inbound, member: MemberView, text: str
    ) -> Outbound:
        words = fold(text).split()
        wanted = words[-1] if len(words) > 1 and words[-1] in LOCALES else None
        locale = wanted or ("en" if member.locale == "vi" else "vi")
        await set_locale(session, member.member_id, locale)
        return Outbound(inbound.chat_id, locale, (_say("service.language_set"),))


def _reporting_membership(member: MemberView) -> MembershipView:
    """The membership whose unit's report this member writes: a reporter role first."""
    for membership in member.memberships:
        if membership.role == "reporter":
            return membership
    return member.memberships[0]
