"""The scheduler: a loop in the runtime that runs a reminders pass every minute or so.

It runs in every `baocao serve` and `baocao poll` (the runtime starts it with `with_scheduler=True`);
several processes may run it at once, since every reminder is recorded under its unique key in the
transaction that queues it (storage/reminders.py). A pass that fails (the database was away) is
logged and tried again at the next tick; its committed batches stay, the rest are planned again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.reminders.by_hand import ByHand
from bot.reminders.passes import PassReport, ReminderPass

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger(__name__)


class Scheduler:
    """Runs reminder passes for a runtime; `by_hand` answers /nhac."""

    def __init__(self, running: Runtime, clock: Callable[[], datetime] | None = None) -> None:
        settings = running.settings
        self.runtime = running
        self.interval = settings.reminders.interval_seconds
        self.clock = clock or (lambda: datetime.now(UTC))
        capabilities = running.channels.all_capabilities()
        self.passes = ReminderPass(running.db, running.outbox, capabilities, settings.zone)
        self.by_hand = ByHand(
            running.outbox,
            capabilities,
            settings.zone,
            cooldown=timedelta(hours=settings.reminders.cooldown_hours),
        )
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def run_once(self, now: datetime | None = None, *, dry_run: bool = False) -> PassReport:
        """One pass at `now` (default: the clock); passes in one process never overlap."""
        async with self._lock:
            return await self.passes.run(now or self.clock(), dry_run=dry_run)

    async def _loop(self) -> None:
        while True:
            try:
                report = await self.run_once()
                if report.queued:
                    log.info("reminders: %d queued (%d reminders)", report.queued, report.reminders)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the next tick tries again
                log.exception("reminders pass failed")
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Scheduler]:
        self.start()
        try:
            yield self
        finally:
            await self.stop()
