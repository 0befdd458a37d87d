"""The outbox worker: every channel's outgoing messages, sent within the platform's limits, each once.

Replies are queued as outbox rows inside the turn's transaction (`Outbox.within`), so they commit
with the answers they confirm. The process that handled the turn leases its rows as it inserts them
and, once the transaction commits (`Outbox.dispatch`), sends them straight from memory: no second
read. Everything else — rows of a process that died, replies queued behind another process's,
reminders, files — is claimed from the table by a poller, one chat's head of line at a time.

Sending goes through one lane per channel: a global token bucket (Telegram: 30 messages/s), a bucket
per chat (1/s with a short burst), one message in flight per chat so a chat's messages keep their
order, a pause when the platform answers 429 with `retry_after`, and backoff on transient failures.
Outcomes are written back in batches; a row recorded as sent is never sent again. A message whose
send succeeded but whose outcome could not be recorded before the process died may be sent twice:
no platform offers an idempotency key, so that window is kept as short as one batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.channels.base import (
    Capabilities,
    DeliveryError,
    RenderedButton,
    RenderedDocument,
    RenderedMessage,
    Sender,
)
from bot.render import render
from bot.service import Outbound
from dialogs.events import Reply
from storage import outbox as store
from storage.db import Database
from storage.outbox import NewMessage, QueuedMessage, Retry
from storage.turns import forget_updates

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20  # with backoff capped at 10 minutes: about two hours of trying
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 600.0
PURGE_AFTER = timedelta(days=7)


class TokenBucket:
    """`rate` events a second on average, at most `burst` at once."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = max(1.0, burst)
        self.tokens = self.burst
        self.stamp = 0.0

    def _refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def ready_at(self, now: float) -> float:
        """When the next event may happen (now, if a token is there)."""
        self._refill(now)
        return now if self.tokens >= 1.0 else now + (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0

    def is_full(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.burst


def backoff(attempts: int) -> float:
    """Seconds to wait before try number `attempts + 1`: doubling, capped, with jitter."""
    delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.8, 1.2)


def to_rendered(message: QueuedMessage) -> RenderedMessage | RenderedDocument:
    """An outbox row as the value a sender takes."""
    if message.kind == "document":
        return RenderedDocument(message.filename or "file", message.content or b"", message.body)
    buttons = tuple(tuple(RenderedButton(label, action) for label, action in row) for row in message.buttons)
    return RenderedMessage(message.body, buttons)


def _new_message(message: RenderedMessage) -> NewMessage:
    buttons = tuple(tuple((b.label, b.action) for b in row) for row in message.buttons)
    return NewMessage(kind="text", body=message.text, buttons=buttons)


@dataclass
class _Held:
    """A row this process holds in memory, about to be sent."""

    row: QueuedMessage
    claimed: bool  # taken from the table by the poller (its successor may now be claimable)


@dataclass
class _Chat:
    bucket: TokenBucket
    queue: deque[_Held] = field(default_factory=deque)
    busy: bool = False
    scheduled: bool = False
    paused_until: float = 0.0
    last_send: float = 0.0


@dataclass
class _Outcomes:
    sent: list[tuple[int, str | None]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    retries: list[Retry] = field(default_factory=list)
    claimed_done: bool = False

    def __bool__(self) -> bool:
        return bool(self.sent or self.failed or self.retries)


class _Lane:
    """One channel's sending: limits, order per chat, retries."""

    def __init__(self, outbox: Outbox, sender: Sender) -> None:
        self.outbox = outbox
        self.sender = sender
        limits = sender.limits
        self.global_bucket = TokenBucket(limits.per_second, limits.per_second)
        self.chats: dict[str, _Chat] = {}
        self.heap: list[tuple[float, int, str]] = []
        self.counter = 0
        self.wakeup = asyncio.Event()
        self.slots = asyncio.Semaphore(limits.concurrency)
        self.tasks: set[asyncio.Task[None]] = set()

    def _chat(self, chat_id: str) -> _Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            limits = self.sender.limits
            chat = self.chats[chat_id] = _Chat(TokenBucket(limits.per_chat_per_second, limits.per_chat_burst))
        return chat

    def push(self, rows: Sequence[QueuedMessage], *, claimed: bool) -> None:
        for row in rows:
            chat = self._chat(row.chat_id)
            chat.queue.append(_Held(row, claimed))
            self._schedule(row.chat_id, chat, time.monotonic())

    def _schedule(self, chat_id: str, chat: _Chat, at: float) -> None:
        if chat.scheduled or chat.busy or not chat.queue:
            return
        chat.scheduled = True
        self.counter += 1
        heapq.heappush(self.heap, (at, self.counter, chat_id))
        self.wakeup.set()

    async def run(self) -> None:
        while True:
            if not self.heap:
                self.wakeup.clear()
                await self.wakeup.wait()
                continue
            at, _, chat_id = self.heap[0]
            now = time.monotonic()
            if at > now:
                self.wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), at - now)
                continue
            heapq.heappop(self.heap)
            chat = self.chats.get(chat_id)
            if chat is None:
                continue
            chat.scheduled = False
            if chat.busy or not chat.queue:
                continue
            ready = max(chat.bucket.ready_at(now), chat.paused_until, self.global_bucket.ready_at(now))
            if ready > now:
                self._schedule(chat_id, chat, ready)
                continue
            if not self.outbox.lease_is_valid():
                # Our leases may have run out (the database was unreachable): another process may
                # own these rows now, so sending them could send twice. Forget them; whoever holds
                # the rows next sends them.
                self._drop(chat)
                continue
            await self.slots.acquire()
            now = time.monotonic()
            chat.bucket.take(now)
            self.global_bucket.take(now)
            chat.busy = True
            chat.last_send = now
            task = asyncio.create_task(self._send(chat_id, chat, chat.queue[0]))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def drop_all(self) -> None:
        """Forget every row waiting in memory (not those being sent right now)."""
        for chat in self.chats.values():
            if chat.busy and chat.queue:
                in_flight = chat.queue.popleft()
                self._drop(chat)
                chat.queue.append(in_flight)
            else:
                self._drop(chat)

    def _drop(self, chat: _Chat) -> None:
        self.outbox.held -= len(chat.queue)
        self.outbox.dropped.extend(held.row.id for held in chat.queue)
        chat.queue.clear()

    async def _send(self, chat_id: str, chat: _Chat, held: _Held) -> None:
        row = held.row
        outcome: str
        external: str | None = None
        failure = DeliveryError("unknown")
        try:
            value = to_rendered(row)
            if isinstance(value, RenderedDocument):
                external = await self.sender.send_document(chat_id, value)
            else:
                external = await self.sender.send(chat_id, value)
            outcome = "sent"
        except DeliveryError as error:
            failure = error
            outcome = "later" if error.retry_after is not None else ("failed" if error.permanent else "retry")
        except Exception as error:  # noqa: BLE001 - any other failure is treated as transient
            log.warning("send of outbox row %d failed: %s", row.id, type(error).__name__)
            failure = DeliveryError(type(error).__name__)
            outcome = "retry"
        finally:
            self.slots.release()
            chat.busy = False

        now = time.monotonic()
        if outcome == "sent":
            chat.queue.popleft()
            self.outbox.record_sent(row.id, external, held.claimed)
        elif outcome == "later":
            # Flood control: the platform told us when. Not a failure, so no attempt is counted.
            assert failure.retry_after is not None
            log.info("flood control on %s chat, waiting %.1f s", self.sender.name, failure.retry_after)
            chat.paused_until = now + failure.retry_after
        elif outcome == "failed" or row.attempts + 1 >= MAX_ATTEMPTS:
            chat.queue.popleft()
            log.warning("outbox row %d failed for good: %s", row.id, failure.reason)
            self.outbox.record_failed(row.id, failure.reason, held.claimed)
        else:
            attempts = row.attempts + 1
            delay = backoff(attempts)
            chat.queue[0] = _Held(_with_attempts(row, attempts), held.claimed)
            chat.paused_until = now + delay
            self.outbox.record_retry(
                Retry(row.id, attempts, self.outbox.clock() + timedelta(seconds=delay), failure.reason)
            )
        self._schedule(chat_id, chat, max(now, chat.paused_until))

    def sweep(self) -> None:
        """Forget idle chats whose burst has refilled (their limit no longer matters)."""
        now = time.monotonic()
        idle = [
            chat_id
            for chat_id, chat in self.chats.items()
            if not chat.queue and not chat.busy and not chat.scheduled and chat.bucket.is_full(now)
        ]
        for chat_id in idle:
            del self.chats[chat_id]

    async def drain(self, timeout: float) -> None:
        """Wait for the sends in flight."""
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=timeout)


