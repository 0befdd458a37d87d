"""/nhac: a supervisor reminds the late units of their subtree now, after a confirmation.

"/nhac" (or "/nhac H1") answers how many units and people would be reminded, which are skipped
(reminded by hand within the cooldown, or with nobody to remind), and offers one button; on a channel
without buttons the button is typed as "/nhac H1 gui". Nothing is kept between the two messages:
the confirmation re-reads everything, checked through `oversees` again (a forged button gets no
further than typing would). The reminders are recorded and queued in the turn's own transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import oversees
from bot.oversight.conversation import Asker, Said, unit_and_campaign
from bot.reminders import messages as say
from bot.reminders.passes import before_any
from bot.reminders.schedule import local_day
from bot.render import render
from dialogs import text as tx
from dialogs.events import Msg, Reply
from storage import reminders as store
from storage.campaigns import CampaignSummary
from storage.reminders import LateUnit, NewReminder, Recipient
from storage.units import UnitView, unit_by_id

if TYPE_CHECKING:
    from bot.channels.base import Capabilities
    from bot.outbox import Outbox

_CONFIRM_WORDS = frozenset({"gui", "gui di", "ok", "co", "dong y", "xac nhan", "send", "yes"})
NAMES_SHOWN = 8


def is_remind_action(action_text: str | None) -> bool:
    return action_text is not None and action_text.startswith(say.ACTION)


def _said(*messages: Msg, buttons: tuple = ()) -> Said:  # type: ignore[type-arg]
    return Said((Reply(tuple(messages), buttons),))


def _names(units: list[LateUnit]) -> str:
    shown = ", ".join(f"{say.short(u.name, 40)} ({u.code})" for u in units[:NAMES_SHOWN])
    return shown + (f", … (+{len(units) - NAMES_SHOWN})" if len(units) > NAMES_SHOWN else "")


@dataclass(frozen=True)
class _Plan:
    unit: UnitView
    campaign: CampaignSummary
    send: list[tuple[LateUnit, list[Recipient]]]
    cooling: list[LateUnit]
    nobody: list[LateUnit]

    @property
    def people(self) -> int:
        return sum(len(people) for _, people in self.send)


class ByHand:
    """The /nhac conversation; one per runtime (it queues through the runtime's outbox)."""

    def __init__(
        self,
        outbox: Outbox,
        capabilities: Mapping[str, Capabilities],
        zone: tzinfo,
        cooldown: timedelta = timedelta(hours=4),
    ) -> None:
        self.outbox = outbox
        self.capabilities = capabilities
        self.zone = zone
        self.cooldown = cooldown

    async def asked(self, session: AsyncSession, asker: Asker, argument: str) -> Said:
        """ "/nhac", "/nhac H1": the confirmation; "/nhac H1 gui": send."""
        words = argument.split()
        confirmed = bool(words) and tx.fold(words[-1]) in _CONFIRM_WORDS
        if confirmed:
            words = words[:-1]
        found = await unit_and_campaign(session, asker, " ".join(words))
        if isinstance(found, Said):
            return found
        plan = await self._plan(session, asker, *found)
        return await (self._send(session, asker, plan) if confirmed else self._confirm(plan))

    async def pressed(self, session: AsyncSession, asker: Asker, action_text: str) -> Said:
        """The confirmation's button: "rm:<unit id>", checked again as if typed."""
        raw = action_text.removeprefix(say.ACTION)
        if not raw.isdigit() or len(raw) > 18:
            return _said(Msg("oversight.stale"))
        unit = await unit_by_id(session, int(raw))
        if unit is None:
            return _said(Msg("oversight.stale"))
        if oversees(asker.member, unit) is None:
            return _said(Msg("oversight.unit.outside"))
        found = await unit_and_campaign(session, asker, unit.code)
        if isinstance(found, Said):
            return found
        return await self._send(session, asker, await self._plan(session, asker, *found))

    async def _plan(
        self, session: AsyncSession, asker: Asker, unit: UnitView, campaign: CampaignSummary
    ) -> _Plan:
        # A supervisor's own unit is not reminded (its report is theirs to write); a unit named below
        # it is ("/nhac X11" reminds X11).
        own = any(m.unit_id == unit.id and m.role == "supervisor" for m in asker.member.memberships)
        late = [
            u
            for u in await store.late_units(session, unit.path, campaign.id, campaign.deadlines)
            if not (own and u.unit_id == unit.id)
        ]
        ids = [u.unit_id for u in late]
        people = await store.unit_recipients(session, ids)
        last = await store.last_by_hand(session, campaign.id, ids)
        since = asker.now - self.cooldown
        send, cooling, nobody = [], [], []
        for u in late:
            if u.unit_id in last and last[u.unit_id] > since:
                cooling.append(u)
            elif not people.get(u.unit_id):
                nobody.append(u)
            else:
                send.append((u, people[u.unit_id]))
        return _Plan(unit, campaign, send, cooling, nobody)

    def _skipped(self, plan: _Plan) -> list[Msg]:
        lines = []
        if plan.cooling:
            hours = round(self.cooldown.total_seconds() / 3600, 1)
            shown_hours = int(hours) if hours == int(hours) else hours
            lines.append(
                Msg(
                    "reminders.nhac.cooling",
                    {"count": len(plan.cooling), "hours": shown_hours, "names": _names(plan.cooling)},
                )
            )
        if plan.nobody:
            lines.append(
                Msg("reminders.nhac.nobody", {"count": len(plan.nobody), "names": _names(plan.nobody)})
            )
        return lines

    async def _confirm(self, plan: _Plan) -> Said:
        if not plan.send:
            return self._nothing(plan)
        question = Msg(
            "reminders.nhac.confirm",
            {
                "units": len(plan.send),
                "people": plan.people,
                "unit": say.short(plan.unit.name),
                "campaign": say.short(plan.campaign.title),
            },
        )
        button = say.confirm_button(plan.unit.id, plan.unit.code)
        return _said(question, *self._skipped(plan), buttons=((button,),))

    def _nothing(self, plan: _Plan) -> Said:
        if not plan.cooling and not plan.nobody:
            return _said(
                Msg(
                    "reminders.nhac.none",
                    {"unit": say.short(plan.unit.name), "campaign": say.short(plan.campaign.title)},
                )
            )
        return _said(Msg("reminders.nhac.nothing_to_send"), *self._skipped(plan))

    async def _send(self, session: AsyncSession, asker: Asker, plan: _Plan) -> Said:
        if not plan.send:
            return self._nothing(plan)
        now: datetime = asker.now
        # The cooldown is taken, not just read: a unit another supervisor reminded in this same
        # instant (their transaction first) is skipped as cooling.
        taken = await store.take_by_hand(
            session,
            plan.campaign.id,
            [unit.unit_id for unit, _ in plan.send],
            now,
            now - self.cooldown,
            asker.member.member_id,
        )
        if len(taken) < len(plan.send):
            cooling = plan.cooling + [unit for unit, _ in plan.send if unit.unit_id not in taken]
            plan = replace(plan, send=[(u, r) for u, r in plan.send if u.unit_id in taken], cooling=cooling)
            if not plan.send:
                return self._nothing(plan)
        today = local_day(now, self.zone)
        slot = now.strftime("%Y-%m-%dT%H:%M:%S")
        total = before_any(plan.campaign)
        units = people = 0
        for unit, recipients in plan.send:
            due_on = plan.campaign.deadline(unit.level)
            if due_on is None:
                continue
            reply = say.due_reply(plan.campaign.title, unit, due_on, today, total, by=plan.unit.name)
            sent_any = False
            for person in recipients:
                key = NewReminder(
                    plan.campaign.id,
                    unit.unit_id,
                    person.member_id,
                    "manual",
                    slot,
                    person.channel,
                    person.chat_id,
                    by_member_id=asker.member.member_id,
                )
                reminder_id = await store.record(session, key, now)
                capabilities = self.capabilities.get(person.channel)
                if reminder_id is None or capabilities is None:
                    continue
                messages = render(reply, person.locale, capabilities, self.zone)  # type: ignore[arg-type]
                rows = await self.outbox.queue_messages(
                    session, person.channel, person.chat_id, messages, bulk=True
                )
                await store.attach(session, [(reminder_id, rows[0].id)])
                people += 1
                sent_any = True
            units += sent_any
        # Sent by this process's poller (or another's) within a poll; it may run before our commit.
        self.outbox.wake()
        done = Msg(
            "reminders.nhac.done",
            {"units": units, "people": people, "campaign": say.short(plan.campaign.title)},
        )
        return _said(done, *self._skipped(plan))
