"""The outbox table: queue outgoing messages in a turn's transaction, lease them, record how they went.

Rows of one chat go out in id order: a process may lease a row only when no earlier row of the same
chat is still pending ("head of line"), so two processes never race one chat's messages. Leases run
out, so the rows of a process that died are taken over by another; `FOR UPDATE SKIP LOCKED` lets
several PostgreSQL processes claim at once without waiting on each other (SQLite has one writer).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from storage.hot import Sql, executor
from storage.models import OutboxMessage

_OUTBOX = OutboxMessage.__table__
_C = _OUTBOX.c
_PENDING = literal_column("'pending'")

Buttons = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, action)


@dataclass(frozen=True)
class NewMessage:
    """One message to queue: a text with buttons, or a document with a caption."""

    kind: str  # text | document
    body: str
    buttons: Buttons = ()
    filename: str | None = None
    content: bytes | None = None


@dataclass(frozen=True)
class QueuedMessage:
    """A row of the outbox as a sender needs it."""

    id: int
    channel: str
    chat_id: str
    kind: str
    body: str
    buttons: Buttons
    filename: str | None
    content: bytes | None
    attempts: int


@dataclass(frozen=True)
class Retry:
    """A failed try to record (a transient failure); the process holding the row tries again later."""

    id: int
    attempts: int
    not_before: datetime
    error: str


def _buttons_to_json(buttons: Buttons) -> list[list[list[str]]] | None:
    return [[[label, action] for label, action in row] for row in buttons] or None


def _buttons_from_json(raw: Any) -> Buttons:
    if not raw:
        return ()
    return tuple(tuple((str(label), str(action)) for label, action in row) for row in raw)


_COLUMNS = (_C.id, _C.channel, _C.chat_id, _C.kind, _C.body, _C.buttons, _C.filename, _C.content, _C.attempts)


def _queued(row: Any) -> QueuedMessage:
    return QueuedMessage(
        id=row.id, channel=row.channel, chat_id=row.chat_id, kind=row.kind, body=row.body,
        buttons=_buttons_from_json(row.buttons), filename=row.filename, content=row.content,
        attempts=row.attempts,
    )


_INSERT = Sql(
    "INSERT INTO outbox (channel, chat_id, kind, body, buttons, filename, content, status, attempts, "
    "not_before, leased_by, lease_until, created_at) VALUES (:channel, :chat_id, :kind, :body, :buttons, "
    ":filename, :content, 'pending', 0, :not_before, :leased_by, :lease_until, :created_at) RETURNING id",
    json_in=frozenset({"buttons"}),
    time_in=frozenset({"not_before", "lease_until", "created_at"}),
)

# 'pending' is written out, not bound: only then may SQLite use the partial indexes over pending rows.
_OTHERS_PENDING = Sql(
    "SELECT 1 FROM outbox WHERE channel = :channel AND chat_id = :chat_id AND status = 'pending' "
    "AND (leased_by IS NULL OR leased_by <> :worker) LIMIT 1"
)


async def enqueue(
    session: AsyncSession,
    channel: str,
    chat_id: str,
    messages: Sequence[NewMessage],
    *,
    now: datetime,
    leased_by: str | None = None,
    lease_until: datetime | None = None,
    not_before: datetime | None = None,
) -> list[QueuedMessage]:
    """Queue messages for one chat, in order; leased to `leased_by` if given (it will send them)."""
    if not messages:
        return []
    run = await executor(await session.connection())
    queued = []
    # One statement per row keeps the ids in order on every backend (a multi-row RETURNING need not).
    for m in messages:
        rows = await run.fetch(_INSERT, {
            "channel": channel, "chat_id": chat_id, "kind": m.kind, "body": m.body,
            "buttons": _buttons_to_json(m.buttons), "filename": m.filename, "content": m.content,
            "not_before": not_before or now, "leased_by": leased_by, "lease_until": lease_until,
            "created_at": now,
        })
        queued.append(QueuedMessage(id=int(rows[0][0]), channel=channel, chat_id=chat_id, kind=m.kind,
                                    body=m.body, buttons=m.buttons, filename=m.filename, content=m.content,
                                    attempts=0))
    return queued


async def others_pending(session: AsyncSession, channel: str, chat_id: str, worker: str) -> bool:
    """Whether the chat has pending rows that `worker` does not hold (new rows must queue behind)."""
    run = await executor(await session.connection())
    rows = await run.fetch(_OTHERS_PENDING, {"channel": channel, "chat_id": chat_id, "worker": worker})
    return bool(rows)


def _claimable(channels: Sequence[str], now: datetime, limit: int) -> Select[Any]:
    earlier = _OUTBOX.alias("earlier")
    head_of_line = ~exists().where(
        earlier.c.channel == _C.channel,
        earlier.c.chat_id == _C.chat_id,
        earlier.c.status == _PENDING,
        earlier.c.id < _C.id,
    )
    return (
        select(_C.id)
        .where(
            _C.status == _PENDING,
            _C.channel.in_(channels),
            _C.not_before <= now,
            or_(_C.lease_until.is_(None), _C.lease_until < now),
            head_of_line,
        )
        .order_by(_C.id)
        .limit(limit)
    )


async def claim(
    session: AsyncSession,
    worker: str,
    channels: Sequence[str],
    *,
    now: datetime,
    lease_until: datetime,
    limit: int = 100,
) -> list[QueuedMessage]:
    """Lease up to `limit` due rows that head their chat's queue, oldest first."""
    if not channels or limit <= 0:
        return []
    candidates = _claimable(channels, now, limit)
    if session.bind.dialect.name == "postgresql":
        # Rows another process is claiming right now are skipped, not waited for.
        candidates = candidates.with_for_update(skip_locked=True)
    stmt = (
        update(_OUTBOX)
        .where(_C.id.in_(candidates.scalar_subquery()))
        .values(leased_by=worker, lease_until=lease_until)
        .returning(*_COLUMNS)
    )
    rows = (await session.execute(stmt)).all()
    return sorted((_queued(row) for row in rows), key=lambda m: m.id)