def _with_attempts(row: QueuedMessage, attempts: int) -> QueuedMessage:
    return QueuedMessage(
        row.id, row.channel, row.chat_id, row.kind, row.body, row.buttons, row.filename, row.content, attempts
    )


class CannotCarry(ValueError):
    """The channel cannot carry this file (no files at all, or one this large)."""


class QueuedReplies:
    """A `WithinTurn` that renders a turn's replies for one channel and queues them in its transaction.

    Pass it to `ReportService.handle(inbound, within=...)`, then call `Outbox.dispatch` with it once
    `handle` has returned (the transaction committed).
    """

    def __init__(self, outbox: Outbox, channel: str, *, replies: bool = True) -> None:
        self.outbox = outbox
        self.channel = channel
        self.replies = replies  # False: the channel shows the replies itself (the terminal)
        self.rows: list[QueuedMessage] = []
        self.held = False
        self.notices = 0

    async def __call__(self, session: AsyncConnection, outbound: Outbound) -> None:
        # The turn may run again after a conflict: only the last run's rows exist.
        self.rows, self.held, self.notices = [], False, 0
        if self.replies:
            messages = self._rendered(self.channel, outbound.locale, outbound.replies)
            self.rows, self.held = await self.outbox.queue(
                session, self.channel, outbound.chat_id, messages, hold=True
            )
        for notice in outbound.notices:
            try:
                messages = self._rendered(notice.channel, notice.locale, notice.replies)
            except KeyError:
                log.warning("a notice for undeclared channel %s is not queued", notice.channel)
                continue
            # For the poller of whichever process sends that channel (it may not be this one).
            await self.outbox.queue(session, notice.channel, notice.chat_id, messages)
            self.notices += 1

    def _rendered(self, channel: str, locale: str, replies: Sequence[Reply]) -> list[NewMessage]:
        capabilities = self.outbox.capabilities_of(channel)
        return [
            _new_message(message)
            for reply in replies
            for message in render(reply, locale, capabilities, self.outbox.zone)
        ]


