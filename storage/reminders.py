"""Reminders' SQL: each campaign's schedule, who is late and whom to tell, and every reminder recorded
once under its key.

Exactly once: a reminder's row is inserted with `INSERT … ON CONFLICT DO NOTHING` under the unique
key (campaign, unit, member, kind, slot) in the same transaction as its outbox row. Two processes
that plan the same reminder both try the insert; on PostgreSQL the second waits for the first's
transaction and then inserts nothing (SQLite has one writer at a time), so only one outbox row is
ever queued. A pass commits batch by batch: a process killed half way has committed whole batches
(rows and outbox rows together) and the next pass plans only what has no row yet.

The outcome of a reminder is its outbox row's (storage/outbox.py `finish`): `settle` copies it here,
because outbox rows are purged after a week and "ai chưa nộp" must still show who could not be told.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.text import clean_line
from storage.models import (
    HandReminded,
    Identity,
    Member,
    Membership,
    OutboxMessage,
    Reminder,
    ReminderSchedule,
    Submission,
    Unit,
)
from storage.units import ancestor_ids

_DONE = ("submitted", "approved")
_REMINDERS = cast(Table, Reminder.__table__)
_CHUNK = 500  # ids in one IN (...) list


# --- the schedule ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredSchedule:
    offsets: tuple[int, ...]
    hour: int
    weekends: bool


async def schedules(session: AsyncSession) -> dict[int, StoredSchedule]:
    """Every campaign's stored schedule (a campaign without one uses the defaults)."""
    rows = await session.execute(
        select(
            ReminderSchedule.campaign_id,
            ReminderSchedule.offsets,
            ReminderSchedule.hour,
            ReminderSchedule.weekends,
        )
    )
    return {
        campaign_id: StoredSchedule(tuple(int(o) for o in offsets or ()), int(hour), bool(weekends))
        for campaign_id, offsets, hour, weekends in rows
    }


async def set_schedule(
    session: AsyncSession, campaign_id: int, offsets: Sequence[int], hour: int, weekends: bool, now: datetime
) -> None:
    """Store a campaign's schedule (replacing the one before)."""
    values = {"offsets": list(offsets), "hour": hour, "weekends": weekends, "updated_at": now}
    statement = _insert(session, ReminderSchedule).values(campaign_id=campaign_id, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=["campaign_id"], set_=values))


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


# --- who is late, and whom to tell -------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """A member to tell, on the account they last used."""

    member_id: int
    name: str
    channel: str
    chat_id: str
    locale: str


@dataclass(frozen=True)
class LateUnit:
    """A unit of a level with a deadline that has not submitted (a returned report is not submitted)."""

    unit_id: int
    code: str
    name: str
    level: str
    path: str
    status: str  # not_started | in_progress | returned
    answered: int
    required: int  # 0: not counted yet (no turn stored)


async def late_units(
    session: AsyncSession, root_path: str, campaign_id: int, levels: Iterable[str]
) -> list[LateUnit]:
    """The units of `levels` under `root_path` (the campaign's root, or a supervisor's unit) whose
    report in the campaign is not submitted, in tree order."""
    levels = list(levels)
    if not levels:
        return []
    s = Submission.__table__.alias("s")
    rows = await session.execute(
        select(
            Unit.id,
            Unit.code,
            Unit.name,
            Unit.level,
            Unit.path,
            s.c.status,
            s.c.answered_count,
            s.c.required_count,
        )
        .outerjoin(s, and_(s.c.unit_id == Unit.id, s.c.campaign_id == campaign_id))
        .where(
            Unit.path >= root_path,
            Unit.path < root_path[:-1] + "0",
            Unit.level.in_(levels),
            or_(s.c.id.is_(None), s.c.status.not_in(_DONE)),
        )
        .order_by(Unit.path)
    )
    found = []
    for unit_id, code, name, level, path, status, answered, required in rows:
        answered = int(answered or 0)
        state = "returned" if status == "returned" else ("in_progress" if answered else "not_started")
        found.append(LateUnit(unit_id, code, name, level, path, state, answered, int(required or 0)))
    return found


