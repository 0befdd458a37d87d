"""When a reminder is due: pure, from a level's deadline, the campaign's schedule and `now`.

Every offset fires at `hour` o'clock local time (Settings.timezone) on the day `deadline + offset`.
Without `weekends`, an offset that falls on a Saturday or Sunday moves to a working day: to the Friday
before when it comes before or on the deadline (a warning must not come after the day it warns of), to
the Monday after when it is an overdue one. A pass fires only what is due TODAY in local time, and of
that only the latest offset: a process that was down in the morning still sends the day's reminder in
the afternoon, but yesterday's "còn 3 ngày" is never sent today, and two offsets moved onto one Friday
send one reminder, not two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

DEFAULT_OFFSETS: tuple[int, ...] = (-7, -3, -1, 0, 1, 3)
DEFAULT_HOUR = 8
# Escalation: one digest a day to the supervisors above, from the first overdue day for this many days.
DIGEST_DAYS = 30
_SATURDAY = 5


@dataclass(frozen=True)
class Schedule:
    """A campaign's reminder schedule."""

    offsets: tuple[int, ...] = DEFAULT_OFFSETS
    hour: int = DEFAULT_HOUR
    weekends: bool = False  # True: send on Saturdays and Sundays too


@dataclass(frozen=True)
class Due:
    """An offset of one level's deadline that is due now: its local day and the moment it fired."""

    offset: int
    day: date
    at: datetime


def fire_day(deadline: date, offset: int, weekends: bool) -> date:
    """The local day an offset fires on."""
    day = deadline + timedelta(days=offset)
    if weekends or day.weekday() < _SATURDAY:
        return day
    if offset <= 0:
        return day - timedelta(days=day.weekday() - 4)  # the Friday before
    return day + timedelta(days=7 - day.weekday())  # the Monday after


def fire_at(day: date, hour: int, zone: tzinfo) -> datetime:
    """`hour` o'clock on a local day, as an aware moment."""
    return datetime.combine(day, time(hour), tzinfo=zone)


def local_day(now: datetime, zone: tzinfo) -> date:
    return now.astimezone(zone).date()


def due_offset(deadline: date, schedule: Schedule, now: datetime, zone: tzinfo) -> Due | None:
    """The offset due now for a level with this deadline: fired today (local), at or before `now`;
    the latest of them if several fire today. None: nothing today, or not yet."""
    today = local_day(now, zone)
    found: Due | None = None
    for offset in sorted(set(schedule.offsets)):
        day = fire_day(deadline, offset, schedule.weekends)
        if day != today:
            continue
        at = fire_at(day, schedule.hour, zone)
        if at <= now and (found is None or offset > found.offset):
            found = Due(offset, day, at)
    return found


def next_fire(deadline: date, schedule: Schedule, now: datetime, zone: tzinfo) -> Due | None:
    """The next offset to fire after `now` (for `baocao reminders`), None if none is left."""
    upcoming = [
        Due(offset, day, fire_at(day, schedule.hour, zone))
        for offset in sorted(set(schedule.offsets))
        for day in (fire_day(deadline, offset, schedule.weekends),)
    ]
    later = [due for due in upcoming if due.at > now]
    return min(later, key=lambda due: (due.at, -due.offset)) if later else None


def digest_due(deadline: date, schedule: Schedule, now: datetime, zone: tzinfo) -> date | None:
    """The local day whose escalation digest is due now: a day after the deadline (the unit is
    overdue), within DIGEST_DAYS of it, a working day unless `weekends`, at or after `hour`."""
    today = local_day(now, zone)
    if not deadline < today <= deadline + timedelta(days=DIGEST_DAYS):
        return None
    if not schedule.weekends and today.weekday() >= _SATURDAY:
        return None
    if now < fire_at(today, schedule.hour, zone):
        return None
    return today


def parse_offsets(text: str) -> tuple[int, ...]:
    """ "-7,-3,-1,0,1,3" (or with "+1", spaces) as sorted distinct offsets; ValueError if not."""
    parts = [part.strip() for part in text.replace(";", ",").split(",")]
    if not parts or any(not part for part in parts):
        raise ValueError(text)
    values = {int(part) for part in parts}
    if any(abs(value) > 366 for value in values):
        raise ValueError(text)
    return tuple(sorted(values))


def show_offsets(offsets: Sequence[int]) -> str:
    return ",".join(f"+{o}" if o > 0 else str(o) for o in offsets)
