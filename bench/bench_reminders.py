"""Benchmark of issue 10: a broadcast of reminders within Telegram's limits, by one bot process or two.

Run by hand:  .venv/bin/python bench/bench_reminders.py [--reminders 10000] [--processes 1 2]
              [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/benchreminders]

`--reminders` bulk messages to as many chats are queued through `Outbox.queue_messages(...,
bulk=True)`, as the reminders are, while `baocao serve` runs (one process, or two against the same
database). They go to a fake Bot API on 127.0.0.1 (in a thread of this process) that answers 429 to
any send beyond 30 in the second before it, as Telegram's flood control does. During the broadcast
a cadre, joined beforehand, writes part of a narrative answer `--cadre-messages` times (a real turn
through the webhook, alternately to each process); the time from the POST to the reply reaching the
fake Bot API is the answer time. Printed per configuration: sustained messages/s from the first
reminder delivered to the last, 429s provoked, duplicates, lost (never delivered, and rows not
recorded as sent), and the cadre's answer times.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_telegram import (  # noqa: E402 - after the path is set
    NARRATIVE,
    SECRET,
    SECRET_KEY,
    free_port,
    prepare_database,
    process,
    update_body,
)

from tests.channels.telegram.fake_bot_api import TOKEN, FakeBotApi  # noqa: E402

CADRE = 5_000_000  # the cadre's Telegram id (and chat); reminders go to chats from FIRST_CHAT on
FIRST_CHAT = 2_000_000


async def queue_broadcast(url: str, count: int) -> float:
    """Queue `count` bulk messages to as many chats, as reminders are queued; seconds it took."""
    from bot.app import KNOWN_CAPABILITIES
    from bot.channels.base import RenderedMessage
    from bot.outbox import Outbox
    from storage.db import Database

    db = Database.connect(url)
    outbox = Outbox(db, capabilities=KNOWN_CAPABILITIES)
    started = time.monotonic()
    try:
        for first in range(0, count, 1000):
            async with db.session() as session, session.begin():
                for chat in range(FIRST_CHAT + first, FIRST_CHAT + min(count, first + 1000)):
                    text = f"Báo cáo của Xã {chat}: còn 12/35 câu, hạn 30/6/2030 — còn 3 ngày"
                    await outbox.queue_messages(
                        session, "telegram", str(chat), [RenderedMessage(text)], bulk=True
                    )
    finally:
        await db.dispose()
    return time.monotonic() - started


async def queue_in_child(url: str, count: int) -> float:
    """Queue the broadcast from another process: this one's work must not delay the fake Bot API's
    thread, which times every send (a late arrival would make two sends look closer than they are)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--queue",
        "--database-url",
        url,
        "--reminders",
        str(count),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError("queueing the broadcast failed")
    return float(out.decode().strip().splitlines()[-1])


async def outbox_counts(url: str) -> dict[str, int]:
    from storage import outbox as store
    from storage.db import Database

    db = Database.connect(url)
    try:
        async with db.session() as session:
            return await store.counts(session, "telegram")
    finally:
        await db.dispose()


class Cadre:
    """The cadre who writes during the broadcast, through one process's webhook or the other's."""

    def __init__(self, ports: list[int]) -> None:
        self.urls = [f"http://127.0.0.1:{port}/telegram/webhook" for port in ports]
        self.headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
        self.update_id = 7_000_000
        self.turns = 0

    async def say(self, http: aiohttp.ClientSession, text: str) -> float:
        """Post one message; when it was posted."""
        self.update_id += 1
        url = self.urls[self.turns % len(self.urls)]
        self.turns += 1
        posted = time.monotonic()
        async with http.post(
            url, data=update_body(self.update_id, CADRE, text), headers=self.headers
        ) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"the webhook answered {response.status}")
        return posted