class Outbox:
    """Queues outgoing messages in the database and sends them; one per process, for all channels."""

    def __init__(
        self,
        db: Database,
        senders: Mapping[str, Sender] | None = None,
        *,
        capabilities: Mapping[str, Capabilities] | None = None,
        zone: ZoneInfo | None = None,
        lease_seconds: float = 30.0,
        poll_seconds: float = 1.0,
        capacity: int = 5000,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.db = db
        self.senders: dict[str, Sender] = dict(senders or {})
        self.only_chats: dict[str, str] = {}  # channel → the one chat this process sends it to
        # What every channel can show, sent from here or not: rows for a channel this process does
        # not send (a reminder to a Zalo member from a Telegram-only process) are rendered all the same.
        self.capabilities: dict[str, Capabilities] = dict(capabilities or {})
        # Where local times in replies are shown (Settings.timezone); None: Asia/Ho_Chi_Minh.
        self.zone = zone
        self.worker = uuid.uuid4().hex[:16]
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.capacity = capacity
        self.clock = clock or (lambda: datetime.now(UTC))
        self.held = 0
        self.dropped: list[int] = []  # rows forgotten unsent (lease lapsed): give them back
        self._lanes: dict[str, _Lane] = {}
        self._outcomes = _Outcomes()
        self._outcomes_ready = asyncio.Event()
        self._claim_now = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._running = False
        self._lease_valid_until = 0.0

    def send_only_to(self, channel: str, chat_id: str) -> None:
        """Send `channel`'s rows of this one chat only (a terminal shows one person's chat; another
        console member's notice waits for their own terminal)."""
        self.only_chats[channel] = chat_id

    def add_sender(self, sender: Sender) -> None:
        """Send `sender.name`'s rows too (before `running()`)."""
        self.senders[sender.name] = sender

    def capabilities_of(self, channel: str) -> Capabilities:
        """What `channel` can show (raises KeyError for a channel nobody declared)."""
        known = self.capabilities.get(channel)
        if known is not None:
            return known
        return self.senders[channel].capabilities

    # --- queueing (inside a caller's transaction) ---------------------------------------------------

    def within(self, channel: str) -> QueuedReplies:
        """A callback for `ReportService.handle` that queues the turn's replies on `channel`."""
        return QueuedReplies(self, channel)

    def notices_within(self, channel: str) -> QueuedReplies:
        """Like `within`, but queues only the turn's notices: `channel` shows its replies itself."""
        return QueuedReplies(self, channel, replies=False)

    async def queue(
        self,
        session: AsyncSession | AsyncConnection,
        channel: str,
        chat_id: str,
        messages: Sequence[NewMessage],
        *,
        hold: bool = False,
        bulk: bool = False,
    ) -> tuple[list[QueuedMessage], bool]:
        """Insert rows for one chat; with `hold`, lease them to this process if it can send them now.

        `bulk` rows (a broadcast of reminders) go after every reply waiting to be sent.

        Returns the rows and whether they are held (then `dispatch` them after the commit).
        """
        now = self.clock()
        hold = (
            hold and self._running and channel in self._lanes and self.held + len(messages) <= self.capacity
        )
        rows = await store.enqueue(
            session,
            channel,
            chat_id,
            messages,
            now=now,
            worker=self.worker if hold else None,
            lease_until=now + self.lease,
            bulk=bulk,
        )
        return rows, bool(rows) and all(row.leased for row in rows)

    async def queue_messages(
        self,
        session: AsyncSession,
        channel: str,
        chat_id: str,
        messages: Sequence[RenderedMessage],
        *,
        bulk: bool = False,
    ) -> list[QueuedMessage]:
        """Queue rendered messages (reminders, notices) for the poller; `wake()` after the commit.

        `bulk` for broadcasts (reminders): replies to members go ahead of them. Returns the rows.
        """
        rows, _ = await self.queue(session, channel, chat_id, [_new_message(m) for m in messages], bulk=bulk)
        return rows

    async def queue_document(
        self,
        session: AsyncSession,
        channel: str,
        chat_id: str,
        filename: str,
        content: bytes,
        caption: str = "",
    ) -> None:
        """Queue a file (a compiled report) for the poller; `wake()` after the commit.

        The caption comes rendered in the channel's markup. Raises CannotCarry for a channel without
        files, a file over its limit or of a kind it refuses: the caller sends a download link instead.
        """
        capabilities = self.capabilities_of(channel)
        if not capabilities.files:
            raise CannotCarry(f"{channel} takes no files")
        if capabilities.file_limit and len(content) > capabilities.file_limit:
            raise CannotCarry(f"{channel} takes files up to {capabilities.file_limit} bytes")
        kind = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if capabilities.file_kinds and kind not in capabilities.file_kinds:
            raise CannotCarry(f"{channel} takes no .{kind} files")
        message = NewMessage(kind="document", body=caption, filename=filename, content=content)
        await self.queue(session, channel, chat_id, [message])

    def dispatch(self, queued: QueuedReplies) -> None:
        """After the commit: send the rows this process holds, or let the poller find the others."""
        if queued.notices:
            self.wake()
        if not queued.rows:
            return
        mine = [row for row in queued.rows if row.leased] if self._running else []
        if mine:
            self.held += len(mine)
            self._lanes[queued.channel].push(mine, claimed=False)
        if len(mine) < len(queued.rows):
            self.wake()

    def wake(self) -> None:
        """Look for rows to send now rather than at the next poll."""
        self._claim_now.set()

    # --- outcomes -------------------------------------------------------------------------------------

    def record_sent(self, row_id: int, external: str | None, claimed: bool) -> None:
        self.held -= 1
        self._outcomes.sent.append((row_id, external))
        self._outcomes.claimed_done |= claimed
        self._outcomes_ready.set()

    def record_failed(self, row_id: int, reason: str, claimed: bool) -> None:
        self.held -= 1
        self._outcomes.failed.append((row_id, reason))
        self._outcomes.claimed_done |= claimed
        self._outcomes_ready.set()

    def record_retry(self, retry: Retry) -> None:
        self._outcomes.retries.append(retry)
        self._outcomes_ready.set()

    def lease_is_valid(self) -> bool:
        # A margin for clock drift between processes and the time a send takes.
        margin = min(2.0, self.lease.total_seconds() / 4)
        return time.monotonic() < self._lease_valid_until - margin

    # --- running --------------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Outbox]:
        """Send until the block exits; then finish the sends in flight and give back the rest."""
        await self.start()
        try:
            yield self
        finally:
            await self.stop()

    async def start(self) -> None:
        if self._running:
            return
        self._lanes = {name: _Lane(self, sender) for name, sender in self.senders.items()}
        self._lease_valid_until = time.monotonic() + self.lease.total_seconds()
        self._running = True
        loop_tasks = [lane.run() for lane in self._lanes.values()]
        loop_tasks += [self._flush_loop(), self._claim_loop(), self._heartbeat_loop()]
        self._tasks = [asyncio.create_task(coroutine) for coroutine in loop_tasks]

    async def stop(self, timeout: float = 10.0) -> None:
        if not self._running:
            return
        self._running = False
        lanes = list(self._lanes.values())
        lane_runs = self._tasks[: len(lanes)]
        for task in lane_runs:
            task.cancel()
        for lane in lanes:
            await lane.drain(timeout)
        await self._flush(retry=False)
        for task in self._tasks:
            task.cancel()
        # Bounded: a stop must never hang on a statement cancelled mid-flight; leases run out anyway.
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=timeout)
        self._tasks = []
        try:
            async with asyncio.timeout(timeout):
                async with self.db.session() as session, session.begin():
                    await store.release(session, self.worker)
        except Exception as error:  # noqa: BLE001 - the leases run out by themselves
            log.warning("could not release outbox leases: %s", type(error).__name__)
        self.held = 0

    async def _flush_loop(self) -> None:
        while True:
            await self._outcomes_ready.wait()
            self._outcomes_ready.clear()
            await self._flush(retry=True)

    async def _flush(self, *, retry: bool) -> None:
        outcomes, self._outcomes = self._outcomes, _Outcomes()
        if not outcomes:
            return
        while True:
            try:
                async with self.db.session() as session, session.begin():
                    await store.finish(
                        session,
                        sent=outcomes.sent,
                        failed=outcomes.failed,
                        retries=outcomes.retries,
                        now=self.clock(),
                    )
                break
            except Exception as error:  # noqa: BLE001 - keep the outcomes and write them later
                log.warning("could not record outbox outcomes: %s", type(error).__name__)
                if not retry:
                    return
                await asyncio.sleep(1.0)
        if outcomes.claimed_done:
            # The next row of those chats heads its queue now.
            self.wake()

    async def _claim_loop(self) -> None:
        channels = list(self._lanes)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._claim_now.wait(), self.poll_seconds)
            self._claim_now.clear()
            room = min(200, self.capacity - self.held)
            if room <= 0 or not self.lease_is_valid():
                continue
            try:
                now = self.clock()
                async with self.db.session() as session, session.begin():
                    rows = await store.claim(
                        session,
                        self.worker,
                        channels,
                        now=now,
                        lease_until=now + self.lease,
                        limit=room,
                        chats=self.only_chats,
                    )
            except Exception as error:  # noqa: BLE001 - try again at the next poll
                log.warning("could not claim outbox rows: %s", type(error).__name__)
                continue
            if not rows:
                continue
            self.held += len(rows)
            for channel in channels:
                mine = [row for row in rows if row.channel == channel]
                if mine:
                    self._lanes[channel].push(mine, claimed=True)
            if len(rows) == room:
                self.wake()

    async def _heartbeat_loop(self) -> None:
        interval = self.lease.total_seconds() / 3
        last_purge = 0.0
        while True:
            await asyncio.sleep(interval)
            started = time.monotonic()
            dropped: list[int] = []
            try:
                now = self.clock()
                if not self.lease_is_valid():
                    # The leases lapsed (no renewal for too long): rows still waiting here may have
                    # been taken over. Give them all back; the poller claims them again if not.
                    for lane in self._lanes.values():
                        lane.drop_all()
                dropped, self.dropped = self.dropped, []
                async with self.db.session() as session, session.begin():
                    if dropped:
                        await store.release(session, self.worker, dropped)
                    await store.renew(session, self.worker, now, now + self.lease)
                    if started - last_purge > 3600:
                        await store.purge(session, now - PURGE_AFTER)
                        # Updates are redelivered within a day; their ids need not be kept forever.
                        await forget_updates(session, now - PURGE_AFTER)
                        last_purge = started
                self._lease_valid_until = started + self.lease.total_seconds()
            except Exception as error:  # noqa: BLE001 - sends stop by themselves when the lease is gone
                self.dropped.extend(dropped)
                log.warning("could not renew outbox leases: %s", type(error).__name__)
            for lane in self._lanes.values():
                lane.sweep()