async def finish(
    session: AsyncSession,
    *,
    sent: Iterable[tuple[int, str | None]] = (),
    failed: Iterable[tuple[int, str]] = (),
    retries: Iterable[Retry] = (),
    now: datetime,
) -> None:
    """Record outcomes: sent (with the platform's message id), failed for good, or to retry later."""
    sent_rows = [{"b_id": i, "b_external": external} for i, external in sent]
    if sent_rows:
        await session.execute(
            update(_OUTBOX)
            .where(_C.id == bindparam("b_id"))
            .values(status="sent", sent_at=now, external_id=bindparam("b_external"), leased_by=None,
                    lease_until=None, error=None),
            sent_rows,
        )
    failed_rows = [{"b_id": i, "b_error": error[:255]} for i, error in failed]
    if failed_rows:
        await session.execute(
            update(_OUTBOX)
            .where(_C.id == bindparam("b_id"))
            .values(status="failed", error=bindparam("b_error"), leased_by=None, lease_until=None),
            failed_rows,
        )
    retry_rows = [
        {"b_id": r.id, "b_attempts": r.attempts, "b_not_before": r.not_before, "b_error": r.error[:255]}
        for r in retries
    ]
    if retry_rows:
        await session.execute(
            update(_OUTBOX)
            .where(_C.id == bindparam("b_id"), _C.status == _PENDING)
            .values(attempts=bindparam("b_attempts"), not_before=bindparam("b_not_before"),
                    error=bindparam("b_error")),
            retry_rows,
        )


async def renew(session: AsyncSession, worker: str, lease_until: datetime) -> int:
    """Extend every lease `worker` holds on pending rows; how many rows it holds."""
    result = await session.execute(
        update(_OUTBOX)
        .where(_C.leased_by == worker, _C.status == _PENDING)
        .values(lease_until=lease_until)
    )
    return int(result.rowcount or 0)


async def release(session: AsyncSession, worker: str) -> int:
    """Give back every pending row `worker` holds (on shutdown), so others send them at once."""
    result = await session.execute(
        update(_OUTBOX)
        .where(_C.leased_by == worker, _C.status == _PENDING)
        .values(leased_by=None, lease_until=None)
    )
    return int(result.rowcount or 0)


async def purge(session: AsyncSession, before: datetime) -> int:
    """Delete rows sent or failed that were queued before `before`; pending rows are never deleted."""
    result = await session.execute(
        delete(_OUTBOX).where(_C.created_at < before, _C.status != "pending")
    )
    return int(result.rowcount or 0)


async def counts(session: AsyncSession, channel: str | None = None) -> dict[str, int]:
    """How many rows are pending, sent and failed (for tests, health and the operator)."""
    stmt = select(_C.status, func.count()).group_by(_C.status)
    if channel is not None:
        stmt = stmt.where(_C.channel == channel)
    result = {"pending": 0, "sent": 0, "failed": 0}
    for status, count in await session.execute(stmt):
        result[str(status)] = int(count)
    return result
