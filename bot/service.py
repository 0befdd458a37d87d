"""One conversation turn for any channel: who is this, which report, run the engine, store, reply.

Channels map a platform update to an `Inbound`, call `ReportService.handle`, and send the `Outbound`
replies it returns. Nothing here knows about Telegram, Zalo or the terminal.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.compiling import CompileJob
from bot.drafts import draft_if_asked, wants_draft
from bot.i18n import LOCALES
from bot.oversight import conversation
from bot.oversight.actions import is_oversight
from bot.oversight.state import OversightState
from bot.reminders.by_hand import ByHand, is_remind_action
from bot.router import (
    Compile,
    Intent,
    Join,
    Language,
    Link,
    MemberFacts,
    Oversight,
    OversightView,
    Reminders,
    Report,
    SwitchMembership,
    route,
)
from dialogs import engine
from dialogs.builtin import get_outline
from dialogs.commands import Command, recognise
from dialogs.deadline import deadline_msg
from dialogs.events import Context, Incoming, Msg, Reply, SaveAnswer
from dialogs.progress import Progress
from dialogs.text import clean
from storage.campaigns import CampaignSummary, all_campaigns, campaigns_for_unit
from storage.db import Database
from storage.invites import RedeemFailure, normalise_code, redeem_invite
from storage.links import LINK_TTL, Linked, LinkFailure, create_link_code, redeem_link
from storage.members import MembershipView, MemberView, load_member, set_locale
from storage.transaction import TurnScope, turn_transaction
from storage.turns import TurnConflict, claim_update, load_turn, save_turn
from storage.units import ancestor_ids

log = logging.getLogger(__name__)

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
class Notice:
    """Replies for another member's chat, on any channel, e.g. "your report was returned, because…"."""

    channel: str
    chat_id: str
    locale: str
    replies: tuple[Reply, ...]


@dataclass(frozen=True)
class Outbound:
    """Replies to send to one chat, in the member's language, and notices for other chats.

    Notices are queued in the outbox in the turn's own transaction (`bot.outbox.QueuedReplies`), so
    a reporter is told of a return exactly when, and only if, the return is stored.
    """

    chat_id: str
    locale: str
    replies: tuple[Reply, ...]
    notices: tuple[Notice, ...] = ()
    # Work to start once the turn has committed (a compile: bot/compiling.py), never inside it.
    jobs: tuple[CompileJob, ...] = ()


# Called inside the turn's transaction with its replies, so that queued replies (the outbox) commit
# together with the answers they confirm, or not at all.
WithinTurn = Callable[[AsyncConnection, "Outbound"], Awaitable[None]]


def _say(message_id: str, **params: object) -> Reply:
    return Reply(body=(Msg(message_id, params),))  # type: ignore[arg-type]


