"""The outbox shared by every channel: limits, 429, retries, leases, several processes, restarts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

import bot.outbox
from bot.channels.base import Capabilities, DeliveryError, RateLimits, RenderedDocument, RenderedMessage
from bot.outbox import CannotCarry, Outbox, TokenBucket
from bot.service import Outbound
from dialogs.events import Msg, Reply
from storage import outbox as store
from storage.db import Database
from storage.models import OutboxMessage
from storage.outbox import NewMessage

FAST = RateLimits(per_second=1000, per_chat_per_second=1000, per_chat_burst=100)


class RecordingSender:
    """A channel that records what it delivers and fails on cue: {text: [error or None per try]}."""

    name = "fake"
    capabilities = Capabilities(buttons=True, files=True, edits=False, max_length=1000)

    def __init__(self, limits: RateLimits = FAST, sent: list[tuple[str, str, float]] | None = None) -> None:
        self.limits = limits
        self.sent = sent if sent is not None else []
        self.tries: list[tuple[str, float]] = []
        self.script: dict[str, list[DeliveryError | None]] = {}
        self.documents: list[RenderedDocument] = []

    async def send(self, chat_id: str, message: RenderedMessage) -> str | None:
        self.tries.append((message.text, time.monotonic()))
        script = self.script.get(message.text)
        if script:
            error = script.pop(0)
            if error is not None:
                raise error
        await asyncio.sleep(0)
        self.sent.append((chat_id, message.text, time.monotonic()))
        return str(len(self.sent))

    async def send_document(self, chat_id: str, document: RenderedDocument) -> str | None:
        self.documents.append(document)
        self.sent.append((chat_id, f"file:{document.filename}", time.monotonic()))
        return "doc"


def texts(n: int, prefix: str = "tin") -> list[NewMessage]:
    return [NewMessage(kind="text", body=f"{prefix} {i}") for i in range(n)]


async def replies_of_a_turn(box: Outbox, database: Database, n: int) -> None:
    """A turn that queues `n` replies to chat 42 in its transaction; the process then sends them."""
    queued = box.within("fake")
    async with database.session() as session, session.begin():
        replies = tuple(Reply(body=(Msg(f"tin {i}"),)) for i in range(n))
        await queued(session, Outbound("42", "vi", replies))
    box.dispatch(queued)


async def queue(
    database: Database,
    chat_id: str,
    messages: list[NewMessage],
    *,
    channel: str = "fake",
    leased_by: str | None = None,
    lease_for: float = 30.0,
) -> list[int]:
    now = datetime.now(UTC)
    async with database.session() as session, session.begin():
        rows = await store.enqueue(
            session,
            channel,
            chat_id,
            messages,
            now=now,
            worker=leased_by,
            lease_until=now + timedelta(seconds=lease_for) if leased_by else None,
        )
    return [row.id for row in rows]


async def rows(database: Database) -> list[OutboxMessage]:
    async with database.session() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def until(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


@pytest.fixture
async def outbox(database: Database) -> AsyncIterator[tuple[Outbox, RecordingSender]]:
    sender = RecordingSender()
    box = Outbox(database, {sender.name: sender}, poll_seconds=0.05, lease_seconds=5)
    async with box.running():
        yield box, sender


def test_a_token_bucket_allows_a_burst_then_its_rate() -> None:
    bucket = TokenBucket(rate=1.0, burst=3)
    for _ in range(3):
        assert bucket.ready_at(10.0) == 10.0
        bucket.take(10.0)
    assert bucket.ready_at(10.0) == pytest.approx(11.0)
    assert bucket.ready_at(12.5) == 12.5


async def test_replies_go_out_once_the_turn_commits_and_never_if_it_rolls_back(
    database: Database, outbox: tuple[Outbox, RecordingSender]
) -> None:
    box, sender = outbox
    outbound = Outbound("42", "vi", (Reply(body=(Msg("service.need_invite"),)),))

    queued = box.within("fake")
    with pytest.raises(RuntimeError):
        async with database.session() as session, session.begin():
            await queued(session, outbound)
            raise RuntimeError("the turn failed after queueing its replies")
    await asyncio.sleep(0.2)
    assert sender.sent == [] and await rows(database) == []

    queued = box.within("fake")
    async with database.session() as session, session.begin():
        await queued(session, outbound)
    assert queued.held, "the process that ran the turn sends its replies itself"
    box.dispatch(queued)
    await until(lambda: len(sender.sent) == 1)
    assert sender.sent[0][1].startswith("Xin chào")
    await until(lambda: box.held == 0)
    await asyncio.sleep(0.1)
    [row] = await rows(database)
    assert (row.status, row.leased_by, row.external_id) == ("sent", None, "1")


async def test_one_chat_gets_a_short_burst_then_its_rate_in_order(database: Database) -> None:
    sender = RecordingSender(RateLimits(per_second=1000, per_chat_per_second=10, per_chat_burst=2))
    box = Outbox(database, {"fake": sender}, poll_seconds=0.05)
    async with box.running():
        await replies_of_a_turn(box, database, 6)
        await until(lambda: len(sender.sent) == 6)
    assert [text for _, text, _ in sender.sent] == [f"tin {i}" for i in range(6)]
    times = [at for _, _, at in sender.sent]
    assert times[1] - times[0] < 0.08, "a burst of two goes at once, not 0.1 s apart"
    # Then ten a second: a send that went late leaves part of a token, so the next may follow a
    # little sooner, but never more than the rate since the burst.
    since_burst = [at - times[1] for at in times[2:]]
    assert all(elapsed >= 0.1 * (k + 1) - 0.01 for k, elapsed in enumerate(since_burst)), since_burst


async def test_all_chats_together_stay_under_the_overall_rate(database: Database) -> None:
    sender = RecordingSender(RateLimits(per_second=20, per_chat_per_second=1, per_chat_burst=3))
    for chat in range(40):
        await queue(database, str(chat), texts(1, f"chat {chat}"))
    started = time.monotonic()
    async with Outbox(database, {"fake": sender}, poll_seconds=0.05).running():
        await until(lambda: len(sender.sent) == 40)
    elapsed = time.monotonic() - started
    assert elapsed >= 0.95, "20 at once, then 20 a second: the last of 40 goes after a second"
    first_half_second = [at for _, _, at in sender.sent if at - sender.sent[0][2] < 0.5]
    assert len(first_half_second) <= 20 + 11


async def test_a_429_is_waited_out_and_the_message_sent_once(database: Database) -> None:
    sender = RecordingSender()
    sender.script["tin 0"] = [DeliveryError("429", retry_after=0.6)]
    await queue(database, "42", texts(2))
    async with Outbox(database, {"fake": sender}, poll_seconds=0.05).running():
        await until(lambda: len(sender.sent) == 2)
        await asyncio.sleep(0.1)
    assert [text for _, text, _ in sender.sent] == ["tin 0", "tin 1"], "sent once each, in order"
    (first_try, _), (second_try, at) = sender.tries[0], sender.tries[1]
    assert first_try == second_try == "tin 0" and at - sender.tries[0][1] >= 0.6
    assert [(r.status, r.attempts) for r in await rows(database)] == [("sent", 0), ("sent", 0)]


async def test_transient_failures_are_retried_with_backoff_and_sent_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.outbox, "BACKOFF_FIRST", 0.05)
    sender = RecordingSender()
    sender.script["tin 0"] = [DeliveryError("500 server error"), DeliveryError("timeout")]
    await queue(database, "42", texts(1))
    async with Outbox(database, {"fake": sender}, poll_seconds=0.05).running():
        await until(lambda: len(sender.sent) == 1)
        await asyncio.sleep(0.1)
    assert len(sender.tries) == 3 and len(sender.sent) == 1
    [row] = await rows(database)
    assert (row.status, row.attempts) == ("sent", 2)


async def test_a_permanent_failure_is_recorded_and_the_chat_moves_on(database: Database) -> None:
    sender = RecordingSender()
    sender.script["tin 0"] = [DeliveryError("Forbidden: bot was blocked by the user", permanent=True)]
    await queue(database, "42", texts(2))
    async with Outbox(database, {"fake": sender}, poll_seconds=0.05).running():
        await until(lambda: len(sender.sent) == 1)
        await asyncio.sleep(0.1)
    first, second = await rows(database)
    assert (first.status, first.error) == ("failed", "Forbidden: bot was blocked by the user")
    assert second.status == "sent"


async def test_rows_of_a_process_that_died_are_sent_once_its_lease_runs_out(database: Database) -> None:
    sender = RecordingSender()
    await queue(database, "42", texts(2), leased_by="dead-process", lease_for=0.6)
    async with Outbox(database, {"fake": sender}, poll_seconds=0.05).running():
        await asyncio.sleep(0.3)
        assert sender.sent == [], "the lease still holds: the other process may be sending them"
        await until(lambda: len(sender.sent) == 2)
    assert [text for _, text, _ in sender.sent] == ["tin 0", "tin 1"]


async def test_two_processes_draining_one_outbox_send_each_message_once_in_order(database_url: str) -> None:
    first_db, second_db = Database.connect(database_url), Database.connect(database_url)
    try:
        sent: list[tuple[str, str, float]] = []
        for chat in range(8):
            await queue(first_db, f"c{chat}", texts(8, f"c{chat}"))
        boxes = [
            Outbox(db, {"fake": RecordingSender(sent=sent)}, poll_seconds=0.02, lease_seconds=5)
            for db in (first_db, second_db)
        ]
        async with boxes[0].running(), boxes[1].running():
            await until(lambda: len(sent) == 64, timeout=20)
            await asyncio.sleep(0.2)
        assert len({text for _, text, _ in sent}) == 64, "no message twice"
        for chat in range(8):
            mine = [text for chat_id, text, _ in sent if chat_id == f"c{chat}"]
            assert mine == [f"c{chat} {i}" for i in range(8)], "one chat's messages in order"
        assert {r.status for r in await rows(first_db)} == {"sent"}
    finally:
        await first_db.dispose()
        await second_db.dispose()


async def test_replies_queue_behind_rows_another_process_still_holds(
    database: Database, outbox: tuple[Outbox, RecordingSender]
) -> None:
    box, sender = outbox
    [other] = await queue(database, "42", texts(1, "other"), leased_by="other-process", lease_for=30)
    queued = box.within("fake")
    async with database.session() as session, session.begin():
        await queued(session, Outbound("42", "vi", (Reply(body=(Msg("service.retry"),)),)))
    assert not queued.held
    box.dispatch(queued)
    await asyncio.sleep(0.3)
    assert sender.sent == [], "ours must not overtake the other process's message to the same chat"
    async with database.session() as session, session.begin():
        await store.finish(session, sent=[(other, "1")], now=datetime.now(UTC))
    box.wake()
    await until(lambda: len(sender.sent) == 1)


async def test_stopping_gives_back_the_rows_not_yet_sent(database: Database) -> None:
    sender = RecordingSender(RateLimits(per_second=100, per_chat_per_second=0.2, per_chat_burst=1))
    box = Outbox(database, {"fake": sender}, poll_seconds=0.05)
    async with box.running():
        await replies_of_a_turn(box, database, 3)
        await until(lambda: len(sender.sent) == 1)
    statuses = [(r.status, r.leased_by) for r in await rows(database)]
    assert statuses == [("sent", None), ("pending", None), ("pending", None)]


async def test_a_document_goes_out_through_the_outbox(
    database: Database, outbox: tuple[Outbox, RecordingSender]
) -> None:
    box, sender = outbox
    async with database.session() as session, session.begin():
        await box.queue_document(session, "fake", "42", "tong-hop.docx", b"PK\x03\x04 docx", "Tổng hợp")
    box.wake()
    await until(lambda: len(sender.documents) == 1)
    assert sender.documents[0] == RenderedDocument("tong-hop.docx", b"PK\x03\x04 docx", "Tổng hợp")


async def test_a_file_is_refused_for_a_channel_without_files_or_over_its_limit(database: Database) -> None:
    plain = Capabilities(buttons=False, files=False, edits=False, max_length=2000)
    small = Capabilities(buttons=False, files=True, edits=False, max_length=2000, file_limit=1000)
    box = Outbox(database, capabilities={"plain": plain, "small": small}, poll_seconds=0.05)
    async with database.session() as session, session.begin():
        with pytest.raises(CannotCarry):
            await box.queue_document(session, "plain", "42", "tong-hop.docx", b"PK", "Tổng hợp")
        with pytest.raises(CannotCarry):
            await box.queue_document(session, "small", "42", "tong-hop.docx", b"x" * 1001, "Tổng hợp")
        await box.queue_document(session, "small", "42", "tong-hop.docx", b"x" * 1000, "A & B")
    [row] = await rows(database)
    assert (row.channel, row.body) == ("small", "A & B"), "the caption is queued as given, not escaped again"


async def test_rows_waiting_while_the_database_was_unreachable_are_given_back_not_sent_blind(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = RecordingSender(RateLimits(per_second=100, per_chat_per_second=0.8, per_chat_burst=1))
    box = Outbox(database, {"fake": sender}, poll_seconds=0.05, lease_seconds=1.2)
    real_renew = store.renew
    unreachable = True

    async def renew(*args, **kwargs):  # type: ignore[no-untyped-def]
        if unreachable:
            raise ConnectionError("database unreachable")
        return await real_renew(*args, **kwargs)

    monkeypatch.setattr(store, "renew", renew)
    async with box.running():
        await replies_of_a_turn(box, database, 3)
        await until(lambda: len(sender.sent) == 1)
        await asyncio.sleep(1.3)  # no renewal: the leases of the two waiting rows ran out
        assert len(sender.sent) == 1, "a row whose lease may have been taken over is not sent"
        unreachable = False
        await until(lambda: len(sender.sent) == 3, timeout=15)
        await asyncio.sleep(0.3)
    assert [text for _, text, _ in sender.sent] == ["tin 0", "tin 1", "tin 2"], "each once, in order"


class EditingSender(RecordingSender):
    """A channel that changes sent messages in place: `shown` is the chat as the member sees it."""

    capabilities = Capabilities(buttons=True, files=True, edits=True, max_length=1000)

    def __init__(self) -> None:
        super().__init__()
        self.shown: dict[str, str] = {}
        self.refuse_edits = False

    async def send(self, chat_id: str, message: RenderedMessage) -> str | None:
        external = await super().send(chat_id, message)
        assert external is not None
        self.shown[external] = message.text
        return external

    async def edit(self, chat_id: str, message_id: str, message: RenderedMessage) -> str | None:
        if self.refuse_edits:
            raise DeliveryError("message to edit not found", permanent=True)
        self.shown[message_id] = message.text
        return message_id


async def test_a_message_is_changed_in_place_where_the_channel_edits(database: Database) -> None:
    sender = EditingSender()
    box = Outbox(database, {sender.name: sender}, poll_seconds=0.05, lease_seconds=5)
    async with box.running():
        async with database.session() as session, session.begin():
            first = await box.queue_messages(session, "fake", "42", [RenderedMessage("Đang tổng hợp 0/120")])
        box.wake()
        for done in (40, 80):
            async with database.session() as session, session.begin():
                await box.queue_edit(
                    session, "fake", "42", first[0].id, RenderedMessage(f"Đang tổng hợp {done}/120")
                )
            box.wake()
        await until(lambda: list(sender.shown.values()) == ["Đang tổng hợp 80/120"])
    # One message in the chat, showing the latest count; the outbox knows what became of each row.
    assert [text for _, text, _ in sender.sent] == ["Đang tổng hợp 0/120"]
    assert [(row.kind, row.status, row.replaces) for row in await rows(database)] == [
        ("text", "sent", None),
        ("edit", "sent", first[0].id),
        ("edit", "sent", first[0].id),
    ]


async def sent_then_changed(database: Database, sender: RecordingSender) -> None:
    """ "Đang tổng hợp 0/120" queued, then changed to 60/120 in one transaction; until two sends."""
    box = Outbox(database, {sender.name: sender}, poll_seconds=0.05, lease_seconds=5)
    async with box.running():
        async with database.session() as session, session.begin():
            first = await box.queue_messages(session, "fake", "42", [RenderedMessage("Đang tổng hợp 0/120")])
            await box.queue_edit(session, "fake", "42", first[0].id, RenderedMessage("Đang tổng hợp 60/120"))
        box.wake()
        await until(lambda: len(sender.sent) == 2)


async def test_an_edit_the_platform_refuses_comes_as_a_new_message(database: Database) -> None:
    sender = EditingSender()
    sender.refuse_edits = True  # the member deleted the message, say
    await sent_then_changed(database, sender)
    assert [text for _, text, _ in sender.sent] == ["Đang tổng hợp 0/120", "Đang tổng hợp 60/120"]


async def test_an_edit_waits_for_the_message_it_changes_when_another_process_holds_it(
    database: Database,
) -> None:
    """The row to change is another process's to send: the edit waits behind it, then changes the
    message that process sent, never sending a second one."""
    sender = EditingSender()
    first = await queue(
        database, "42", [NewMessage(kind="text", body="Đang tổng hợp 0/120")], leased_by="other"
    )
    await queue(database, "42", [NewMessage(kind="edit", body="Đang tổng hợp 60/120", replaces=first[0])])
    box = Outbox(database, {sender.name: sender}, poll_seconds=0.05, lease_seconds=5)
    async with box.running():
        await asyncio.sleep(0.3)
        assert sender.tries == []
        async with database.session() as session, session.begin():
            await store.finish(session, sent=[(first[0], "777")], now=datetime.now(UTC))
        sender.shown["777"] = "Đang tổng hợp 0/120"  # what the other process sent
        box.wake()
        await until(lambda: sender.shown["777"] == "Đang tổng hợp 60/120")
    assert sender.sent == []


async def test_on_a_channel_without_edits_a_change_is_a_new_message(database: Database) -> None:
    sender = RecordingSender()  # edits=False
    await sent_then_changed(database, sender)
    assert [row.kind for row in await rows(database)] == ["text", "text"]
