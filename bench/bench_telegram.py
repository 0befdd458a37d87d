"""Benchmark of issue 3: the Telegram webhook end to end, against three reference bots in the same run.

Run by hand:  .venv/bin/python bench/bench_telegram.py [--updates 20000] [--concurrency 50] [--runs 3]

Every bot runs in a process of its own and replies to a fake Bot API (another process, on 127.0.0.1);
the load comes from this process. A run posts `--updates` webhook updates with `--concurrency`
senders and ends when the last reply has reached the fake Bot API; each row is the median of `--runs`.

  aiogram echo (aiohttp)     aiogram's own SimpleRequestHandler; the handler answers with sendMessage
  aiogram echo (FastAPI)     the same dispatcher behind a FastAPI route on uvicorn
  FastAPI echo + insert      that bot with one SQLAlchemy insert and commit per update (SQLite)
  ours                       `baocao serve`: HTTP in → engine → database → outbox → reply out

Ours serves `--members` cadres of as many communes, joined beforehand (not measured), each update a
narrative part appended to the current answer (a full turn: claim the update, load, engine, answer
+ revision + dialog state + outbox row, commit, then sendMessage). Telegram's 30 messages/s limit is
lifted for the run (BAOCAO_TELEGRAM_MESSAGES_PER_SECOND): it measures this code, not Telegram.
Then latency: a steady `--rate` updates/s from the members for `--latency-seconds`, from the
webhook POST to the reply reaching the fake Bot API.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from fastapi import FastAPI, Request, Response

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456789:BENCH-token_for-the-fake-bot-api"
SECRET = "bench-secret"
SECRET_KEY = "bench-secret-key-0123456789"  # BAOCAO_SECRET_KEY: invite codes are hashed under it
PYTHON = sys.executable
NARRATIVE = "Đảng ủy đã tổ chức hội nghị quán triệt Chỉ thị 30-CT/TW cho cán bộ, đảng viên và Nhân dân."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the fake Bot API (its own process) ----------------------------------------------------------------


def run_fake_api(port: int) -> None:
    """Answer every Bot API call; remember when each sendMessage arrived, per chat."""
    arrivals: dict[str, list[float]] = defaultdict(list)
    count = 0
    me = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "BenchBot"}

    async def method(request: web.Request) -> web.Response:
        nonlocal count
        name = request.match_info["method"]
        if name == "sendMessage":
            form = await request.post()
            chat = str(form["chat_id"])
            arrivals[chat].append(time.monotonic())
            count += 1
            result: Any = {
                "message_id": count,
                "date": 0,
                "chat": {"id": int(chat), "type": "private"},
                "text": "x",
            }
        elif name == "getMe":
            result = me
        else:
            result = True
        return web.json_response({"ok": True, "result": result})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response({"count": count})

    async def dump(request: web.Request) -> web.Response:
        return web.json_response(arrivals)

    async def reset(request: web.Request) -> web.Response:
        nonlocal count
        arrivals.clear()
        count = 0
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", method)
    app.router.add_get("/stats", stats)
    app.router.add_get("/dump", dump)
    app.router.add_post("/reset", reset)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# --- the reference bots (each in its own process) ----------------------------------------------------


def echo_dispatcher():  # type: ignore[no-untyped-def]
    from aiogram import Dispatcher
    from aiogram.types import Message

    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "…")

    return dispatcher


def echo_bot(api: str):  # type: ignore[no-untyped-def]
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))


def run_echo_aiohttp(port: int, api: str) -> None:
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application

    dispatcher, bot = echo_dispatcher(), echo_bot(api)
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token=SECRET).register(app, path="/telegram/webhook")
    setup_application(app, dispatcher, bot=bot)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def run_echo_fastapi(port: int, api: str, database: str | None) -> None:
    import uvicorn
    from aiogram.types import Update
    from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, insert
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    metadata = MetaData()
    seen = Table(
        "seen",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("update_id", BigInteger),
        Column("text", String(4096)),
    )
    dispatcher, bot = echo_dispatcher(), echo_bot(api)
    # SQLite's default 5 s busy timeout fails inserts with "database is locked" when 50 senders
    # outrun it on a slow sitting; the reference must not error where ours queues.
    engine = (
        create_async_engine(f"sqlite+aiosqlite:///{database}", connect_args={"timeout": 60})
        if database
        else None
    )
    sessions = async_sessionmaker(engine) if engine else None

    async def create() -> None:
        if engine is not None:
            async with engine.begin() as connection:
                await connection.run_sync(metadata.create_all)

    app = FastAPI(on_startup=[create])

    @app.post("/telegram/webhook")
    async def webhook(request: Request) -> Response:
        update = Update.model_validate_json(await request.body(), context={"bot": bot})
        if sessions is not None:
            async with sessions() as session, session.begin():
                text = update.message.text if update.message else ""
                await session.execute(insert(seen).values(update_id=update.update_id, text=text))
        await dispatcher.feed_update(bot, update)
        return Response()

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --- load ------------------------------------------------------------------------------------------------


def update_body(update_id: int, user: int, text: str) -> bytes:
    message = {
        "message_id": update_id,
        "date": 0,
        "chat": {"id": user, "type": "private"},
        "from": {"id": user, "is_bot": False, "first_name": "Cán bộ"},
        "text": text,
    }
    return json.dumps({"update_id": update_id, "message": message}, ensure_ascii=False).encode()


class Load:
    """Posts updates to a bot's webhook and watches the fake Bot API for the replies."""

    def __init__(self, bot_url: str, api_url: str) -> None:
        self.bot_url = bot_url + "/telegram/webhook"
        self.api_url = api_url
        self.next_id = random.randrange(10**6, 10**9)
        self.headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}

    def bodies(self, users: list[int], count: int, text: str = NARRATIVE) -> list[tuple[int, bytes]]:
        result = []
        for n in range(count):
            self.next_id += 1
            user = users[n % len(users)]
            result.append((user, update_body(self.next_id, user, text)))
        random.shuffle(result)
        return result

    async def replies(self, http: aiohttp.ClientSession) -> int:
        async with http.get(self.api_url + "/stats") as response:
            return int((await response.json())["count"])

    async def reset(self, http: aiohttp.ClientSession) -> None:
        async with http.post(self.api_url + "/reset") as response:
            await response.read()

    async def post(self, http: aiohttp.ClientSession, body: bytes) -> int:
        async with http.post(self.bot_url, data=body, headers=self.headers) as response:
            await response.read()
            return response.status

    async def saturate(self, bodies: list[tuple[int, bytes]], concurrency: int) -> float:
        """Post everything with `concurrency` senders; updates/s until the last reply arrived."""
        connector = aiohttp.TCPConnector(limit=concurrency + 5)
        async with aiohttp.ClientSession(connector=connector) as http:
            await self.reset(http)
            queue = iter(bodies)
            errors = 0

            async def sender() -> None:
                nonlocal errors
                for _, body in queue:
                    if await self.post(http, body) >= 400:
                        errors += 1

            started = time.monotonic()
            await asyncio.gather(*(sender() for _ in range(concurrency)))
            expected = len(bodies) - errors
            while await self.replies(http) < expected:
                await asyncio.sleep(0.02)
            elapsed = time.monotonic() - started
            if errors:
                print(f"    ({errors} requests refused)")
            return len(bodies) / elapsed

    async def steady(self, bodies: list[tuple[int, bytes]], rate: float) -> tuple[float, float, float, float]:
        """Offer `rate` updates/s; p50/p99 of webhook response and of reply arrival, in ms."""
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1000)) as http:
            await self.reset(http)
            sent: dict[str, list[float]] = defaultdict(list)
            answered: list[float] = []
            tasks = []
            started = time.monotonic()

            async def one(user: int, body: bytes) -> None:
                at = time.monotonic()
                sent[str(user)].append(at)
                await self.post(http, body)
                answered.append(time.monotonic() - at)

            for n, (user, body) in enumerate(bodies):
                delay = started + n / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(user, body)))
            await asyncio.gather(*tasks)
            deadline = time.monotonic() + 30
            while await self.replies(http) < len(bodies) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            async with http.get(self.api_url + "/dump") as response:
                arrivals: dict[str, list[float]] = await response.json()
        latencies = [
            arrived - posted
            for chat, posts in sent.items()
            for posted, arrived in zip(sorted(posts), sorted(arrivals.get(chat, [])), strict=False)
        ]
        return (
            percentile(answered, 50),
            percentile(answered, 99),
            percentile(latencies, 50),
            percentile(latencies, 99),
        )


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