class ReportService:
    """Handles turns; safe to call concurrently (one member's messages run one after another)."""

    def __init__(
        self,
        db: Database,
        *,
        secret: str | None,
        clock: Callable[[], datetime] | None = None,
        zone: tzinfo | None = None,
        bot_username: str | None = None,
    ) -> None:
        self.db = db
        # BAOCAO_SECRET_KEY, under which invite codes are hashed (storage.invites); None: nobody can
        # join here (`serve` and `poll` refuse to start without it, the terminal chat tells so).
        self.secret = secret
        self.bot_username = bot_username  # Telegram's @name, for invite deep links (None: codes only)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.zone = zone  # Settings.timezone: where "còn 5 ngày" is counted (None: Asia/Ho_Chi_Minh)
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._campaigns: tuple[float, list[CampaignSummary]] | None = None
        # Starts a compile after its turn commits (the runtime's `Compiler.start`); None: none here.
        self.on_compile: Callable[[CompileJob], object] | None = None
        # /nhac: the runtime's `bot.reminders.by_hand.ByHand` (queues in the turn); None: not here.
        self.reminders: ByHand | None = None

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
        if outbound is not None and outbound.jobs and self.on_compile is not None:
            for job in outbound.jobs:
                self.on_compile(job)
        return outbound

    async def _turn(self, scope: TurnScope, inbound: Inbound, now: datetime) -> Outbound | None:
        conn = await scope.executor()
        if inbound.update_id is not None and not await claim_update(
            conn, inbound.channel, inbound.update_id, now
        ):
            return None
        member = await load_member(conn, inbound.channel, inbound.user_id)
        # Cleaned once, here: the router and the engine both read this text, and it is what is stored.
        text = clean(inbound.incoming.text)
        incoming = inbound.incoming if text == inbound.incoming.text else replace(inbound.incoming, text=text)
        reporting: tuple[MembershipView, CampaignSummary | None] | None = None
        if member is None or not member.memberships:
            facts = MemberFacts(joined=False)
        else:
            locale = member.locale if member.locale in LOCALES else "vi"
            reporting = await self._reporting(scope, member)
            roles = {m.role for m in member.memberships}
            if reporting is not None:
                # A supervisor whose own unit owes the campaign a report writes it too.
                roles.add("reporter")
            facts = MemberFacts(True, frozenset(roles), locale)
        if member is not None and facts.joined:
            if incoming.action is not None and is_remind_action(incoming.action):
                return await self._remind(scope, inbound, member, facts.locale, now, incoming.action, True)
            if incoming.action is not None and is_oversight(incoming.action):
                # A supervisor's button (or callback data forged to look like one): checked afresh.
                return await self._oversee(scope, inbound, member, facts.locale, now, incoming.action)
            if (
                member.oversight_state is not None
                and incoming.action is None
                and OversightState.from_json(member.oversight_state).awaiting_reason
            ):
                # The message after "trả lại" is the reason (a file without a caption: an empty one).
                asker = self._asker(inbound, member, facts.locale, now)
                said = await conversation.on_pending(await scope.session(), asker, text)
                if said is not None:
                    return self._outbound(inbound, facts.locale, said)
        # A button press or a file belongs to the report; only typed text can ask for something else.
        typed = incoming.action is None and incoming.attachment is None
        intent = route(text, facts) if typed or not facts.joined else Report(text)

        if isinstance(intent, Join) or member is None:
            return await self._join(await scope.session(), inbound, intent, now, member)
        reply: tuple[Reply, ...]
        match intent:
            case Language(wanted):
                return await self._switch_language(await scope.session(), inbound, member, wanted)
            case Link(argument) if argument:
                return await self._join(await scope.session(), inbound, Join(argument), now, member)
            case Link():
                return await self._link_code(await scope.session(), inbound, member, facts.locale, now)
            case Report(report_text) if reporting is not None:
                incoming = replace(incoming, text=report_text)
                outbound = await self._report(scope, inbound, member, reporting, facts.locale, incoming, now)
                if facts.supervises and typed and _is_help(report_text):
                    # A supervisor who also reports: the report's help, then what they can do above it.
                    extra = Reply((Msg("oversight.help.supervisor"),))
                    outbound = replace(outbound, replies=(*outbound.replies, extra))
                return outbound
            case Report():
                # A supervisor with no report of their own is not dropped into one: no dialog, no submission.
                reply = (_say("service.supervisor_help", unit=_overseen(member)),)
            case Oversight(view) if view is OversightView.LEAVE:
                return await self._oversee(scope, inbound, member, facts.locale, now, intent)
            case SwitchMembership():
                return await self._oversee(scope, inbound, member, facts.locale, now, intent)
            case Oversight() | Compile() | Reminders() if not facts.supervises:
                unit = (reporting[0] if reporting else member.memberships[0]).unit_name
                reply = (_say("service.for_supervisors", unit=unit), _say("service.report_kept"))
            case Oversight():
                return await self._oversee(scope, inbound, member, facts.locale, now, intent)
            case Compile(argument):
                return await self._compile(scope, inbound, member, facts.locale, now, argument)
            case Reminders(argument) if self.reminders is not None:
                return await self._remind(scope, inbound, member, facts.locale, now, argument, False)
            case _:
                reply = (_say("service.not_yet", function=_function(intent)),)
                if facts.reports:
                    reply += (_say("service.report_kept"),)
        return Outbound(inbound.chat_id, facts.locale, reply)

    def _asker(self, inbound: Inbound, member: MemberView, locale: str, now: datetime) -> conversation.Asker:
        return conversation.Asker(
            member, inbound.channel, inbound.chat_id, locale, now, self.zone, self.bot_username, self.secret
        )

    async def _oversee(
        self,
        scope: TurnScope,
        inbound: Inbound,
        member: MemberView,
        locale: str,
        now: datetime,
        asked: Oversight | SwitchMembership | str,
    ) -> Outbound:
        """A supervisor's command or button (bot/oversight), every unit checked through `oversees`."""
        session = await scope.session()
        asker = self._asker(inbound, member, locale, now)
        if isinstance(asked, str):
            said = await conversation.on_action(session, asker, asked)
        else:
            said = await conversation.on_intent(session, asker, asked)
        return self._outbound(inbound, locale, said)

    async def _compile(
        self,
        scope: TurnScope,
        inbound: Inbound,
        member: MemberView,
        locale: str,
        now: datetime,
        argument: str,
    ) -> Outbound:
        """ "Tổng hợp": the unit (the one named, else the one the member oversees, current first) and
        its newest campaign, checked through `oversees`; the work itself starts after the commit."""
        asker = self._asker(inbound, member, locale, now)
        found = await conversation.unit_and_campaign(await scope.session(), asker, argument.strip())
        if isinstance(found, conversation.Said):
            return self._outbound(inbound, locale, found)
        unit, campaign = found
        if self.on_compile is None:
            return Outbound(inbound.chat_id, locale, (_say("compile.unavailable"),))
        job = CompileJob(inbound.channel, inbound.chat_id, locale, unit.id, campaign.id)
        started = _say("compile.started", unit=unit.name, campaign=campaign.title)
        return Outbound(inbound.chat_id, locale, (started,), jobs=(job,))

    async def _remind(
        self,
        scope: TurnScope,
        inbound: Inbound,
        member: MemberView,
        locale: str,
        now: datetime,
        asked: str,
        pressed: bool,
    ) -> Outbound:
        """/nhac (typed, or its confirmation pressed): bot/reminders/by_hand.py, queued in this turn."""
        if self.reminders is None:
            unavailable = _say("service.not_yet", function=_function(Reminders()))
            return Outbound(inbound.chat_id, locale, (unavailable,))
        session = await scope.session()
        asker = self._asker(inbound, member, locale, now)
        if pressed:
            said = await self.reminders.pressed(session, asker, asked)
        else:
            said = await self.reminders.asked(session, asker, asked)
        return self._outbound(inbound, locale, said)

    @staticmethod
    def _outbound(inbound: Inbound, locale: str, said: conversation.Said) -> Outbound:
        notices = tuple(Notice(*notice) for notice in said.notices)
        return Outbound(inbound.chat_id, locale, said.replies, notices)

    async def _report(
        self,
        scope: TurnScope,
        inbound: Inbound,
        member: MemberView,
        reporting: tuple[MembershipView, CampaignSummary | None],
        locale: str,
        incoming: Incoming,
        now: datetime,
    ) -> Outbound:
        """One step of the member's report dialog in the newest campaign that covers their unit."""
        conn = await scope.executor()
        membership, campaign = reporting
        if campaign is None:
            return Outbound(
                inbound.chat_id, locale, (_say("service.no_campaign", unit=membership.unit_name),)
            )

        outline = get_outline(campaign.outline_id, campaign.outline_version)
        loaded = await load_turn(
            conn, member.member_id, campaign.id, membership.unit_id, membership.unit_name, now
        )
        context = Context(
            outline=outline,
            answers=loaded.answers,
            submission=loaded.submission,
            now=now,
            deadline=campaign.deadline(membership.level),
            zone=self.zone,
            document=loaded.document,
        )
        if wants_draft(loaded, incoming):  # "/baocao" with nothing answered, "/nhap": the roll-up draft
            draft = await draft_if_asked(await scope.session(), campaign, membership, loaded, incoming, now)
            context = replace(context, draft=draft)
        turn = engine.step(context, loaded.state, incoming)
        saved = {e.question_id: e.answer for e in turn.effects if isinstance(e, SaveAnswer)}
        # The stored counts that supervisors read are the same Progress the cadre's "x/y" comes from.
        progress = Progress.of(outline, {**loaded.answers, **saved}) if saved else None
        await save_turn(
            conn,
            member_id=member.member_id,
            campaign_id=campaign.id,
            loaded=loaded,
            state=turn.state,
            effects=turn.effects,
            now=now,
            answered=progress.answered_count if progress else None,
            required=progress.required_count if progress else None,
            sections=progress.sections_answered if progress else None,
        )
        return Outbound(inbound.chat_id, locale, turn.replies)

    async def _reporting(
        self, scope: TurnScope, member: MemberView
    ) -> tuple[MembershipView, CampaignSummary | None] | None:
        """The unit whose report this member writes and its campaign; None if they write none.

        A reporter membership first (with or without a campaign yet: the member is told there is none).
        A supervisor writes their own unit's report only where the campaign expects one from that
        unit's level (it has a deadline there), e.g. a district reporting to the province.
        """
        current = member.current
        # The unit the member chose to work in ("/donvi") first, then the others, highest first.
        ordered = member.memberships
        if current is not None and current is not ordered[0]:
            ordered = (current, *(m for m in ordered if m is not current))
        for membership in ordered:
            if membership.role == "reporter":
                return membership, await self._campaign_for(scope, membership)
        for membership in ordered:
            campaign = await self._campaign_for(scope, membership)
            if campaign is not None and membership.level in campaign.levels:
                return membership, campaign
        return None

    async def _campaign_for(self, scope: TurnScope, membership: MembershipView) -> CampaignSummary | None:
        """The newest campaign rooted at the member's unit or an ancestor of it."""
        # Campaigns change a few times a year; looking them up on every message would cost a query
        # per turn, so the whole (short) list is kept for a few seconds and matched in memory.
        if self._campaigns is None or time.monotonic() - self._campaigns[0] > _CAMPAIGN_CACHE_SECONDS:
            self._campaigns = (time.monotonic(), await all_campaigns(await scope.session()))
        ancestors = set(ancestor_ids(membership.path))
        return next((c for c in self._campaigns[1] if c.root_unit_id in ancestors), None)

    async def _join(
        self,
        session: AsyncSession,
        inbound: Inbound,
        intent: Intent,
        now: datetime,
        member: MemberView | None = None,
    ) -> Outbound:
        """A code sent by a stranger, or by a member (`member`) joining another unit or raising a role."""
        locale = member.locale if member is not None and member.locale in LOCALES else "vi"
        code = intent.code if isinstance(intent, Join) else None
        if code is None and member is None and normalise_code(inbound.incoming.text) is not None:
            # A stranger's code typed in a shape the router does not look for (full-width, spaced
            # out "K7 QM - 4X PB"): whatever reads as a code's 8 symbols is tried as one.
            code = inbound.incoming.text
        if code is None:
            return Outbound(inbound.chat_id, locale, (_say("service.need_invite"),))
        if not self.secret:
            return Outbound(inbound.chat_id, locale, (_say("service.invite.no_secret"),))
        joined = member is not None and bool(member.memberships)
        linked = await redeem_link(
            session,
            code,
            inbound.channel,
            inbound.user_id,
            inbound.display_name,
            now,
            secret=self.secret,
            joined=joined,
        )
        if linked is not None:
            return Outbound(inbound.chat_id, locale, (_linked(linked),))
        result = await redeem_invite(
            session,
            code,
            inbound.channel,
            inbound.user_id,
            inbound.display_name,
            now,
            secret=self.secret,
        )
        if isinstance(result, RedeemFailure):
            if result.reason == "limited":
                # Told once already to wait: a reply per guess would let guessing cost us messages.
                return Outbound(inbound.chat_id, locale, ())
            failure = (Msg(f"service.invite.{result.reason}"),)
            if result.wait_minutes:
                failure += (Msg("service.invite.wait", {"minutes": result.wait_minutes}),)
            return Outbound(inbound.chat_id, locale, (Reply(failure),))
        role = Msg(f"service.role.{result.role}")
        body: tuple[Msg, ...]
        if result.already_member:
            body = (Msg("service.invite.already_member", {"unit": result.unit_name, "role": role}),)
            return Outbound(inbound.chat_id, locale, (Reply(body),))
        if result.previous_role is not None:
            old = Msg(f"service.role.{result.previous_role}")
            body = (Msg("service.invite.role_raised", {"unit": result.unit_name, "old": old, "role": role}),)
        elif member is not None and member.memberships:
            body = (Msg("service.invite.added", {"unit": result.unit_name, "role": role}),)
        else:
            # A supervisor has no report to start: point them to what they can type instead.
            joined = "service.joined" if result.role == "reporter" else "service.joined_supervisor"
            body = (Msg(joined, {"unit": result.unit_name, "role": role}),)
        # The deadline of the unit's level in its newest campaign, from the first message on.
        campaigns = await campaigns_for_unit(session, result.unit_id)
        if campaigns and campaigns[0].due_on is not None:
            body += (deadline_msg(campaigns[0].due_on, now, self.zone),)
        return Outbound(inbound.chat_id, locale, (Reply(body),))

    async def _link_code(
        self, session: AsyncSession, inbound: Inbound, member: MemberView, locale: str, now: datetime
    ) -> Outbound:
        """ "/lienket": a one-time code to send from the member's account on another channel."""
        if not self.secret:
            return Outbound(inbound.chat_id, locale, (_say("service.invite.no_secret"),))
        code = await create_link_code(session, member.member_id, inbound.channel, now, secret=self.secret)
        minutes = int(LINK_TTL.total_seconds() // 60)
        return Outbound(inbound.chat_id, locale, (_say("link.code", code=code, minutes=minutes),))

    async def _switch_language(
        self, session: AsyncSession, inbound: Inbound, member: MemberView, wanted: str
    ) -> Outbound:
        locale = wanted if wanted in LOCALES else "vi"
        await set_locale(session, member.member_id, locale)
        return Outbound(inbound.chat_id, locale, (_say("service.language_set"),))


def _linked(outcome: Linked | LinkFailure) -> Reply:
    """What an account that sent a link code is told."""
    if isinstance(outcome, Linked):
        channel = Msg(f"link.channel.{outcome.from_channel}")
        return Reply((Msg("link.linked", {"channel": channel, "units": ", ".join(outcome.unit_names)}),))
    body: tuple[Msg, ...] = (Msg(f"link.{outcome.reason}"),)
    if outcome.wait_minutes:
        body += (Msg("service.invite.wait", {"minutes": outcome.wait_minutes}),)
    return Reply(body)


def _is_help(text: str) -> bool:
    recognised = recognise(text)
    return isinstance(recognised, tuple) and recognised[0] is Command.HELP


def _overseen(member: MemberView) -> str:
    """The names of the units a member oversees, highest first."""
    return ", ".join(m.unit_name for m in member.memberships if m.role == "supervisor")


def _function(intent: Intent) -> Msg:
    """The name of the function an intent asks for, for "not available yet"."""
    match intent:
        case Oversight(view):
            return Msg(f"service.function.{view.value}")
        case Compile():
            return Msg("service.function.compile")
        case Reminders():
            return Msg("service.function.reminders")
        case SwitchMembership():
            return Msg("service.function.switch")
    raise ValueError(intent)
