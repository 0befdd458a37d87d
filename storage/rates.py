"""A channel's bot-wide send rate, shared by every process through the database (`send_rates`).

The platform counts the bot's messages, not each process's: `serve` and `poll`, or two `serve`,
must together stay within Telegram's 30 messages a second. Each channel has one row holding the
next free send time (`next_at`). A process reserves the next few send times, `interval` apart, by
moving it forward under the row's lock, and sends one message at each; so the sends of all
processes are spaced `interval` apart, in any window of time, whichever process makes them. A
reservation reaches at most `horizon` seconds ahead, so a process that holds a broadcast never
books the time a reply in another process needs. The platform's "retry after" (HTTP 429) is
written here too (`paused_until`), so it pauses every process.

Times are seconds since the epoch (UTC), as every process's clock counts them; the caller passes
`now`, so a test drives the clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SendRate

_RATES = SendRate.__table__
_C = _RATES.c


@dataclass(frozen=True)
class Reservation:
    """Send times granted to one process (one message each, not before its time), and when the
    channel is next free (ask again then if `times` is empty)."""

    times: tuple[float, ...]
    next_free: float
    paused_until: float


async def _locked_row(session: AsyncSession, channel: str) -> tuple[float, float]:
    postgres = session.bind.dialect.name == "postgresql"
    query = select(_C.next_at, _C.paused_until).where(_C.channel == channel)
    if postgres:
        # SQLite needs no row lock: every transaction there begins IMMEDIATE, holding the write lock.
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is not None:
        return float(row.next_at), float(row.paused_until)
    insert = (postgresql.insert if postgres else sqlite.insert)(_RATES)
    await session.execute(
        insert.values(channel=channel, next_at=0.0, paused_until=0.0).on_conflict_do_nothing()
    )
    row = (await session.execute(query)).one()
    return float(row.next_at), float(row.paused_until)


async def reserve(
    session: AsyncSession, channel: str, *, now: float, interval: float, want: int, horizon: float
) -> Reservation:
    """Up to `want` send times for `channel`, `interval` apart, from the next free one, none more
    than `horizon` seconds after `now` (at least one if the next free time is within it)."""
    next_at, paused_until = await _locked_row(session, channel)
    start = max(next_at, now, paused_until)
    if want <= 0 or start > now + horizon:
        return Reservation((), start, paused_until)
    count = min(want, 1 + int((now + horizon - start) / interval))
    times = tuple(start + i * interval for i in range(count))
    next_free = start + count * interval
    await session.execute(update(_RATES).where(_C.channel == channel).values(next_at=next_free))
    return Reservation(times, next_free, paused_until)


async def pause(session: AsyncSession, channel: str, until: float) -> None:
    """The platform said to wait until `until` (HTTP 429): no process sends to `channel` before."""
    _, paused_until = await _locked_row(session, channel)
    if until > paused_until:
        await session.execute(update(_RATES).where(_C.channel == channel).values(paused_until=until))
