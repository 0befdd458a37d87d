"""The outbox across processes (issue 10): replies ahead of a broadcast, Telegram's limits kept by
the bot as a whole when two processes send, a 429 that pauses every process."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta

from bot.channels.base import DeliveryError, RateLimits, RenderedMessage
from bot.channels.telegram.sender import TelegramSender
from bot.outbox import Outbox
from bot.service import Outbound
from dialogs.events import Msg, Reply
from storage import outbox as store
from storage.db import Database
from tests.channels.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.channels.test_outbox import RecordingSender, queue, rows, texts, until


async def broadcast(box: Outbox, database: Database, chats: list[str], channel: str = "fake") -> None:
    """Reminders: one bulk message to each chat, queued in one transaction, then the poller woken."""
    async with database.session() as session, session.begin():
        for chat in chats:
            await box.queue_messages(session, channel, chat, [RenderedMessage(f"nhắc {chat}")], bulk=True)
    box.wake()


async def reply(box: Outbox, database: Database, chat: str, channel: str = "fake") -> None:
    """A turn of `chat` that answers with one message, queued in its transaction, then dispatched."""
    queued = box.within(channel)
    async with database.session() as session, session.begin():
        await queued(session, Outbound(chat, "vi", (Reply(body=(Msg("service.retry"),)),)))
    box.dispatch(queued)


def sent_to(sender: RecordingSender, chat: str) -> list[str]:
    return [text for chat_id, text, _ in sender.sent if chat_id == chat]


@asynccontextmanager
async def two_processes(database_url: str, *senders: object, **options: float) -> AsyncIterator[list[Outbox]]:
    """Two outboxes, each on its own Database (its own connections), as two bot processes are."""
    async with AsyncExitStack() as stack:
        boxes = []
        for sender in senders:
            db = Database.connect(database_url)
            stack.push_async_callback(db.dispose)
            box = Outbox(db, {sender.name: sender}, poll_seconds=0.05, lease_seconds=5, **options)  # type: ignore[attr-defined]
            await stack.enter_async_context(box.running())
            boxes.append(box)
        yield boxes


async def test_a_cadre_who_writes_during_a_broadcast_is_answered_at_once(database: Database) -> None:
    sender = RecordingSender(RateLimits(per_second=20, per_chat_per_second=1, per_chat_burst=1))
    box = Outbox(database, {"fake": sender}, poll_seconds=0.05, lease_seconds=5)
    async with box.running():
        await broadcast(box, database, [f"b{i}" for i in range(80)])
        await until(lambda: len(sender.sent) >= 10)
        asked = time.monotonic()
        await reply(box, database, "cadre")
        await until(lambda: bool(sent_to(sender, "cadre")))
        answered = time.monotonic() - asked
        reminded = len(sender.sent) - 1
    assert answered < 0.3, f"answered after {answered:.2f} s, not after the broadcast"
    assert reminded < 40, "the broadcast was still under way"


async def test_a_reply_overtakes_the_reminder_waiting_in_its_own_chat(database: Database) -> None:
    sender = RecordingSender(RateLimits(per_second=5, per_chat_per_second=1, per_chat_burst=1))
    box = Outbox(database, {"fake": sender}, poll_seconds=0.05, lease_seconds=5)
    async with box.running():
        await broadcast(box, database, ["b0", "b1", "b2", "42", "b3"])
        await until(lambda: len(sender.sent) >= 1)  # this process holds the broadcast now
        await reply(box, database, "42")
        await until(lambda: len(sender.sent) == 6, timeout=10)
    assert len(sent_to(sender, "42")) == 2
    assert sent_to(sender, "42")[1] == "nhắc 42", "the reply first, then the chat's reminder"
    assert sender.sent[1][0] == "42", "the reply went out with the very next send"


async def test_a_reply_overtakes_its_chats_reminder_nobody_holds_yet(database: Database) -> None:
    sender = RecordingSender(RateLimits(per_second=5, per_chat_per_second=1, per_chat_burst=1))
    box = Outbox(database, {"fake": sender}, poll_seconds=0.05, lease_seconds=5)
    async with box.running():
        # More than one process holds at once (2 s of sending): the last reminder waits in the table.
        await broadcast(box, database, [*(f"b{i}" for i in range(12)), "42"])
        await until(lambda: len(sender.sent) >= 1)
        asked = time.monotonic()
        await reply(box, database, "42")
        await until(lambda: bool(sent_to(sender, "42")))
        answered = time.monotonic() - asked
        await until(lambda: len(sender.sent) == 14, timeout=15)
    assert answered < 0.5
    assert sent_to(sender, "42")[1] == "nhắc 42", "the reminder still goes, after the reply"


async def test_a_broadcast_is_held_a_little_at_a_time_so_another_process_can_share_it(
    database: Database,
) -> None:
    sender = RecordingSender(RateLimits(per_second=5, per_chat_per_second=1, per_chat_burst=1))
    box = Outbox(database, {"fake": sender}, poll_seconds=0.05, lease_seconds=5)
    async with box.running():
        await broadcast(box, database, [f"b{i}" for i in range(40)])
        await until(lambda: len(sender.sent) >= 1)
        leased = [row for row in await rows(database) if row.status == "pending" and row.leased_by]
    assert 1 <= len(leased) <= 10, "about two seconds of sending, not the whole broadcast"
    assert all(row.bulk for row in await rows(database))


async def test_one_chat_gets_one_message_a_second_across_two_processes(database_url: str) -> None:
    sent: list[tuple[str, str, float]] = []
    limits = RateLimits(per_second=1000, per_chat_per_second=4, per_chat_burst=1)
    first, second = RecordingSender(limits, sent), RecordingSender(limits, sent)
    setup = Database.connect(database_url)
    try:
        for chat in ("c0", "c1", "c2"):
            await queue(setup, chat, texts(4, chat))
    finally:
        await setup.dispose()
    async with two_processes(database_url, first, second):
        await until(lambda: len(sent) == 12, timeout=20)
    for chat in ("c0", "c1", "c2"):
        times = [at for chat_id, _, at in sent if chat_id == chat]
        assert [text for chat_id, text, _ in sent if chat_id == chat] == [f"{chat} {i}" for i in range(4)]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert min(gaps) >= 0.25 - 0.02, f"{chat}: {gaps}: never two sends within the per-chat interval"


async def test_two_processes_together_stay_within_telegrams_30_a_second(database_url: str) -> None:
    with FakeBotApi(per_second=30) as api:
        delivered: list[str] = []
        at: list[float] = []

        def on_send(method: str, params: dict[str, object]) -> None:
            delivered.append(str(params["chat_id"]))
            at.append(time.monotonic())

        api.on_send = on_send
        senders = [TelegramSender(TOKEN, api_base=api.base_url) for _ in range(2)]
        try:
            async with two_processes(database_url, *senders) as boxes:
                await broadcast(boxes[0], boxes[0].db, [str(1000 + i) for i in range(90)], channel="telegram")
                boxes[1].wake()
                await until(lambda: len(delivered) == 90, timeout=30)
        finally:
            for sender in senders:
                await sender.close()
        assert api.flooded == 0, "no send was ever refused for going too fast"
        assert sorted(delivered) == sorted(str(1000 + i) for i in range(90)), "each reminder delivered once"
        rate = 89 / (at[-1] - at[0])
        # The benchmark measures the rate (bench/bench_reminders.py); a loaded test machine loses some.
        assert rate >= 20, f"{rate:.1f} messages/s: near the limit, not far under it"


async def test_a_429_pauses_every_process_for_as_long_as_it_says(database_url: str) -> None:
    sent: list[tuple[str, str, float]] = []
    limits = RateLimits(per_second=40, per_chat_per_second=10, per_chat_burst=1)
    first, second = RecordingSender(limits, sent), RecordingSender(limits, sent)
    second.script = first.script
    first.script["nhắc b10"] = [DeliveryError("429", retry_after=1.0)]
    async with two_processes(database_url, first, second) as boxes:
        await broadcast(boxes[0], boxes[0].db, [f"b{i}" for i in range(30)])
        boxes[1].wake()
        await until(lambda: len(sent) == 30, timeout=20)
    flood = next(at for text, at in first.tries + second.tries if text == "nhắc b10")
    during = [text for _, text, at in sent if flood + 0.3 < at < flood + 0.95]
    assert during == [], "neither process sent while the platform asked to wait (beyond a reserved moment)"
    assert [text for _, text, _ in sent].count("nhắc b10") == 1


async def test_without_the_shared_rate_each_process_keeps_its_own(database: Database) -> None:
    async def unreachable(*args: object, **kwargs: object) -> None:
        raise ConnectionError("database unreachable")

    sender = RecordingSender(RateLimits(per_second=20, per_chat_per_second=1, per_chat_burst=1))
    box = Outbox(database, {"fake": sender}, poll_seconds=0.05, lease_seconds=5)
    box.reserve = unreachable  # type: ignore[assignment,method-assign]
    async with box.running():
        await broadcast(box, database, [f"b{i}" for i in range(40)])
        await until(lambda: len(sender.sent) == 40, timeout=10)
    times = [at for _, _, at in sender.sent]
    assert times[-1] - times[0] >= 0.9, "20 at once, then 20 a second: never faster than the process's rate"


async def test_bulk_rows_are_claimed_after_every_reply(database: Database) -> None:
    await queue(database, "a", texts(1, "trả lời a"))
    async with database.session() as session, session.begin():
        now = datetime.now(UTC)
        await store.enqueue(session, "fake", "x", texts(1, "nhắc"), now=now, bulk=True)
        await store.enqueue(session, "fake", "y", texts(1, "trả lời y"), now=now)
        claimed = await store.claim(
            session, "w", ["fake"], now=now, lease_until=now + timedelta(seconds=5), limit=2
        )
    assert [m.body for m in claimed] == ["trả lời a 0", "trả lời y 0"], "both replies before the reminder"
