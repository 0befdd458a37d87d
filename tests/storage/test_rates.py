"""The bot-wide send rate shared by every process (storage/rates.py), on a clock the test drives."""

from __future__ import annotations

import asyncio

import pytest

from storage import rates
from storage.db import Database


async def reserve(db: Database, now: float, want: int = 10, channel: str = "telegram") -> rates.Reservation:
    async with db.session() as session, session.begin():
        return await rates.reserve(session, channel, now=now, interval=0.1, want=want, horizon=0.25)


async def test_send_times_are_spaced_and_reach_only_a_little_ahead(database: Database) -> None:
    first = await reserve(database, now=100.0)
    assert first.times == pytest.approx((100.0, 100.1, 100.2)), "0.1 s apart, none past the horizon"
    again = await reserve(database, now=100.02)
    assert again.times == (), "the next free time (100.3) is past this moment's horizon"
    assert again.next_free == pytest.approx(100.3)
    later = await reserve(database, now=100.3, want=2)
    assert later.times == pytest.approx((100.3, 100.4)), "only as many as asked for"


async def test_a_quiet_channel_gives_no_burst_afterwards(database: Database) -> None:
    await reserve(database, now=100.0)
    quiet = await reserve(database, now=500.0)
    assert quiet.times == pytest.approx((500.0, 500.1, 500.2)), "from now, never a backlog of old times"


async def test_channels_have_their_own_rates(database: Database) -> None:
    await reserve(database, now=100.0)
    other = await reserve(database, now=100.0, channel="zalo_oa")
    assert other.times[0] == pytest.approx(100.0)


async def test_a_pause_holds_every_process_back_until_it_ends(database: Database) -> None:
    await reserve(database, now=100.0, want=1)
    async with database.session() as session, session.begin():
        await rates.pause(session, "telegram", 103.0)
        await rates.pause(session, "telegram", 102.0)  # a shorter pause does not shorten it
    during = await reserve(database, now=101.0)
    assert during.times == () and during.paused_until == pytest.approx(103.0)
    after = await reserve(database, now=103.0, want=1)
    assert after.times == pytest.approx((103.0,))


async def test_two_processes_reserving_at_once_never_get_the_same_time(database_url: str) -> None:
    first, second = Database.connect(database_url), Database.connect(database_url)
    try:
        results = await asyncio.gather(
            *(reserve(db, now=200.0 + 0.01 * (i // 2), want=2) for i, db in enumerate([first, second] * 20))
        )
    finally:
        await first.dispose()
        await second.dispose()
    times = sorted(at for reservation in results for at in reservation.times)
    assert times, "some times were granted"
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.1 - 1e-9, "every send of the bot 0.1 s after the one before, whichever process"