async def _recipients(
    session: AsyncSession, memberships: Sequence[tuple[int, int, str]]
) -> dict[int, Recipient]:
    """One account per member of `memberships` (unit, member, role): the one they used last."""
    member_ids = sorted({member_id for _, member_id, _ in memberships})
    found: dict[int, Recipient] = {}
    for start in range(0, len(member_ids), _CHUNK):
        chunk = member_ids[start : start + _CHUNK]
        rows = await session.execute(
            select(
                Identity.member_id,
                Member.display_name,
                Member.locale,
                Identity.channel,
                func.coalesce(Identity.chat_id, Identity.external_id),
            )
            .join(Member, Member.id == Identity.member_id)
            .where(Identity.member_id.in_(chunk))
            # The account seen last first (never seen: the newest).
            .order_by(Identity.member_id, Identity.last_seen_at.desc().nulls_last(), Identity.id.desc())
        )
        for member_id, name, locale, channel, chat_id in rows:
            if member_id not in found:
                found[member_id] = Recipient(
                    member_id, clean_line(name or ""), channel, chat_id, locale or "vi"
                )
    return found


async def unit_recipients(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, list[Recipient]]:
    """Whom to remind of each unit's report: its reporters; where it has none, its own supervisors
    (they write the unit's report, as a district reporting to the province). A unit that nobody has
    joined (or whose members all left) is missing from the result."""
    memberships: list[tuple[int, int, str]] = []
    for start in range(0, len(unit_ids), _CHUNK):
        chunk = list(unit_ids[start : start + _CHUNK])
        memberships += [
            (unit_id, member_id, role)
            for unit_id, member_id, role in await session.execute(
                select(Membership.unit_id, Membership.member_id, Membership.role)
                .where(Membership.unit_id.in_(chunk))
                .order_by(Membership.unit_id, Membership.created_at, Membership.id)
            )
        ]
    accounts = await _recipients(session, memberships)
    by_unit: dict[int, dict[str, list[Recipient]]] = {}
    for unit_id, member_id, role in memberships:
        account = accounts.get(member_id)
        if account is not None:
            by_unit.setdefault(unit_id, {}).setdefault(role, []).append(account)
    return {
        unit_id: roles.get("reporter") or roles.get("supervisor") or []
        for unit_id, roles in by_unit.items()
        if roles.get("reporter") or roles.get("supervisor")
    }


@dataclass(frozen=True)
class Supervisor:
    """A supervisor to escalate to: their account, and the unit they supervise it from."""

    recipient: Recipient
    unit_id: int


async def supervisors_above(session: AsyncSession, paths: Sequence[str]) -> dict[str, list[Supervisor]]:
    """For each unit path, the supervisors of its nearest ancestor that has any (the level just
    above, or higher where that level has none); a path with none above is missing."""
    above = sorted({a for path in paths for a in ancestor_ids(path)[:-1]})
    if not above:
        return {}
    rows: list[tuple[int, int]] = []
    for start in range(0, len(above), _CHUNK):
        rows += list(
            await session.execute(
                select(Membership.unit_id, Membership.member_id)
                .where(Membership.unit_id.in_(above[start : start + _CHUNK]), Membership.role == "supervisor")
                .order_by(Membership.created_at, Membership.id)
            )
        )
    accounts = await _recipients(session, [(u, m, "supervisor") for u, m in rows])
    by_unit: dict[int, list[Supervisor]] = {}
    for unit_id, member_id in rows:
        account = accounts.get(member_id)
        if account is not None:
            by_unit.setdefault(unit_id, []).append(Supervisor(account, unit_id))
    found: dict[str, list[Supervisor]] = {}
    for path in paths:
        for ancestor in reversed(ancestor_ids(path)[:-1]):
            if ancestor in by_unit:
                found[path] = by_unit[ancestor]
                break
    return found


async def existing_keys(
    session: AsyncSession, campaign_id: int, kind: str, slot: str, unit_ids: Sequence[int]
) -> set[tuple[int, int]]:
    """(unit, member) of the reminders of this kind and slot already recorded for these units."""
    keys: set[tuple[int, int]] = set()
    for start in range(0, len(unit_ids), _CHUNK):
        chunk = list(unit_ids[start : start + _CHUNK])
        keys |= {
            (unit_id, member_id)
            for unit_id, member_id in await session.execute(
                select(Reminder.unit_id, Reminder.member_id).where(
                    Reminder.campaign_id == campaign_id,
                    Reminder.kind == kind,
                    Reminder.slot == slot,
                    Reminder.unit_id.in_(chunk),
                )
            )
        }
    return keys


# --- recording ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewReminder:
    campaign_id: int
    unit_id: int
    member_id: int
    kind: str
    slot: str
    channel: str
    chat_id: str
    by_member_id: int | None = None


