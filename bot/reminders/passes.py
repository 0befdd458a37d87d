"""One pass of the reminders: what is due now in every campaign, planned, then queued batch by batch.

Planning reads (who is late, their reporters, what is recorded already); queueing records each
reminder under its unique key and, only if that key was new, renders it for the member's channel and
queues it in the outbox as bulk, in the same transaction (storage/reminders.py). Each batch commits on
its own: a process killed half way leaves whole batches behind it, and the next pass (here or in
another process) plans only what was not recorded. `dry_run` plans and queues nothing.

Who gets what, for each level with a deadline whose offset is due today (bot/reminders/schedule.py):
- every reporter of each unit of that level that has not submitted (returned counts as not
  submitted), or its own supervisors where it has no reporter (a district writing its own report);
- a unit that nobody has joined: the supervisors above it are told instead, one message each;
- once overdue, one digest a day to each supervisor above (the nearest level up that has any),
  listing all their overdue units, never a message per unit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.reminders import messages as say
from bot.reminders.schedule import Schedule, digest_due, due_offset, local_day
from bot.render import render
from dialogs.builtin import get_outline
from dialogs.events import Msg, Reply
from dialogs.progress import Progress
from storage import reminders as store
from storage.campaigns import CampaignSummary, all_campaigns
from storage.db import Database
from storage.reminders import LateUnit, NewReminder, Recipient
from storage.units import unit_by_id

if TYPE_CHECKING:
    from bot.channels.base import Capabilities
    from bot.outbox import Outbox

log = logging.getLogger(__name__)

BATCH = 100  # messages queued per transaction


@dataclass(frozen=True)
class Planned:
    """One message to one member, carrying one or more reminders (keys); `compose` writes it for the
    keys actually recorded (a digest or a list of units names only what is new)."""

    recipient: Recipient
    keys: tuple[NewReminder, ...]
    compose: Callable[[Sequence[int]], Reply]
    what: Msg | str  # for the operator (baocao remind --dry-run): "X1 (-3)", "tổng hợp 4 đơn vị quá hạn", ...


@dataclass
class PassReport:
    """What a pass did (or, dry, would do)."""

    planned: list[Planned] = field(default_factory=list)
    queued: int = 0  # messages queued
    reminders: int = 0  # reminder rows recorded
    skipped: int = 0  # planned but recorded meanwhile by another process
    outbox_ids: list[int] = field(default_factory=list)  # the rows queued


def schedule_of(stored: store.StoredSchedule | None) -> Schedule:
    if stored is None:
        return Schedule()
    return Schedule(stored.offsets, stored.hour, stored.weekends)


def before_any(campaign: CampaignSummary) -> int:
    """Required questions of a report not started yet."""
    try:
        return Progress.of(get_outline(campaign.outline_id, campaign.outline_version), {}).required_count
    except KeyError:
        return 0


class ReminderPass:
    """Plans and queues the reminders due at a moment."""

    def __init__(
        self,
        db: Database,
        outbox: Outbox | None,
        capabilities: Mapping[str, Capabilities],
        zone: tzinfo,
        *,
        batch: int = BATCH,
        after_batch: Callable[[int], None] | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.capabilities = capabilities
        self.zone = zone
        self.batch = batch
        self.after_batch = after_batch  # tests: called after each committed batch (to die there)

    async def run(self, now: datetime, *, dry_run: bool = False) -> PassReport:
        report = PassReport()
        if not dry_run:
            async with self.db.session() as session, session.begin():
                await store.settle(session)
        async with self.db.session() as session:
            report.planned = await self.plan(session, now)
        if not dry_run:
            await self.queue(report, now)
        return report

    # --- planning ------------------------------------------------------------------------------------

    async def plan(self, session: AsyncSession, now: datetime) -> list[Planned]:
        planned: list[Planned] = []
        stored = await store.schedules(session)
        today = local_day(now, self.zone)
        for campaign in await all_campaigns(session):
            schedule = schedule_of(stored.get(campaign.id))
            root = await unit_by_id(session, campaign.root_unit_id)
            if root is None:
                continue
            overdue: list[tuple[LateUnit, date]] = []
            for level, due_on in sorted(campaign.deadlines.items()):
                due = due_offset(due_on, schedule, now, self.zone)
                digest = digest_due(due_on, schedule, now, self.zone)
                if due is None and digest is None:
                    continue
                late = await store.late_units(session, root.path, campaign.id, [level])
                if due is not None and late:
                    slot = f"{due.offset}@{due_on.isoformat()}"
                    planned += await self._due(session, campaign, late, due_on, today, slot)
                if digest is not None:
                    overdue += [(unit, due_on) for unit in late]
            if overdue:
                planned += await self._digests(session, campaign, overdue, today)
        return planned

    async def _due(
        self,
        session: AsyncSession,
        campaign: CampaignSummary,
        late: list[LateUnit],
        due_on: date,
        today: date,
        slot: str,
    ) -> list[Planned]:
        ids = [unit.unit_id for unit in late]
        people = await store.unit_recipients(session, ids)
        done = await store.existing_keys(session, campaign.id, "scheduled", slot, ids)
        total = before_any(campaign)
        planned: list[Planned] = []
        orphans: list[LateUnit] = []
        for unit in late:
            recipients = people.get(unit.unit_id)
            if not recipients:
                orphans.append(unit)
                continue
            reply = say.due_reply(campaign.title, unit, due_on, today, total)
            for person in recipients:
                if (unit.unit_id, person.member_id) in done:
                    continue
                key = _key(campaign, unit.unit_id, person, "scheduled", slot)
                planned.append(Planned(person, (key,), _fixed(reply), f"{unit.code} ({slot.split('@')[0]})"))
        if orphans:
            planned += await self._orphans(session, campaign, orphans, due_on, today, slot)
        return planned

    async def _orphans(
        self,
        session: AsyncSession,
        campaign: CampaignSummary,
        orphans: list[LateUnit],
        due_on: date,
        today: date,
        slot: str,
    ) -> list[Planned]:
        above = await store.supervisors_above(session, [unit.path for unit in orphans])
        done = await store.existing_keys(session, campaign.id, "orphan", slot, [u.unit_id for u in orphans])
        grouped: dict[int, tuple[Recipient, list[LateUnit]]] = {}
        for unit in orphans:
            for supervisor in above.get(unit.path, []):
                person = supervisor.recipient
                if (unit.unit_id, person.member_id) not in done:
                    grouped.setdefault(person.member_id, (person, []))[1].append(unit)
        planned = []
        for person, units in grouped.values():
            keys = tuple(_key(campaign, unit.unit_id, person, "orphan", slot) for unit in units)

            def compose(recorded: Sequence[int], units: list[LateUnit] = units) -> Reply:
                return say.orphans_reply(campaign.title, [units[i] for i in recorded], due_on, today)

            what = Msg("reminders.cli.what.nobody", {"count": len(units)})
            planned.append(Planned(person, keys, compose, what))
        return planned

    async def _digests(
        self,
        session: AsyncSession,
        campaign: CampaignSummary,
        overdue: list[tuple[LateUnit, date]],
        today: date,
    ) -> list[Planned]:
        above = await store.supervisors_above(session, [unit.path for unit, _ in overdue])
        grouped: dict[tuple[int, int], tuple[Recipient, list[tuple[LateUnit, date]]]] = {}
        for unit, due_on in overdue:
            for supervisor in above.get(unit.path, []):
                key = (supervisor.recipient.member_id, supervisor.unit_id)
                grouped.setdefault(key, (supervisor.recipient, []))[1].append((unit, due_on))
        slot = today.isoformat()
        done = await store.existing_keys(
            session, campaign.id, "digest", slot, sorted({u for _, u in grouped})
        )
        total = before_any(campaign)
        planned = []
        for (member_id, unit_id), (person, units) in grouped.items():
            if (unit_id, member_id) in done:
                continue
            reply = say.digest_reply(campaign.title, units, today, total)
            key = _key(campaign, unit_id, person, "digest", slot)
            what = Msg("reminders.cli.what.digest", {"count": len(units)})
            planned.append(Planned(person, (key,), _fixed(reply), what))
        return planned

    # --- queueing ------------------------------------------------------------------------------------

    async def queue(self, report: PassReport, now: datetime) -> None:
        if self.outbox is None:
            raise RuntimeError("a pass that queues needs the outbox")
        batches = [report.planned[i : i + self.batch] for i in range(0, len(report.planned), self.batch)]
        for number, batch in enumerate(batches, start=1):
            async with self.db.session() as session, session.begin():
                # The batch's keys in one INSERT … ON CONFLICT DO NOTHING: only those new are sent.
                recorded = await store.record_many(
                    session, [key for planned in batch for key in planned.keys], now
                )
                attached: list[tuple[int, int]] = []
                for planned in batch:
                    attached += await self._queue_one(session, planned, recorded, report)
                await store.attach(session, attached)
            self.outbox.wake()
            if self.after_batch is not None:
                self.after_batch(number)

    async def _queue_one(
        self,
        session: AsyncSession,
        planned: Planned,
        recorded: Mapping[tuple[int, int, str, str], int],
        report: PassReport,
    ) -> list[tuple[int, int]]:
        """Queue one planned message for the keys recorded now; (reminder id, outbox id) pairs."""
        assert self.outbox is not None
        mine = [
            (index, recorded[(key.unit_id, key.member_id, key.kind, key.slot)])
            for index, key in enumerate(planned.keys)
            if (key.unit_id, key.member_id, key.kind, key.slot) in recorded
        ]
        if not mine:
            report.skipped += 1
            return []
        person = planned.recipient
        capabilities = self.capabilities.get(person.channel)
        if capabilities is None:
            log.warning("a reminder for undeclared channel %s is not queued", person.channel)
            return []
        reply = planned.compose([index for index, _ in mine])
        messages = render(reply, person.locale, capabilities, self.zone)  # type: ignore[arg-type]
        rows = await self.outbox.queue_messages(session, person.channel, person.chat_id, messages, bulk=True)
        report.queued += 1
        report.reminders += len(mine)
        report.outbox_ids += [row.id for row in rows]
        return [(reminder_id, rows[0].id) for _, reminder_id in mine]


def render_planned(planned: Planned, capabilities: Mapping[str, Capabilities], zone: tzinfo) -> str:
    """The text one planned message would have (for `baocao remind --dry-run`)."""
    reply = planned.compose(list(range(len(planned.keys))))
    capability = capabilities.get(planned.recipient.channel)
    if capability is None:
        return ""
    return "\n".join(m.text for m in render(reply, planned.recipient.locale, capability, zone))  # type: ignore[arg-type]


def _fixed(reply: Reply) -> Callable[[Sequence[int]], Reply]:
    return lambda _recorded: reply


def _key(campaign: CampaignSummary, unit_id: int, person: Recipient, kind: str, slot: str) -> NewReminder:
    return NewReminder(campaign.id, unit_id, person.member_id, kind, slot, person.channel, person.chat_id)