# --- processes -------------------------------------------------------------------------------------------


@contextmanager
def process(
    args: list[str], env: dict[str, str] | None = None, ready_url: str | None = None
) -> Iterator[None]:
    # stderr to a file: a pipe nobody reads would stall a chatty child once it fills.
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-telegram-", suffix=".log", delete=False)  # noqa: SIM115
    child = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, text=True)
    try:
        if ready_url is not None:
            wait_ready(ready_url, child, log.name)
        yield
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:
            child.kill()
        log.close()


def wait_ready(url: str, child: subprocess.Popen[str], log: str) -> None:
    async def probe() -> None:
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as http:
            while True:
                if child.poll() is not None:
                    raise RuntimeError(f"{url}: the process ended: {Path(log).read_text()[-2000:]}")
                try:
                    async with http.get(url, timeout=aiohttp.ClientTimeout(total=1)) as response:
                        if response.status < 500:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} did not start")
                await asyncio.sleep(0.1)

    asyncio.run(probe())


def this_file(*args: str) -> list[str]:
    return [PYTHON, str(Path(__file__).resolve()), *args]


def reference_row(name: str, args: list[str], api: str, options: argparse.Namespace) -> float:
    port = free_port()
    with process(this_file(*args, "--port", str(port), "--api", api), ready_url=f"http://127.0.0.1:{port}/x"):
        load = Load(f"http://127.0.0.1:{port}", api)
        users = list(range(1, options.members + 1))
        warm_up = load.bodies(users, min(2000, options.updates))
        asyncio.run(load.saturate(warm_up, options.concurrency))
        runs = [
            asyncio.run(load.saturate(load.bodies(users, options.updates), options.concurrency))
            for _ in range(options.runs)
        ]
    median = statistics.median(runs)
    print(f"{name:<34} {median:8,.0f} updates/s   (runs: {', '.join(f'{r:,.0f}' for r in runs)})", flush=True)
    return median