async def record(session: AsyncSession, reminder: NewReminder, now: datetime) -> int | None:
    """Record a reminder under its key; its id, or None if that key is recorded already (by this
    process earlier, or by another one): then it must not be sent."""
    statement = (
        _insert(session, Reminder)
        .values(
            campaign_id=reminder.campaign_id,
            unit_id=reminder.unit_id,
            member_id=reminder.member_id,
            kind=reminder.kind,
            slot=reminder.slot,
            channel=reminder.channel,
            chat_id=reminder.chat_id,
            outcome="queued",
            by_member_id=reminder.by_member_id,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["campaign_id", "unit_id", "member_id", "kind", "slot"])
        .returning(Reminder.id)
    )
    found = (await session.execute(statement)).scalar_one_or_none()
    return int(found) if found is not None else None


async def record_many(
    session: AsyncSession, reminders: Sequence[NewReminder], now: datetime
) -> dict[tuple[int, int, str, str], int]:
    """Record reminders under their keys in one statement; the ids of those recorded now, by key
    (unit, member, kind, slot). A key recorded already (here or by another process) is absent: it
    must not be sent."""
    found: dict[tuple[int, int, str, str], int] = {}
    # 50 rows of 10 values: under every SQLite's limit of bound variables in one statement.
    for start in range(0, len(reminders), 50):
        found |= await _record_rows(session, reminders[start : start + 50], now)
    return found


async def _record_rows(
    session: AsyncSession, reminders: Sequence[NewReminder], now: datetime
) -> dict[tuple[int, int, str, str], int]:
    r = _REMINDERS
    statement = (
        _insert(session, r)
        .values(
            [
                {
                    "campaign_id": m.campaign_id,
                    "unit_id": m.unit_id,
                    "member_id": m.member_id,
                    "kind": m.kind,
                    "slot": m.slot,
                    "channel": m.channel,
                    "chat_id": m.chat_id,
                    "outcome": "queued",
                    "by_member_id": m.by_member_id,
                    "created_at": now,
                }
                for m in reminders
            ]
        )
        .on_conflict_do_nothing(index_elements=["campaign_id", "unit_id", "member_id", "kind", "slot"])
        .returning(r.c.unit_id, r.c.member_id, r.c.kind, r.c.slot, r.c.id)
    )
    return {
        (unit_id, member_id, kind, slot): int(reminder_id)
        for unit_id, member_id, kind, slot, reminder_id in await session.execute(statement)
    }


async def attach(session: AsyncSession, pairs: Sequence[tuple[int, int]]) -> None:
    """Note the outbox row that carries each reminder: (reminder id, outbox id), one statement per
    hundred (a CASE over the ids: the same SQL on both backends)."""
    for start in range(0, len(pairs), 100):
        chunk = dict(pairs[start : start + 100])
        r = _REMINDERS
        await session.execute(
            update(r).where(r.c.id.in_(list(chunk))).values(outbox_id=case(chunk, value=r.c.id))
        )


async def settle(session: AsyncSession) -> int:
    """Copy the outcome of every outbox row sent or failed since onto its reminders; how many."""
    o = OutboxMessage.__table__.alias("o")
    r = _REMINDERS
    settled = and_(o.c.id == r.c.outbox_id, o.c.status != "pending")
    outcome = (
        select(case((o.c.status == "sent", "sent"), else_="undeliverable")).where(settled).scalar_subquery()
    )
    error = select(o.c.error).where(settled).scalar_subquery()
    result = await session.execute(
        update(r)
        .where(r.c.outcome == "queued", r.c.outbox_id.is_not(None), exists().where(settled))
        .values(outcome=outcome, error=error)
    )
    return int(result.rowcount or 0)


# --- reading -----------------------------------------------------------------------------------------


def _outcome_columns() -> tuple[Any, Any, Any]:
    """The outbox row joined to a reminder, and its outcome and error whether settled or not."""
    o = OutboxMessage.__table__.alias("o")
    outcome = case(
        (Reminder.outcome != "queued", Reminder.outcome),
        (o.c.status == "sent", "sent"),
        (o.c.status == "failed", "undeliverable"),
        else_="queued",
    )
    return o, outcome, func.coalesce(Reminder.error, o.c.error)


@dataclass(frozen=True)
class Undelivered:
    """A member of a unit whom the last reminder could not reach, and the platform's reason."""

    name: str
    channel: str
    error: str