async def run_configuration(options: argparse.Namespace, processes: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    url = options.database_url or f"sqlite+aiosqlite:///{folder / 'baocao.db'}"
    if options.database_url and not options.database_url.startswith("sqlite"):
        await reset_postgres(url)
    [code] = await prepare_database(url, 1)

    api = FakeBotApi(TOKEN, record=False, per_second=options.per_second).start()
    reminders: list[tuple[str, float]] = []
    replies: list[float] = []

    def on_send(method: str, params: dict[str, object]) -> None:
        chat = str(params.get("chat_id"))
        if chat == str(CADRE):
            replies.append(time.monotonic())
        else:
            reminders.append((chat, time.monotonic()))

    api.on_send = on_send
    env = {key: value for key, value in os.environ.items() if not key.startswith("BAOCAO_")}
    env.update(
        BAOCAO_DATABASE_URL=url,
        BAOCAO_LOG_FILE=str(folder / "baocao.log"),
        BAOCAO_TELEGRAM_TOKEN=TOKEN,
        BAOCAO_TELEGRAM_API_BASE=api.base_url,
        BAOCAO_TELEGRAM_WEBHOOK_SECRET=SECRET,
        BAOCAO_SECRET_KEY=SECRET_KEY,
        BAOCAO_PUBLIC_URL="https://bench.example.vn",
    )
    ports = [free_port() for _ in range(processes)]
    baocao = str(Path(sys.executable).parent / "baocao")
    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    try:
        async with _processes(baocao, ports, env):
            cadre = Cadre(ports)
            async with aiohttp.ClientSession() as http:
                for text in (f"/start {code}", "/baocao"):
                    before = len(replies)
                    await cadre.say(http, text)
                    await _until(lambda before=before: len(replies) > before, 30)
                await asyncio.sleep(1.5)  # the join's replies are all out
                queued_in = await queue_in_child(url, options.reminders)
                answers: list[float] = []
                marks = [
                    options.reminders * (k + 1) // (options.cadre_messages + 1)
                    for k in range(options.cadre_messages)
                ]
                deadline = time.monotonic() + options.reminders / 10 + 120
                for mark in marks:
                    await _until(lambda mark=mark: len(reminders) >= mark, deadline - time.monotonic())
                    before = len(replies)
                    posted = await cadre.say(http, NARRATIVE)
                    await _until(lambda before=before: len(replies) > before, 30)
                    answers.append(replies[before] - posted)
                await _until(lambda: len(reminders) >= options.reminders, deadline - time.monotonic())
                await asyncio.sleep(2.0)  # anything sent twice would arrive now
        counts = await outbox_counts(url)
    finally:
        api.stop()

    chats = Counter(chat for chat, _ in reminders)
    times = sorted(at for _, at in reminders)
    sustained = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else float("nan")
    if options.gaps:
        long = [
            (f"{a - times[0]:.2f}", f"{(b - a) * 1000:.0f}")
            for a, b in zip(times, times[1:], strict=False)
            if b - a > 0.06
        ]
        print(f"    long gaps (at s, ms): {long[:40]}")
    gaps = sorted(b - a for a, b in zip(times, times[1:], strict=False))
    if gaps and options.gaps:
        quantiles = {
            p: gaps[min(len(gaps) - 1, int(len(gaps) * p / 100))] * 1000 for p in (1, 10, 50, 90, 99)
        }
        over = sum(g for g in gaps if g > 0.06)
        print(f"    gaps between deliveries (ms): {quantiles}; time in gaps over 60 ms: {over:.1f} s")
    duplicates = sum(n - 1 for n in chats.values())
    lost = options.reminders - len(chats)
    print(
        f"{processes} process{'es' if processes > 1 else ''}, {backend}: {len(chats):,} reminders delivered "
        f"(queued in {queued_in:.1f} s); sustained {sustained:.2f} messages/s "
        f"over {times[-1] - times[0]:.0f} s; "
        f"429s provoked {api.flooded}; duplicates {duplicates}; lost {lost}; outbox rows {counts}; "
        f"cadre answered in {', '.join(f'{a * 1000:.0f}' for a in answers)} ms "
        f"(median {statistics.median(answers) * 1000:.0f} ms, max {max(answers) * 1000:.0f} ms)",
        flush=True,
    )


class _processes:
    """`baocao serve` on each port, started and stopped together."""

    def __init__(self, baocao: str, ports: list[int], env: dict[str, str]) -> None:
        self.contexts = [
            process(
                [baocao, "serve", "--port", str(port)], env=env, ready_url=f"http://127.0.0.1:{port}/healthz"
            )
            for port in ports
        ]

    # bench_telegram's helpers run their own event loop: in a thread, away from this one.
    async def __aenter__(self) -> None:
        for context in self.contexts:
            await asyncio.to_thread(context.__enter__)

    async def __aexit__(self, *exc: object) -> None:
        for context in reversed(self.contexts):
            await asyncio.to_thread(context.__exit__, None, None, None)


async def _until(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + max(0.0, timeout)
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the broadcast did not finish in time")
        await asyncio.sleep(0.01)


async def reset_postgres(url: str) -> None:
    """Drop and create the benchmark's PostgreSQL database."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    from storage.db import async_url

    parsed = async_url(url)
    server = create_async_engine(
        parsed.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        async with server.connect() as connection:
            name = make_url(url).database
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        await server.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="configurations to run")
    parser.add_argument(
        "--cadre-messages", type=int, default=5, help="the cadre's messages during each broadcast"
    )
    parser.add_argument("--per-second", type=int, default=30, help="the fake Bot API's limit")
    parser.add_argument("--gaps", action="store_true", help="also print the gaps between deliveries")
    parser.add_argument(
        "--database-url", help="PostgreSQL (dropped and created); default: a fresh SQLite file"
    )
    parser.add_argument("--queue", action="store_true", help=argparse.SUPPRESS)  # the child that queues
    options = parser.parse_args()
    if options.queue:
        print(asyncio.run(queue_broadcast(options.database_url, options.reminders)))
        return
    print(
        f"{options.reminders:,} reminders to as many chats; the fake Bot API refuses a send beyond "
        f"{options.per_second} in one second; {os.cpu_count()} CPUs",
        flush=True,
    )
    for processes in options.processes:
        asyncio.run(run_configuration(options, processes))


if __name__ == "__main__":
    main()
