"""Updates a platform delivers until we acknowledge them: how failures count, and long polling.

Shared by every channel whose platform redelivers (Telegram's getUpdates and webhook, the Zalo Bot's
getUpdates): only the update's type differs, so the channel gives its id, its member and how to
fetch and apply it.

An update is acknowledged only once its turn has committed. One that fails is delivered again: for a
transient error (storage/errors.py: the database is down, the connection dropped) for as long as it
takes, without counting; for any other error a few times, after which the channel tells the member
to send it again and lets it go, so one bad update never holds back every later one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from bot.channels.base import Capabilities, ChannelAdapter
from storage.errors import is_transient

log = logging.getLogger(__name__)

U = TypeVar("U")

GIVE_UP_AFTER = 3  # failed tries of one update (not counting transient errors)
_REMEMBERED_FAILURES = 10_000


class NotApplied(Exception):
    """The update was not applied and must be delivered again (do not acknowledge it)."""


class FailedTries:
    """Counts the failed tries of each update, so the last one can be let go."""

    def __init__(self, give_up_after: int = GIVE_UP_AFTER) -> None:
        self.give_up_after = give_up_after
        self._counts: OrderedDict[Hashable, int] = OrderedDict()

    def succeeded(self, update_id: Hashable) -> None:
        self._counts.pop(update_id, None)

    def failed(self, update_id: Hashable, error: BaseException) -> int | None:
        """After a failed try: raises NotApplied to have the update again, or returns the count to give up.

        The caller then tells the member; if that fails too, `retry_later(update_id, count)`.
        """
        if is_transient(error):
            log.warning("update %s not applied, database unavailable: %s", update_id, type(error).__name__)
            raise NotApplied() from error
        count = self._counts.pop(update_id, 0) + 1
        if count < self.give_up_after:
            self.retry_later(update_id, count)
            log.warning("update %s not applied (try %d): %s", update_id, count, type(error).__name__)
            raise NotApplied() from error
        log.error(
            "update %s failed %d times, asking the member to send it again", update_id, count, exc_info=error
        )
        return count

    def retry_later(self, update_id: Hashable, count: int) -> None:
        self._counts[update_id] = count
        while len(self._counts) > _REMEMBERED_FAILURES:
            self._counts.popitem(last=False)


class LongPolling(Generic[U]):
    """A getUpdates loop: batches applied with members side by side, each member's updates in order.

    The offset never moves past an update that was not applied (`apply` raised NotApplied), so it
    comes back in the next batch; fetch errors and failed updates back off; on stop, the offset of
    what was applied is confirmed so a restart does not fetch it again.
    """

    def __init__(
        self,
        *,
        fetch: Callable[[int | None, int], Awaitable[Sequence[U]]],
        apply: Callable[[U], Awaitable[None]],
        update_id: Callable[[U], int],
        member_key: Callable[[U], str | None],
        fetch_errors: tuple[type[BaseException], ...] = (OSError,),
        max_delay: float = 30.0,
    ) -> None:
        self.fetch = fetch
        self.apply = apply
        self.update_id = update_id
        self.member_key = member_key
        self.fetch_errors = fetch_errors
        self.max_delay = max_delay

    async def apply_batch(self, updates: Sequence[U]) -> tuple[int, bool]:
        """Apply one batch; the next offset (never past a failed update) and whether one failed."""
        groups: dict[str, list[U]] = {}
        for update in updates:
            key = self.member_key(update) or f"update:{self.update_id(update)}"
            groups.setdefault(key, []).append(update)
        failed: list[int] = []

        async def run(group: list[U]) -> None:
            for update in group:
                try:
                    await self.apply(update)
                except NotApplied:
                    # The rest of this member's updates wait for it, to keep their order.
                    failed.append(self.update_id(update))
                    return

        await asyncio.gather(*(run(group) for group in groups.values()))
        if failed:
            return min(failed), True
        return max(self.update_id(update) for update in updates) + 1, False

    async def run(self, stop: asyncio.Event, *, timeout: int = 30) -> None:
        """Poll until `stop` is set; the offset only moves past updates that were applied."""
        offset: int | None = None
        delay = 0.0
        while not stop.is_set():
            if delay:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                if stop.is_set():
                    break
            fetch = asyncio.ensure_future(self.fetch(offset, timeout))
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not fetch.done():
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetch
                break
            try:
                updates = fetch.result()
            except self.fetch_errors as error:
                log.warning("fetching updates failed: %s", type(error).__name__)
                delay = min(self.max_delay, max(1.0, delay * 2))
                continue
            if not updates:
                delay = 0.0
                continue
            offset, failed = await self.apply_batch(updates)
            delay = min(self.max_delay, max(0.5, delay * 2)) if failed else 0.0
        if offset is not None:
            # Confirm what was applied, so a restart does not fetch it again (it would be a no-op).
            with contextlib.suppress(*self.fetch_errors):
                await self.fetch(offset, 0)


def polling_adapter(
    name: str, capabilities: Capabilities, sender: Any, updates: Any, timeout: int, routes: Any = None
) -> ChannelAdapter:
    """A channel whose updates come by getUpdates or by webhook (Telegram, the Zalo Bot), as the runtime
    registers it: `updates` polls (`updates.poll(stop, timeout=)`) and closes, the sender keeps its
    ChannelHealth (`sender.health`)."""

    async def poll(stop: asyncio.Event) -> None:
        await updates.poll(stop, timeout=timeout)

    async def health() -> dict[str, Any]:
        return sender.health.as_dict()  # type: ignore[no-any-return]

    return ChannelAdapter(
        name,
        capabilities,
        sender=sender,
        updates=updates,
        poll=poll,
        close=updates.close,
        routes=routes,
        health=health,
    )