async def undelivered(
    session: AsyncSession, campaign_id: int, unit_ids: Sequence[int]
) -> dict[int, list[Undelivered]]:
    """For each unit, its members whose LAST reminder (scheduled or by hand) could not be delivered."""
    if not unit_ids:
        return {}
    o, outcome, error = _outcome_columns()
    latest: dict[tuple[int, int], tuple[str, str, str, str]] = {}
    for start in range(0, len(unit_ids), _CHUNK):
        rows = await session.execute(
            select(
                Reminder.unit_id, Reminder.member_id, Member.display_name, Reminder.channel, outcome, error
            )
            .join(Member, Member.id == Reminder.member_id)
            .outerjoin(o, o.c.id == Reminder.outbox_id)
            .where(
                Reminder.campaign_id == campaign_id,
                Reminder.unit_id.in_(list(unit_ids[start : start + _CHUNK])),
                Reminder.kind.in_(("scheduled", "manual")),
            )
            .order_by(Reminder.id)
        )
        for unit_id, member_id, name, channel, result, why in rows:
            latest[(unit_id, member_id)] = (clean_line(name or ""), channel, result, why or "")
    found: dict[int, list[Undelivered]] = {}
    for (unit_id, _), (name, channel, result, why) in latest.items():
        if result == "undeliverable":
            found.setdefault(unit_id, []).append(Undelivered(name, channel, why))
    return found


async def last_by_hand(
    session: AsyncSession, campaign_id: int, unit_ids: Sequence[int]
) -> dict[int, datetime]:
    """When each unit was last reminded by hand."""
    found: dict[int, datetime] = {}
    for start in range(0, len(unit_ids), _CHUNK):
        rows = await session.execute(
            select(Reminder.unit_id, func.max(Reminder.created_at))
            .where(
                Reminder.campaign_id == campaign_id,
                Reminder.kind == "manual",
                Reminder.unit_id.in_(list(unit_ids[start : start + _CHUNK])),
            )
            .group_by(Reminder.unit_id)
        )
        for unit_id, at in rows:
            if at is not None:
                found[unit_id] = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return found


async def take_by_hand(
    session: AsyncSession,
    campaign_id: int,
    unit_ids: Sequence[int],
    now: datetime,
    since: datetime,
    by_member_id: int | None = None,
) -> set[int]:
    """Take the units to remind by hand now: those not reminded by hand since `since` (the cooldown).

    One upsert per unit that moves its `last_at` to `now` only if it was before `since`; the units it
    moved are returned, the rest were reminded within the cooldown — perhaps by another supervisor
    in the same instant, whose transaction this one waited for (PostgreSQL locks the row; SQLite has
    one writer)."""
    table = cast(Table, HandReminded.__table__)
    taken: set[int] = set()
    for unit_id in unit_ids:
        statement = _insert(session, table).values(
            campaign_id=campaign_id, unit_id=unit_id, last_at=now, by_member_id=by_member_id
        )
        statement = statement.on_conflict_do_update(
            index_elements=["campaign_id", "unit_id"],
            set_={"last_at": now, "by_member_id": by_member_id},
            where=table.c.last_at <= since,
        ).returning(table.c.unit_id)
        if (await session.execute(statement)).scalar_one_or_none() is not None:
            taken.add(unit_id)
    return taken


@dataclass(frozen=True)
class SentReminder:
    """A reminder as the operator inspects it."""

    at: datetime
    kind: str
    slot: str
    unit_code: str
    unit_name: str
    member_name: str
    channel: str
    outcome: str
    error: str


async def history(session: AsyncSession, campaign_id: int, limit: int = 1000) -> list[SentReminder]:
    """The campaign's reminders, newest first."""
    o, outcome, error = _outcome_columns()
    rows = await session.execute(
        select(
            Reminder.created_at,
            Reminder.kind,
            Reminder.slot,
            Unit.code,
            Unit.name,
            Member.display_name,
            Reminder.channel,
            outcome,
            error,
        )
        .join(Unit, Unit.id == Reminder.unit_id)
        .join(Member, Member.id == Reminder.member_id)
        .outerjoin(o, o.c.id == Reminder.outbox_id)
        .where(Reminder.campaign_id == campaign_id)
        .order_by(Reminder.id.desc())
        .limit(limit)
    )
    return [
        SentReminder(at, kind, slot, code, name, clean_line(member or ""), channel, result, why or "")
        for at, kind, slot, code, name, member, channel, result, why in rows
    ]


async def outbox_outcomes(session: AsyncSession, outbox_ids: Sequence[int]) -> dict[str, int]:
    """How many of these outbox rows are pending, sent and failed."""
    found = {"pending": 0, "sent": 0, "failed": 0}
    o = OutboxMessage.__table__
    for start in range(0, len(outbox_ids), _CHUNK):
        rows = await session.execute(
            select(o.c.status, func.count())
            .where(o.c.id.in_(list(outbox_ids[start : start + _CHUNK])))
            .group_by(o.c.status)
        )
        for status, count in rows:
            found[str(status)] = found.get(str(status), 0) + int(count)
    return found