# --- ours ------------------------------------------------------------------------------------------------


async def prepare_database(url: str, members: int) -> list[str]:
    """Communes with an open ct30-20nam campaign and one invite code each."""
    sys.path.insert(0, str(ROOT))
    from storage.campaigns import create_campaign
    from storage.db import Database
    from storage.invites import create_invite
    from storage.migrate import upgrade
    from storage.units import UnitRow, import_units

    await upgrade(url)
    db = Database.connect(url)
    try:
        rows = [UnitRow(2, "T", "Tỉnh Mẫu", "tinh", None), UnitRow(3, "H", "Huyện Mẫu", "huyen", "T")]
        rows += [UnitRow(4 + i, f"X{i}", f"Xã {i}", "xa", "H") for i in range(members)]
        await import_units(db, rows)
        now = datetime.now(UTC)
        async with db.session() as session, session.begin():
            deadlines = {"xa": date(2030, 6, 30), "huyen": date(2030, 7, 30), "tinh": date(2030, 8, 30)}
            await create_campaign(session, "ct30-20nam", 1, "Tổng kết 20 năm Chỉ thị 30", "T", deadlines)
            return [
                await create_invite(session, f"X{i}", "reporter", uses=1, days=30, now=now, secret=SECRET_KEY)
                for i in range(members)
            ]
    finally:
        await db.dispose()


