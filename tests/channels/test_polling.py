"""Long polling and failed tries for any platform, on a fake update type and a fake getUpdates."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from bot.channels.polling import GIVE_UP_AFTER, FailedTries, LongPolling, NotApplied


@dataclass(frozen=True)
class Note:
    """A platform's update, reduced to what polling needs: an id, who sent it, what it says."""

    id: int
    member: str | None
    text: str


@dataclass
class Platform:
    """A getUpdates endpoint: keeps every update at or above the offset last asked for."""

    updates: list[Note] = field(default_factory=list)
    offsets: list[int | None] = field(default_factory=list)
    fail_fetches: int = 0

    async def fetch(self, offset: int | None, timeout: int) -> Sequence[Note]:
        self.offsets.append(offset)
        if self.fail_fetches:
            self.fail_fetches -= 1
            raise ConnectionResetError("platform unreachable")
        if offset is not None:
            self.updates = [note for note in self.updates if note.id >= offset]
        if not self.updates and timeout:
            await asyncio.sleep(0.01)
        return list(self.updates)

    @property
    def confirmed_below(self) -> int:
        return max((offset or 0) for offset in self.offsets) if self.offsets else 0


@dataclass
class Bot:
    """Applies notes, a repeat as a no-op (as the service does); one whose text is in `broken` fails
    that many more times."""

    applied: list[Note] = field(default_factory=list)
    broken: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    most_in_flight: int = 0

    async def apply(self, note: Note) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            if self.broken.get(note.text):
                self.broken[note.text] -= 1
                raise NotApplied()
            if note not in self.applied:
                self.applied.append(note)
        finally:
            self.in_flight -= 1


def polling(platform: Platform, bot: Bot) -> LongPolling[Note]:
    return LongPolling(
        fetch=platform.fetch,
        apply=bot.apply,
        update_id=lambda note: note.id,
        member_key=lambda note: note.member,
        fetch_errors=(OSError,),
        max_delay=0.05,
    )


async def run_until(platform: Platform, bot: Bot, done: int) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(polling(platform, bot).run(stop, timeout=1))
    try:
        for _ in range(500):
            if platform.confirmed_below >= done:
                break
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await task


async def test_members_are_applied_side_by_side_each_members_notes_in_order() -> None:
    notes = [Note(i, f"m{i % 3}", f"{i}") for i in range(1, 10)]
    bot = Bot()
    offset, failed = await polling(Platform(), bot).apply_batch(notes)
    assert (offset, failed) == (10, False)
    for member in ("m0", "m1", "m2"):
        mine = [note.id for note in bot.applied if note.member == member]
        assert mine == sorted(mine), "a member's notes keep their order"
    assert bot.most_in_flight == 3, "three members at once, never two notes of one member"


async def test_the_offset_never_passes_a_failed_note_and_the_members_later_notes_wait() -> None:
    notes = [Note(1, "a", "a1"), Note(2, "b", "b1"), Note(3, "a", "a2"), Note(4, "b", "b2")]
    bot = Bot(broken={"a1": 1})
    offset, failed = await polling(Platform(), bot).apply_batch(notes)
    assert (offset, failed) == (1, True)
    assert [note.text for note in bot.applied] == ["b1", "b2"], "a2 waits behind a1"


async def test_a_failed_note_comes_back_and_each_is_applied_once_in_order() -> None:
    platform = Platform([Note(1, "a", "a1"), Note(2, "b", "b1"), Note(3, "a", "a2")])
    bot = Bot(broken={"a1": 2})
    await run_until(platform, bot, done=4)
    assert [note.text for note in bot.applied if note.member == "a"] == ["a1", "a2"]
    assert sorted(note.id for note in bot.applied) == [1, 2, 3]
    assert platform.offsets[:3] == [None, 1, 1], "fetched again from the failed note while it failed"
    assert platform.offsets[-1] == 4, "on stop, what was applied is confirmed"


async def test_a_platform_that_cannot_be_reached_is_tried_again() -> None:
    platform = Platform([Note(1, "a", "hello")], fail_fetches=2)
    bot = Bot()
    await run_until(platform, bot, done=2)
    assert [note.text for note in bot.applied] == ["hello"]


async def test_notes_without_a_member_are_each_their_own_line() -> None:
    bot = Bot()
    offset, _ = await polling(Platform(), bot).apply_batch([Note(5, None, "x"), Note(6, None, "y")])
    assert offset == 7 and bot.most_in_flight == 2


def test_a_bug_is_counted_and_let_go_after_the_tries_a_dropped_connection_never() -> None:
    tries = FailedTries()
    for _ in range(GIVE_UP_AFTER - 1):
        with pytest.raises(NotApplied):
            tries.failed(7, ValueError("a bug"))
    assert tries.failed(7, ValueError("a bug")) == GIVE_UP_AFTER, "time to tell the member"
    for _ in range(GIVE_UP_AFTER * 3):
        with pytest.raises(NotApplied):
            tries.failed(8, ConnectionResetError("connection dropped"))
        with pytest.raises(NotApplied):
            tries.failed(8, sqlite3.OperationalError("database is locked"))
    with pytest.raises(NotApplied):
        tries.failed(8, ValueError("a bug"))  # the outage did not count: this is the first try
