"""A large compile in a process of its own: it gathers and writes there, and only the files come back.

In a worker thread of `baocao serve` a province's compile shared the interpreter lock with the event
loop for seconds: every statement and socket call of every other member's turn waited up to a switch
interval to get it back, so turns took 200–700 ms (p99 ~1 s) for as long as the files were being
written (bench/bench_serve_compile.py). A child process has its own interpreter and its own (reader)
database connection; the parent only waits on a pipe. Handing it the gathered `Compilation` instead
would not do: pickling a 1,000-unit one holds the lock for ~250 ms in one stretch. So the child
gathers too, from ids, and sends back progress, then the files (bytes pickle as a copy).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from multiprocessing.connection import Connection
from typing import Any

from storage.compiled import Source

NICENESS = 10  # added to the child's nice value (lower priority)


@dataclass(frozen=True)
class Compiled:
    """What a delivered compile says: whose it is and how many units reported."""

    unit_code: str
    unit_name: str
    reported: int
    total: int


class ChildFailed(RuntimeError):
    """The compile's process ended without its files (the reason is in its log)."""


@dataclass(frozen=True)
class Order:
    """Everything the child needs, all plain and picklable."""

    database_url: str
    unit_id: int
    campaign_id: int
    source: Source | None
    now: datetime
    today: date
    zone: tzinfo | None


def _child(order: Order, pipe: Connection, log_file: str | None, log_level: str) -> None:
    """The child process: gather, write, send ("total", n), ("progress", n)…, then ("done", …)."""
    import logging
    import os

    try:
        # Background work: where the cores are busy, the members' turns in the parent go first.
        os.nice(NICENESS)
    except (AttributeError, OSError):
        pass

    if log_file:
        logging.basicConfig(
            filename=log_file, level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    try:
        compiled, files = asyncio.run(_work(order, pipe))
        pipe.send(("done", compiled, files))
    except BaseException:  # noqa: BLE001 - reported to the parent as a failure; the log keeps the rest
        logging.getLogger(__name__).exception("compile failed in its process")
        pipe.send(("failed",))
    finally:
        pipe.close()


async def _work(order: Order, pipe: Connection) -> tuple[Compiled, list[tuple[str, bytes]]]:
    from bot.compiling import _write_all, read
    from storage.campaigns import all_campaigns
    from storage.db import Database
    from storage.units import unit_by_id

    db = Database.connect(order.database_url, pool_size=1)
    try:
        async with db.reader() as session:
            unit = await unit_by_id(session, order.unit_id)
            campaign = next((c for c in await all_campaigns(session) if c.id == order.campaign_id), None)
            if unit is None or campaign is None:
                raise LookupError("the unit or the campaign is gone")
            compilation, counts = await read(
                session, campaign, unit, order.now, order.today, source=order.source
            )
    finally:
        await db.dispose()
    pipe.send(("total", len(compilation.units)))
    told = [0]

    def progress(done: int, _: int) -> None:
        if done != told[0]:
            told[0] = done
            pipe.send(("progress", done))

    files = _write_all(compilation, counts, progress, order.zone)
    compiled = Compiled(
        compilation.unit_code, compilation.unit_name, len(compilation.reported), len(compilation.units)
    )
    return compiled, files


async def compile_in_child(
    order: Order,
    on_total: Any,
    on_progress: Any,
    *,
    log_file: str | None = None,
    log_level: str = "WARNING",
) -> tuple[Compiled, list[tuple[str, bytes]]]:
    """Run the compile in a spawned process; `on_total(n)` and `on_progress(done)` as it goes."""
    context = multiprocessing.get_context("spawn")  # never fork a process with threads and a loop
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(order, sending, log_file, log_level), name="baocao-compile", daemon=True
    )
    process.start()
    sending.close()
    try:
        while True:
            try:
                # Read in a thread: the pipe's read releases the interpreter lock while it waits.
                message = await asyncio.to_thread(receiving.recv)
            except EOFError:
                raise ChildFailed("the compile's process ended") from None
            kind = message[0]
            if kind == "total":
                on_total(message[1])
            elif kind == "progress":
                on_progress(message[1])
            elif kind == "done":
                return message[1], message[2]
            else:
                raise ChildFailed("the compile failed in its process")
    finally:
        if process.is_alive():
            process.terminate()  # cancelled (the runtime stops): its pipe closes, the reading thread ends
        await asyncio.to_thread(process.join, 10)
        receiving.close()
