"""When reminders fire: local hours, the deadline's own days, weekends, and never the wrong day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.schedule import (
    Schedule,
    digest_due,
    due_offset,
    fire_day,
    next_fire,
    parse_offsets,
    show_offsets,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")  # UTC+7, no daylight saving
DEADLINE = date(2018, 6, 29)  # a Friday
DEFAULT = Schedule()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HCM)


def test_each_offset_fires_at_eight_local_on_its_day() -> None:
    # −3: Tuesday 26/6 at 08:00 in Hà Nội is 01:00 UTC.
    assert due_offset(DEADLINE, DEFAULT, local(2018, 6, 26, 7, 59), HCM) is None
    due = due_offset(DEADLINE, DEFAULT, local(2018, 6, 26, 8, 0), HCM)
    assert due is not None and due.offset == -3 and due.at == utc(2018, 6, 26, 1, 0)
    assert due_offset(DEADLINE, DEFAULT, local(2018, 6, 28, 9, 0), HCM).offset == -1  # type: ignore[union-attr]
    assert due_offset(DEADLINE, DEFAULT, local(2018, 6, 29, 8, 0), HCM).offset == 0  # type: ignore[union-attr]


def test_a_missed_run_later_the_same_day_still_fires_but_not_the_next_day() -> None:
    assert due_offset(DEADLINE, DEFAULT, local(2018, 6, 26, 23, 59), HCM).offset == -3  # type: ignore[union-attr]
    assert due_offset(DEADLINE, DEFAULT, local(2018, 6, 27, 9, 0), HCM) is None, "yesterday's −3 is gone"


def test_around_midnight_utc_the_local_day_decides() -> None:
    # 23:30 UTC on 25/6 is already 06:30 on 26/6 in Hà Nội: the −3 day, but before 08:00.
    assert due_offset(DEADLINE, DEFAULT, utc(2018, 6, 25, 23, 30), HCM) is None
    # 01:00 UTC on 26/6 is 08:00 local: fires.
    assert due_offset(DEADLINE, DEFAULT, utc(2018, 6, 26, 1, 0), HCM).offset == -3  # type: ignore[union-attr]
    # 17:30 UTC on 26/6 is 00:30 on 27/6 local: the −3 day is over, nothing fires.
    assert due_offset(DEADLINE, DEFAULT, utc(2018, 6, 26, 17, 30), HCM) is None
    # 16:59 UTC on 26/6 is 23:59 on 26/6 local: still the −3 day.
    assert due_offset(DEADLINE, DEFAULT, utc(2018, 6, 26, 16, 59), HCM).offset == -3  # type: ignore[union-attr]


def test_an_offset_on_a_weekend_moves_to_the_friday_before_or_the_monday_after() -> None:
    # Deadline Friday 29/6: −7 is Friday 22/6; +1 is Saturday 30/6 → Monday 2/7; +3 Monday 2/7 too.
    assert fire_day(DEADLINE, 1, weekends=False) == date(2018, 7, 2)
    assert fire_day(DEADLINE, 3, weekends=False) == date(2018, 7, 2)
    sunday = date(2018, 7, 1)
    assert fire_day(sunday, 0, weekends=False) == date(2018, 6, 29), "a Sunday deadline: warned on Friday"
    assert fire_day(sunday, -1, weekends=False) == date(2018, 6, 29)
    assert fire_day(sunday, 0, weekends=True) == sunday
    # Two offsets on one Monday: one reminder, the later (more overdue) one.
    due = due_offset(DEADLINE, DEFAULT, local(2018, 7, 2, 8, 0), HCM)
    assert due is not None and due.offset == 3
    # Nothing on the Saturday itself.
    assert due_offset(DEADLINE, DEFAULT, local(2018, 6, 30, 10, 0), HCM) is None
    with_weekends = Schedule(weekends=True)
    assert due_offset(DEADLINE, with_weekends, local(2018, 6, 30, 10, 0), HCM).offset == 1  # type: ignore[union-attr]


def test_two_offsets_moved_onto_one_friday_send_the_later_one() -> None:
    sunday = date(2018, 7, 1)
    due = due_offset(sunday, DEFAULT, local(2018, 6, 29, 8, 0), HCM)
    assert due is not None and due.offset == 0


def test_the_hour_is_the_campaign_s() -> None:
    afternoon = Schedule(hour=14)
    assert due_offset(DEADLINE, afternoon, local(2018, 6, 29, 13, 59), HCM) is None
    assert due_offset(DEADLINE, afternoon, local(2018, 6, 29, 14, 0), HCM).offset == 0  # type: ignore[union-attr]


def test_the_escalation_digest_is_daily_on_working_days_once_overdue() -> None:
    assert digest_due(DEADLINE, DEFAULT, local(2018, 6, 29, 9, 0), HCM) is None, "not overdue on the day"
    assert digest_due(DEADLINE, DEFAULT, local(2018, 6, 30, 9, 0), HCM) is None, "Saturday"
    assert digest_due(DEADLINE, DEFAULT, local(2018, 7, 2, 7, 0), HCM) is None, "before the hour"
    assert digest_due(DEADLINE, DEFAULT, local(2018, 7, 2, 8, 0), HCM) == date(2018, 7, 2)
    assert digest_due(DEADLINE, DEFAULT, local(2018, 7, 3, 8, 0), HCM) == date(2018, 7, 3)
    assert digest_due(DEADLINE, DEFAULT, local(2018, 9, 3, 8, 0), HCM) is None, "a month later it stops"


def test_the_next_reminder_is_the_earliest_still_to_come() -> None:
    upcoming = next_fire(DEADLINE, DEFAULT, local(2018, 6, 26, 9, 0), HCM)
    assert upcoming is not None and upcoming.offset == -1 and upcoming.at == local(2018, 6, 28, 8, 0)
    assert next_fire(DEADLINE, DEFAULT, local(2018, 7, 3, 9, 0), HCM) is None


@pytest.mark.parametrize(
    ("typed", "offsets"),
    [("-7,-3,-1,0,1,3", (-7, -3, -1, 0, 1, 3)), ("3, +1, -1", (-1, 1, 3)), ("0", (0,)), ("-1,-1", (-1,))],
)
def test_offsets_as_typed(typed: str, offsets: tuple[int, ...]) -> None:
    assert parse_offsets(typed) == offsets


@pytest.mark.parametrize("typed", ["", "a", "-7,,1", "1.5", "-400", "7;x"])
def test_bad_offsets_are_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_offsets(typed)


def test_offsets_shown_with_their_sign() -> None:
    assert show_offsets((-7, 0, 3)) == "-7,0,+3"