def our_rows(api: str, options: argparse.Namespace, echo_fastapi: float, gc_freeze: bool) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-telegram-"))
    url = options.database_url or f"sqlite+aiosqlite:///{folder / 'baocao.db'}"
    codes = asyncio.run(prepare_database(url, options.members))
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("BAOCAO_")}
    env.update(
        BAOCAO_DATABASE_URL=url,
        BAOCAO_LOG_FILE=str(folder / "baocao.log"),
        BAOCAO_TELEGRAM_TOKEN=TOKEN,
        BAOCAO_TELEGRAM_API_BASE=api,
        BAOCAO_TELEGRAM_WEBHOOK_SECRET=SECRET,
        BAOCAO_SECRET_KEY=SECRET_KEY,
        BAOCAO_PUBLIC_URL="https://bench.example.vn",
        BAOCAO_TELEGRAM_MESSAGES_PER_SECOND="1000000",
        BAOCAO_TELEGRAM_CHAT_MESSAGES_PER_SECOND="1000",
        BAOCAO_TELEGRAM_CHAT_BURST="100",
        BAOCAO_GC_FREEZE="true" if gc_freeze else "false",
    )
    baocao = [str(Path(PYTHON).parent / "baocao")]
    if options.profile:
        baocao = [PYTHON, "-m", "cProfile", "-o", options.profile, *baocao]
    users = [10_000 + i for i in range(options.members)]
    label = "ours (gc frozen)" if gc_freeze else "ours (gc as is)"
    with process(
        [*baocao, "serve", "--port", str(port)], env=env, ready_url=f"http://127.0.0.1:{port}/healthz"
    ):
        load = Load(f"http://127.0.0.1:{port}", api)
        joins = []
        for user, code in zip(users, codes, strict=True):
            load.next_id += 1
            joins.append((user, update_body(load.next_id, user, f"/start {code}")))
        asyncio.run(load.saturate(joins, options.concurrency))
        asyncio.run(load.saturate(load.bodies(users, len(users), "/baocao"), options.concurrency))
        runs = [
            asyncio.run(load.saturate(load.bodies(users, options.updates), options.concurrency))
            for _ in range(options.runs)
        ]
        median = statistics.median(runs)
        print(
            f"{label + ', saturation':<34} {median:8,.0f} updates/s   (runs: "
            f"{', '.join(f'{r:,.0f}' for r in runs)}); {median / echo_fastapi:.2f}× the FastAPI echo bot",
            flush=True,
        )
        count = int(options.rate * options.latency_seconds)
        p50_http, p99_http, p50, p99 = asyncio.run(load.steady(load.bodies(users, count), options.rate))
        steady = f"{label}, {options.rate:.0f} updates/s steady"
        print(
            f"{steady:<34} reply p50 {p50:6.1f} ms, p99 {p99:6.1f} ms"
            f"   (webhook answered: p50 {p50_http:.1f} ms, p99 {p99_http:.1f} ms; {count:,} updates from "
            f"{options.members:,} members)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "mode",
        nargs="?",
        default="bench",
        choices=["bench", "fake-api", "echo-aiohttp", "echo-fastapi", "echo-fastapi-db"],
    )
    parser.add_argument("--port", type=int)
    parser.add_argument("--api")
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--members", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--latency-seconds", type=float, default=30.0)
    parser.add_argument("--database-url", help="ours on this database instead of a fresh SQLite file")
    parser.add_argument("--skip-references", action="store_true", help="only ours (ratio to --echo-fastapi)")
    parser.add_argument("--echo-fastapi", type=float, default=580.0, help="with --skip-references")
    parser.add_argument("--both-gc", action="store_true", help="ours with and without gc.freeze()")
    parser.add_argument("--profile", metavar="FILE", help="run ours under cProfile, the statistics to FILE")
    options = parser.parse_args()

    if options.mode == "fake-api":
        run_fake_api(options.port)
        return
    if options.mode == "echo-aiohttp":
        run_echo_aiohttp(options.port, options.api)
        return
    if options.mode in ("echo-fastapi", "echo-fastapi-db"):
        database = str(Path(tempfile.mkdtemp()) / "echo.db") if options.mode == "echo-fastapi-db" else None
        run_echo_fastapi(options.port, options.api, database)
        return

    gc.disable()  # the load generator's own pauses must not show up in the bots' figures
    print(
        f"{options.updates:,} updates, {options.concurrency} concurrent senders, median of {options.runs}; "
        f"{os.cpu_count()} CPUs",
        flush=True,
    )
    api_port = free_port()
    api = f"http://127.0.0.1:{api_port}"
    with process(this_file("fake-api", "--port", str(api_port)), ready_url=f"{api}/stats"):
        if options.skip_references:
            echo_fastapi = options.echo_fastapi
        else:
            reference_row("aiogram echo, aiohttp webhook", ["echo-aiohttp"], api, options)
            echo_fastapi = reference_row("aiogram echo, FastAPI + uvicorn", ["echo-fastapi"], api, options)
            reference_row("FastAPI echo + 1 insert (SQLite)", ["echo-fastapi-db"], api, options)
        for frozen in (True, False) if options.both_gc else (True,):
            our_rows(api, options, echo_fastapi, frozen)


if __name__ == "__main__":
    main()
