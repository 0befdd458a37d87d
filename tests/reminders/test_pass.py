"""A reminders pass: only the late get it, at the right local time, each once; who is told instead."""

from __future__ import annotations

import asyncio

import pytest

from storage.db import Database
from tests.bot.oversight_world import Province, submit
from tests.reminders.conftest import local, queued, reminder_pass, reminders, run_pass

# The communes' deadline is Sunday 30/6/2030: −7 fires on Friday 21/6, −3 on Thursday 27/6, −1 and 0
# both on Friday 28/6 (one reminder), +1 on Monday 1/7, +3 on Wednesday 3/7; at 08:00 local.
MINUS_3 = local(2030, 6, 27, 8, 0)
FRIDAY = local(2030, 6, 28, 8, 0)
MONDAY = local(2030, 7, 1, 8, 0)


async def test_only_the_late_are_reminded_at_eight_local_each_once(province: Province) -> None:
    db = province.database
    done = await province.joined("x11", "X11")
    await province.joined("x12", "X12")
    await province.joined("x21", "X21")
    await submit(done)

    report = await run_pass(db, local(2030, 6, 27, 7, 59))
    assert report.queued == 0 and await queued(db) == {}, "not before 08:00"

    report = await run_pass(db, MINUS_3)
    sent = await queued(db)
    assert set(sent) == {"x12", "x21"}, "the commune that submitted gets nothing"
    [text] = sent["x12"]
    assert "Báo cáo “Tổng kết Chỉ thị 30” của Xã Một Hai: còn 3/3 câu, hạn 30/06/2030 — còn 3 ngày" in text
    assert "tiếp tục" in text, "what to type to resume (the terminal has no buttons)"

    again = await run_pass(db, local(2030, 6, 27, 15, 0))
    assert again.queued == 0 and await queued(db) == sent, "a later pass the same day sends nothing twice"


async def test_a_unit_that_submits_between_two_offsets_gets_no_later_reminder(province: Province) -> None:
    db = province.database
    early = await province.joined("x11", "X11")
    await province.joined("x12", "X12")
    await run_pass(db, MINUS_3)
    await submit(early)
    await run_pass(db, FRIDAY)
    sent = await queued(db)
    assert len(sent["x11"]) == 1, "reminded at −3, submitted, then nothing"
    assert len(sent["x12"]) == 2 and "hôm nay" not in sent["x12"][1]
    assert "còn 2 ngày" in sent["x12"][1], "−1 and 0 moved onto Friday: one reminder, counted from today"


async def test_a_returned_report_counts_as_not_submitted(province: Province) -> None:
    db = province.database
    cadre = await province.joined("x11", "X11")
    district = await province.joined("h1", "H1")
    await submit(cadre)
    assert "trả lại" in (await district.says("/tralai X11 Thiếu số liệu")).lower()
    await run_pass(db, MINUS_3)
    [*_, text] = (await queued(db))["x11"]
    assert "Xã Một Một" in text and "trả lại" in text


async def test_a_unit_nobody_joined_is_reported_to_its_supervisor_instead(province: Province) -> None:
    db = province.database
    await province.joined("x11", "X11")
    await province.joined("h1", "H1")  # over X11 and X12; X12 has nobody
    await province.joined("t", "T")  # H2 has no supervisor: X21 goes up to the province
    await run_pass(db, MINUS_3)
    sent = await queued(db)
    [district] = sent["h1"]
    assert "Xã Một Hai (X12)" in district and "chưa có ai tham gia bot" in district
    assert "Xã Một Một" not in district
    [province_text] = sent["t"]
    assert "Xã Hai Một (X21)" in province_text and "X12" not in province_text
    await run_pass(db, MINUS_3)
    assert await queued(db) == sent


async def test_overdue_units_go_to_their_supervisors_in_one_digest_a_day(province: Province) -> None:
    db = province.database
    await province.joined("x11", "X11")
    await province.joined("x12", "X12")
    await province.joined("x21", "X21")
    await province.joined("h1", "H1")
    await province.joined("h2", "H2")
    await run_pass(db, MONDAY)
    sent = await queued(db)
    [digest] = sent["h1"]
    assert "2 đơn vị quá hạn chưa nộp" in digest
    assert "Xã Một Một (X11)" in digest and "Xã Một Hai (X12)" in digest and "quá hạn 1 ngày" in digest
    assert "X21" not in digest
    assert len(sent["h2"]) == 1 and "Xã Hai Một (X21)" in sent["h2"][0]
    assert "đã quá hạn 1 ngày" in sent["x11"][0], "the communes get their +1 reminder too"

    await run_pass(db, local(2030, 7, 1, 16, 0))
    assert await queued(db) == sent, "one digest a day"
    await run_pass(db, local(2030, 7, 2, 8, 0))
    after = await queued(db)
    assert len(after["h1"]) == 2 and "quá hạn 2 ngày" in after["h1"][1]
    assert len(after["x11"]) == 1, "no commune reminder on Tuesday (+1 was Monday, +3 is Wednesday)"


async def test_a_pass_killed_half_way_sends_the_rest_once_when_run_again(province: Province) -> None:
    db = province.database
    for index in range(4):
        await province.joined(f"x11-{index}", "X11")
    await province.joined("x12", "X12")

    class Killed(Exception):
        pass

    def die_after_two(batch: int) -> None:
        if batch == 2:
            raise Killed

    with pytest.raises(Killed):
        await run_pass(db, MINUS_3, batch=1, after_batch=die_after_two)
    assert sum(len(texts) for texts in (await queued(db)).values()) == 2, "two whole batches committed"
    await run_pass(db, MINUS_3)
    sent = await queued(db)
    assert set(sent) == {"x11-0", "x11-1", "x11-2", "x11-3", "x12"}
    assert all(len(texts) == 1 for texts in sent.values()), "the rest once, nothing twice"
    recorded = await reminders(db)
    assert len(recorded) == 5 and all(outbox_id is not None for _, _, outbox_id, _ in recorded)
    assert len({outbox_id for _, _, outbox_id, _ in recorded}) == 5, "each its own outbox row"


async def test_two_passes_at_once_on_two_connections_send_each_reminder_once(
    province: Province, database_url: str
) -> None:
    for index in range(5):  # an invite code has five uses
        await province.joined(f"a{index}", "X11")
        await province.joined(f"b{index}", "X12")
    other = Database.connect(database_url)
    try:
        first, second = await asyncio.gather(
            reminder_pass(province.database, batch=2).run(MINUS_3), reminder_pass(other, batch=2).run(MINUS_3)
        )
    finally:
        await other.dispose()
    sent = await queued(province.database)
    assert len(sent) == 10 and all(len(texts) == 1 for texts in sent.values())
    assert first.reminders + second.reminders == 10
