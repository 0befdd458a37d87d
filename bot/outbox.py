"""The outbox worker: every channel's outgoing messages, sent within the platform's limits, each once.

Replies are queued as outbox rows inside the turn's transaction (`Outbox.within`), so they commit
with the answers they confirm. The process that handled the turn leases its rows as it inserts them
and, once the transaction commits (`Outbox.dispatch`), sends them straight from memory: no second
read. Everything else — rows of a process that died, replies queued behind another process's,
reminders, files — is claimed from the table by a poller, one chat's head of line at a time.

Sending goes through one lane per channel: the channel's rate for the bot as a whole (Telegram: 30
messages/s), kept in the database for every process (storage/rates.py), with this process's own
bucket when the database cannot answer; a bucket per chat (1/s with a short burst); one message in
flight per chat so a chat's messages keep their order; replies before bulk rows (reminders); a
pause of the whole channel, in every process, when the platform answers 429 with `retry_after`;
backoff on transient failures.
Outcomes are written back in batches; a row recorded as sent is never sent again. A message whose
send succeeded but whose outcome could not be recorded before the process died may be sent twice:
no platform offers an idempotency key, so that window is kept as short as one batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import math
import random
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
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
from storage import rates
from storage.db import Database
from storage.outbox import NewMessage, QueuedMessage, Retry
from storage.turns import forget_updates

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20  # with backoff capped at 10 minutes: about two hours of trying
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 600.0
PURGE_AFTER = timedelta(days=7)
# The bot-wide rate is kept a little under the platform's: a send reaches it a few milliseconds
# after its time, and two sends that drift together must not make a 31st message in one second.
RATE_SHARE = 0.95
# Seconds of send times a process reserves at once, asking again when less than that is left: a
# process with nothing reserved (a reply, while another broadcasts) waits at most twice this.
SHARED_HORIZON = 0.25
LATE_SLOT = 0.015  # a reserved send time missed by more than this is given up (later sends could crowd)
SHARED_RETRY_SECONDS = 10.0  # after the shared rate failed, this process's own bucket alone for so long
# The most send times booked in one round trip. A booking takes the horizon's worth (up to this), not
# just the messages ready: replies come one at a time, and a round trip each (a write, on SQLite behind
# the turns' one writer connection) cost the OA webhook a third of its throughput in bench_zalo_oa.
MAX_BOOKING = 64
SENT_IDS_KEPT = 1000  # platform message ids of the rows sent last, kept for edits without a query
BULK_AHEAD_SECONDS = 2.0  # bulk rows a process holds: about this long of sending
CLAIM_GAP = 0.05  # seconds at least between two claims (each is a write; SQLite has one writer)


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
    # idle (nothing to do, or nothing scheduled), waiting (in the heap for its own rate or pause),
    # ready (in a ready queue for the channel's next send time), busy (a send in flight)
    state: str = "idle"
    ticket: int = 0  # the ready-queue entry that is current (an older one is skipped)
    ready_bulk: bool = False  # queued as ready behind the replies
    paused_until: float = 0.0
    last_send: float = 0.0

    def insert(self, held: _Held) -> None:
        """Append in order, but a reply goes before the bulk rows not yet being sent."""
        if held.row.bulk:
            self.queue.append(held)
            return
        first = 1 if self.state == "busy" else 0
        for index in range(first, len(self.queue)):
            if self.queue[index].row.bulk:
                self.queue.insert(index, held)
                return
        self.queue.append(held)


@dataclass
class _Outcomes:
    sent: list[tuple[int, str | None]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    retries: list[Retry] = field(default_factory=list)
    claimed_done: bool = False

    def __bool__(self) -> bool:
        return bool(self.sent or self.failed or self.retries)

    def merged(self, later: _Outcomes) -> _Outcomes:
        return _Outcomes(
            self.sent + later.sent,
            self.failed + later.failed,
            self.retries + later.retries,
            self.claimed_done or later.claimed_done,
        )


class _Lane:
    """One channel's sending: the bot-wide rate, replies ahead of bulk, order per chat, retries.

    A chat waits in the heap for its own rate (or a pause), then in a ready queue for the channel's
    next send time: the replies' queue is always served before the bulk one. Send times come from
    the rate shared by every process (storage/rates.py), a few at a time; if the database cannot
    give them, this process's own bucket keeps it within the rate alone.
    """

    def __init__(self, outbox: Outbox, sender: Sender) -> None:
        self.outbox = outbox
        self.sender = sender
        limits = sender.limits
        self.global_bucket = TokenBucket(limits.per_second, limits.per_second)
        self.interval = 1.0 / (limits.per_second * RATE_SHARE)
        self.chats: dict[str, _Chat] = {}
        self.heap: list[tuple[float, int, str]] = []
        self.ready: deque[tuple[str, int]] = deque()  # chats whose next message is a reply
        self.ready_bulk: deque[tuple[str, int]] = deque()
        self.grants: deque[float] = deque()  # send times reserved for this process (monotonic)
        self.paused_until = 0.0  # the platform asked the whole channel to wait (429)
        # A rate beyond what a booking covers is no platform's (Telegram 30/s, Zalo OA ~66/s): a test's
        # or a benchmark's "unlimited", kept per process rather than booked a message at a time.
        self.shared = outbox.shared_rate and limits.per_second * SHARED_HORIZON <= MAX_BOOKING
        self.shared_down_until = 0.0
        self.reserving = False
        self.reserve_not_before = 0.0
        self.bulk_held = 0
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
        now = time.monotonic()
        for row in rows:
            chat = self._chat(row.chat_id)
            chat.insert(_Held(row, claimed))
            self.bulk_held += row.bulk
            if not row.bulk and chat.state == "ready" and chat.ready_bulk:
                self._make_ready(row.chat_id, chat)  # a reply now heads it: it goes first
            self._schedule(row.chat_id, chat, now)

    def bulk_room(self) -> int:
        """How many more bulk rows this lane takes: about BULK_AHEAD_SECONDS of sending."""
        return max(0, math.ceil(self.sender.limits.per_second * BULK_AHEAD_SECONDS) - self.bulk_held)

    def _schedule(self, chat_id: str, chat: _Chat, at: float) -> None:
        if chat.state != "idle" or not chat.queue:
            return
        chat.state = "waiting"
        self.counter += 1
        heapq.heappush(self.heap, (at, self.counter, chat_id))
        self.wakeup.set()

    def _make_ready(self, chat_id: str, chat: _Chat) -> None:
        chat.state = "ready"
        chat.ticket += 1
        chat.ready_bulk = chat.queue[0].row.bulk
        (self.ready_bulk if chat.ready_bulk else self.ready).append((chat_id, chat.ticket))

    def _promote(self, now: float) -> None:
        """Chats whose own rate allows a send now join a ready queue."""
        while self.heap and self.heap[0][0] <= now:
            _, _, chat_id = heapq.heappop(self.heap)
            chat = self.chats.get(chat_id)
            if chat is None or chat.state != "waiting":
                continue
            if not chat.queue:
                chat.state = "idle"
                continue
            ready = max(chat.bucket.ready_at(now), chat.paused_until)
            if ready > now:
                self.counter += 1
                heapq.heappush(self.heap, (ready, self.counter, chat_id))
                continue
            self._make_ready(chat_id, chat)

    def _next_ready(self) -> tuple[str, _Chat] | None:
        """The chat to send to next, replies first (stale entries are dropped on the way)."""
        for queue in (self.ready, self.ready_bulk):
            while queue:
                chat_id, ticket = queue[0]
                chat = self.chats.get(chat_id)
                if chat is not None and chat.state == "ready" and chat.ticket == ticket:
                    if chat.queue:
                        return chat_id, chat
                    chat.state = "idle"
                queue.popleft()
        return None

    def _wanted(self, now: float) -> int:
        """How many send times to ask for: the messages ready now or soon, within the horizon."""
        ready = 0
        for queue in (self.ready, self.ready_bulk):
            for chat_id, ticket in queue:
                chat = self.chats.get(chat_id)
                if chat is not None and chat.ticket == ticket and chat.state == "ready":
                    ready += len(chat.queue)
        soon = now + SHARED_HORIZON
        ready += sum(1 for at, _, _ in self.heap if at <= soon)
        return ready

    async def _wait(self, seconds: float | None) -> None:
        self.wakeup.clear()
        if seconds is None:
            await self.wakeup.wait()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wakeup.wait(), max(0.0, seconds))

    async def _send_time(self, now: float) -> float:
        """`now` if this process may send one message now (that send time is used up); otherwise
        when to look again."""
        if now < self.paused_until:
            return self.paused_until
        while self.grants and self.grants[0] < now - LATE_SLOT:
            # A send time missed (the loop was busy): using it late could crowd the next ones.
            self.grants.popleft()
        if self.shared and now >= self.shared_down_until:
            # Ask for the next send times before these run out, so the database's answer is never
            # waited for between two sends.
            if not self.reserving and now >= self.reserve_not_before:
                covered = self.grants[-1] - now if self.grants else 0.0
                wanted = self._wanted(now) - len(self.grants)
                if covered < SHARED_HORIZON and wanted > 0:
                    self._reserve()
            if self.grants:
                if self.grants[0] > now:
                    return self.grants[0]
                self.grants.popleft()
                self.global_bucket.take(now)
                return now
            # Asking (woken when the answer comes), or the channel is booked until then.
            return now + 1.0 if self.reserving else max(self.reserve_not_before, now + 0.001)
        # This process's own bucket: the shared rate is off or out of reach.
        ready = self.global_bucket.ready_at(now)
        if ready > now:
            return ready
        self.global_bucket.take(now)
        return now

    def _reserve(self) -> None:
        self.reserving = True
        # The horizon's worth whatever is ready (`wanted` only says whether to ask at all).
        horizon = math.ceil(SHARED_HORIZON / self.interval)
        task = asyncio.create_task(self._reservation(min(horizon, MAX_BOOKING)))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _reservation(self, wanted: int) -> None:
        try:
            reservation = await self.outbox.reserve(self.sender.name, self.interval, wanted)
        except Exception as error:  # noqa: BLE001 - the shared rate is out of reach: keep our own
            log.warning("shared send rate unavailable, keeping this process's: %s", type(error).__name__)
            self.shared_down_until = time.monotonic() + SHARED_RETRY_SECONDS
        else:
            offset = time.time() - time.monotonic()
            self.paused_until = max(self.paused_until, reservation.paused_until - offset)
            self.grants.extend(at - offset for at in reservation.times)
            # Booked by others beyond the horizon: asking again before then would get nothing.
            self.reserve_not_before = (
                0.0 if reservation.times else reservation.next_free - offset - SHARED_HORIZON
            )
        finally:
            self.reserving = False
            self.wakeup.set()

    async def run(self) -> None:
        while True:
            now = time.monotonic()
            self._promote(now)
            if self._next_ready() is None:
                await self._wait(self.heap[0][0] - now if self.heap else None)
                continue
            at = await self._send_time(now)
            if at > now:
                await self._wait(at - time.monotonic())
                continue
            picked = self._next_ready()
            if picked is None:  # dropped while we waited for the send time
                continue
            chat_id, chat = picked
            (self.ready if not chat.ready_bulk else self.ready_bulk).popleft()
            if not self.outbox.lease_is_valid():
                # Our leases may have run out (the database was unreachable): another process may
                # own these rows now, so sending them could send twice. Forget them; whoever holds
                # the rows next sends them.
                self._drop(chat)
                chat.state = "idle"
                continue
            await self.slots.acquire()
            now = time.monotonic()
            chat.bucket.take(now)
            chat.state = "busy"
            chat.last_send = now
            task = asyncio.create_task(self._send(chat_id, chat, chat.queue[0]))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def drop_all(self) -> None:
        """Forget every row waiting in memory (not those being sent right now)."""
        for chat in self.chats.values():
            if chat.state == "busy" and chat.queue:
                in_flight = chat.queue.popleft()
                self._drop(chat)
                chat.queue.append(in_flight)
            else:
                self._drop(chat)

    def _drop(self, chat: _Chat) -> None:
        self.outbox.held -= len(chat.queue)
        self.bulk_held -= sum(held.row.bulk for held in chat.queue)
        self.outbox.dropped.extend(held.row.id for held in chat.queue)
        chat.queue.clear()

    def pause(self, seconds: float) -> None:
        """The platform said to wait: every chat of the channel waits, in every process."""
        now = time.monotonic()
        self.paused_until = max(self.paused_until, now + seconds)
        self.grants.clear()
        if self.shared:
            self.outbox.pause_everywhere(self.sender.name, time.time() + seconds)

    async def _send(self, chat_id: str, chat: _Chat, held: _Held) -> None:
        row = held.row
        outcome: str
        external: str | None = None
        failure = DeliveryError("unknown")
        try:
            value = to_rendered(row)
            if isinstance(value, RenderedDocument):
                external = await self.sender.send_document(chat_id, value)
            elif row.kind == "edit":
                external = await self._edit(chat_id, row, value)
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
            chat.state = "idle"

        now = time.monotonic()
        if outcome == "sent":
            chat.queue.popleft()
            self.bulk_held -= row.bulk
            self.outbox.record_sent(row.id, external, held.claimed)
        elif outcome == "later":
            # Flood control: the platform told us when. Not a failure, so no attempt is counted.
            assert failure.retry_after is not None
            log.info("flood control on %s, waiting %.1f s", self.sender.name, failure.retry_after)
            chat.paused_until = now + failure.retry_after
            self.pause(failure.retry_after)
        elif outcome == "failed" or row.attempts + 1 >= MAX_ATTEMPTS:
            chat.queue.popleft()
            self.bulk_held -= row.bulk
            log.warning("outbox row %d failed for good: %s", row.id, failure.reason)
            self.outbox.record_failed(row.id, failure.reason, held.claimed)
        else:
            attempts = row.attempts + 1
            delay = backoff(attempts)
            chat.queue[0] = _Held(replace(row, attempts=attempts), held.claimed)
            chat.paused_until = now + delay
            self.outbox.record_retry(
                Retry(row.id, attempts, self.outbox.clock() + timedelta(seconds=delay), failure.reason)
            )
        self._schedule(chat_id, chat, max(now, chat.paused_until))

    async def _edit(self, chat_id: str, row: QueuedMessage, value: RenderedMessage) -> str | None:
        """Change the message sent for row `row.replaces`; sent as a new message where that one was
        never sent, is gone, or the platform will not change it (too old, deleted by the member)."""
        edit = getattr(self.sender, "edit", None)
        target = await self.outbox.sent_as(row.replaces) if row.replaces is not None else None
        if edit is not None and target is not None:
            try:
                return await edit(chat_id, target, value)
            except DeliveryError as error:
                if not error.permanent:
                    raise
                log.info("could not edit message %s on %s: %s", target, self.sender.name, error.reason)
        return await self.sender.send(chat_id, value)

    def sweep(self) -> None:
        """Forget idle chats whose burst has refilled (their limit no longer matters)."""
        now = time.monotonic()
        idle = [
            chat_id
            for chat_id, chat in self.chats.items()
            if not chat.queue and chat.state == "idle" and chat.bucket.is_full(now)
        ]
        for chat_id in idle:
            del self.chats[chat_id]

    async def drain(self, timeout: float) -> None:
        """Wait for the sends in flight."""
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=timeout)


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
        shared_rate: bool = True,
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
        # Keep each channel's overall rate for the bot as a whole, through the database (storage/rates.py).
        self.shared_rate = shared_rate
        self.held = 0
        self.dropped: list[int] = []  # rows forgotten unsent (lease lapsed): give them back
        self._lanes: dict[str, _Lane] = {}
        self._sent_ids: dict[int, str] = {}  # row → the platform's message id, for edits (the latest)
        self._outcomes = _Outcomes()
        self._outcomes_ready = asyncio.Event()
        self._claim_now = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._side_tasks: set[asyncio.Task[None]] = set()
        self._flush_lock = asyncio.Lock()
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
            hold
            and not bulk
            and self._running
            and channel in self._lanes
            and self.held + len(messages) <= self.capacity
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

    async def queue_edit(
        self,
        session: AsyncSession,
        channel: str,
        chat_id: str,
        replaces: int,
        message: RenderedMessage,
    ) -> list[QueuedMessage]:
        """Queue a change of the message queued earlier as row `replaces` (a compile's progress):
        where the channel edits messages the member sees that message change, elsewhere a new one
        comes. `wake()` after the commit."""
        new = _new_message(message)
        if self.capabilities_of(channel).edits:
            new = replace(new, kind="edit", replaces=replaces)
        rows, _ = await self.queue(session, channel, chat_id, [new])
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
        if external is not None:
            self._sent_ids[row_id] = external
            if len(self._sent_ids) > SENT_IDS_KEPT:
                del self._sent_ids[next(iter(self._sent_ids))]
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

    async def sent_as(self, row_id: int) -> str | None:
        """The platform's id of the message sent for row `row_id` (None: not sent, failed, or gone).

        Raises a transient DeliveryError while the row is still pending: an edit waits for the
        message it changes (sent by another process whose outcome is not written yet)."""
        known = self._sent_ids.get(row_id)
        if known is not None:
            return known
        async with self.db.session() as session:
            found = await store.sent_as(session, row_id)
        if found is None:
            return None
        status, external = found
        if status == "pending":
            raise DeliveryError("the message to edit is not sent yet")
        return external if status == "sent" else None

    async def reserve(self, channel: str, interval: float, want: int) -> rates.Reservation:
        """Send times for `channel` from the rate every process shares."""
        async with self.db.session() as session, session.begin():
            return await rates.reserve(
                session, channel, now=time.time(), interval=interval, want=want, horizon=SHARED_HORIZON
            )

    def pause_everywhere(self, channel: str, until: float) -> None:
        """Tell every process that `channel` waits until `until` (seconds since the epoch)."""

        async def write() -> None:
            try:
                async with self.db.session() as session, session.begin():
                    await rates.pause(session, channel, until)
            except Exception as error:  # noqa: BLE001 - this process pauses anyway
                log.warning("could not share a pause of %s: %s", channel, type(error).__name__)

        task = asyncio.create_task(write())
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

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
        if self._side_tasks:
            await asyncio.wait(list(self._side_tasks), timeout=timeout)
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
        # One write at a time: `stop` waits here for a write under way, so no outcome is lost
        # (a sent row left pending would be sent again by whoever takes it over).
        while True:
            async with self._flush_lock:
                outcomes, self._outcomes = self._outcomes, _Outcomes()
                if not outcomes:
                    return
                try:
                    async with self.db.session() as session, session.begin():
                        now = self.clock()
                        await store.finish(
                            session,
                            sent=outcomes.sent,
                            failed=outcomes.failed,
                            retries=outcomes.retries,
                            now=now,
                            worker=self.worker,
                            hold_until=now + self._chat_interval(),
                        )
                    written = True
                except Exception as error:  # noqa: BLE001 - keep the outcomes and write them later
                    log.warning("could not record outbox outcomes: %s", type(error).__name__)
                    self._outcomes = outcomes.merged(self._outcomes)
                    written = False
            if written:
                if outcomes.claimed_done:
                    # The next row of those chats heads its queue now.
                    self.wake()
                return
            if not retry:
                return
            await asyncio.sleep(1.0)

    def _chat_interval(self) -> timedelta:
        """How long a chat just sent to stays with this process (the strictest per-chat rate here)."""
        rates_ = [lane.sender.limits.per_chat_per_second for lane in self._lanes.values()]
        return timedelta(seconds=1.0 / min(rates_)) if rates_ else timedelta(0)

    async def _claim_loop(self) -> None:
        channels = list(self._lanes)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._claim_now.wait(), self.poll_seconds)
            await asyncio.sleep(min(CLAIM_GAP, self.poll_seconds))  # wakes that come together: one claim
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
                        bulk_limit=sum(lane.bulk_room() for lane in self._lanes.values()),
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
                        await store.forget_holds(session, now - timedelta(minutes=1))
                        last_purge = started
                self._lease_valid_until = started + self.lease.total_seconds()
            except Exception as error:  # noqa: BLE001 - sends stop by themselves when the lease is gone
                self.dropped.extend(dropped)
                log.warning("could not renew outbox leases: %s", type(error).__name__)
            for lane in self._lanes.values():
                lane.sweep()
