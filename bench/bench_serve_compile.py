"""Other members' turns while a 1,000-unit compile runs inside `baocao serve` (issue 9's last line).

Run by hand:  .venv/bin/python bench/bench_serve_compile.py [--communes 1000] [--members 200]
              [--rate 30] [--seconds 40] [--runs 2]

`baocao serve` runs in a process of its own (the real app: `bot.web.create_app` on the runtime, the
Telegram channel pointed at a fake Bot API in a third process on 127.0.0.1). The database (a fresh
SQLite file) holds a province of 10 districts × 100 communes, every commune submitted with every
question of ct30-20nam v2 answered (narratives of ~150 words; bench/bench_gather.py builds it), and,
in another province with a campaign of its own, `--members` cadres joined and writing their reports.

Each run offers a steady `--rate` turns/s from those members (a narrative part each: a full turn —
claim, load, engine, answer + revision + state + outbox row, commit — then sendMessage) for
`--seconds`, and measures each turn from its webhook POST to its reply reaching the fake Bot API.
First without a compile (the baseline), then with the province's supervisor typing "/tonghop" a few
seconds in: gather 1,000 units, write the DOCX, the XLSX and the chart, send the three documents. The
turns posted between the "/tonghop" and the third document's arrival are the ones "during" it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_gather  # noqa: E402
import bench_telegram  # noqa: E402
from bench_telegram import PYTHON, SECRET, SECRET_KEY, TOKEN, free_port, process, update_body  # noqa: E402

SUPERVISOR = 9_000_000
CHAT_FIELD = re.compile(rb'name="chat_id"\r\n(?:[^\r\n]+\r\n)*\r\n(-?\d+)')


# --- the fake Bot API (its own process) ------------------------------------------------------------


def run_fake_api(port: int) -> None:
    """Answer every Bot API call; remember when each sendMessage and sendDocument arrived, per chat."""
    messages: dict[str, list[float]] = defaultdict(list)
    documents: dict[str, list[float]] = defaultdict(list)
    count = 0

    async def method(request: web.Request) -> web.Response:
        nonlocal count
        name = request.match_info["method"]
        result: Any = True
        if name == "sendMessage":
            chat = str((await request.post())["chat_id"])
            messages[chat].append(time.monotonic())
        elif name == "sendDocument":
            # The raw body, not request.post(): parsing an 8 MB multipart upload in Python would stall
            # this fake's own loop, and the members' replies would seem late for a reason of its own.
            found = CHAT_FIELD.search(await request.read())
            chat = found[1].decode() if found else "0"
            documents[chat].append(time.monotonic())
        if name in ("sendMessage", "sendDocument"):
            count += 1
            result = {"message_id": count, "date": 0, "chat": {"id": int(chat), "type": "private"}}
        elif name == "getMe":
            result = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "BenchBot"}
        return web.json_response({"ok": True, "result": result})

    async def dump(request: web.Request) -> web.Response:
        return web.json_response({"messages": messages, "documents": documents, "count": count})

    async def reset(request: web.Request) -> web.Response:
        nonlocal count
        messages.clear()
        documents.clear()
        count = 0
        return web.json_response({})

    app = web.Application(client_max_size=200 * 1024 * 1024)
    app.router.add_post("/bot{token}/{method}", method)
    app.router.add_get("/dump", dump)
    app.router.add_post("/reset", reset)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# --- the database --------------------------------------------------------------------------------


async def prepare(url: str, communes: int, members: int) -> tuple[str, list[str]]:
    """The province to compile (bench_gather's), the members' own province; invite codes."""
    from storage.campaigns import create_campaign
    from storage.db import Database
    from storage.invites import create_invite
    from storage.migrate import upgrade
    from storage.units import UnitRow, import_units

    await upgrade(url)
    db = Database.connect(url)
    try:
        await bench_gather.build(db, communes)
        rows = [
            UnitRow(2, "QB", "Tỉnh ủy Quảng Bình", "tinh", None),
            UnitRow(3, "QB-H", "Huyện ủy Mẫu", "huyen", "QB"),
        ]
        rows += [UnitRow(4 + i, f"QB-X{i}", f"Đảng ủy xã {i}", "xa", "QB-H") for i in range(members)]
        await import_units(db, rows)
        now = datetime.now(UTC)
        async with db.session() as session, session.begin():
            await create_campaign(
                session, "ct30-20nam", 1, "Báo cáo của các xã", "QB", {"xa": date(2030, 6, 30)}
            )
            supervisor = await create_invite(
                session, "QT", "supervisor", uses=1, days=30, now=now, secret=SECRET_KEY
            )
            codes = [
                await create_invite(
                    session, f"QB-X{i}", "reporter", uses=1, days=30, now=now, secret=SECRET_KEY
                )
                for i in range(members)
            ]
    finally:
        await db.dispose()
    return supervisor, codes


# --- the load ------------------------------------------------------------------------------------


class Load:
    def __init__(self, bot: str, api: str) -> None:
        self.webhook = bot + "/telegram/webhook"
        self.api = api
        self.next_id = 1_000
        self.headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}

    def body(self, user: int, text: str) -> bytes:
        self.next_id += 1
        return update_body(self.next_id, user, text)

    async def post(self, http: aiohttp.ClientSession, body: bytes) -> None:
        async with http.post(self.webhook, data=body, headers=self.headers) as response:
            await response.read()
            if response.status >= 400:
                raise RuntimeError(f"webhook answered {response.status}")

    async def dump(self, http: aiohttp.ClientSession) -> dict[str, Any]:
        async with http.get(self.api + "/dump") as response:
            return json.loads(await response.read())

    async def each_once(self, users: list[int], text: str) -> None:
        """Every user sends `text` once (joining, opening the report), and waits for the replies."""
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(self.post(http, self.body(user, text)) for user in users))
            await asyncio.sleep(1.0)

    async def steady(
        self, users: list[int], rate: float, seconds: float, compile_at: float | None
    ) -> tuple[list[tuple[float, float]], tuple[float, float] | None]:
        """`rate` turns/s for `seconds`; (posted, latency) per turn, and the compile's window."""
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1000)) as http:
            async with http.post(self.api + "/reset") as response:
                await response.read()
            sent: dict[str, list[float]] = defaultdict(list)
            tasks = []
            started = time.monotonic()
            asked: float | None = None
            count = int(rate * seconds)
            for n in range(count):
                at = started + n / rate
                if compile_at is not None and asked is None and at - started >= compile_at:
                    asked = time.monotonic()
                    tasks.append(asyncio.create_task(self.post(http, self.body(SUPERVISOR, "/tonghop"))))
                delay = at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                user = users[n % len(users)]
                posted = time.monotonic()
                sent[str(user)].append(posted)
                tasks.append(asyncio.create_task(self.post(http, self.body(user, bench_telegram.NARRATIVE))))
            await asyncio.gather(*tasks)
            deadline = time.monotonic() + (600 if compile_at is not None else 60)
            while time.monotonic() < deadline:
                dump = await self.dump(http)
                replied = sum(len(dump["messages"].get(chat, [])) for chat in sent)
                documents = dump["documents"].get(str(SUPERVISOR), [])
                if replied >= count and (compile_at is None or len(documents) >= 3):
                    break
                await asyncio.sleep(0.2)
            else:
                raise RuntimeError("timed out waiting for the replies or the compiled files")
        turns = [
            (posted - started, arrived - posted)
            for chat, posts in sent.items()
            for posted, arrived in zip(sorted(posts), sorted(dump["messages"].get(chat, [])), strict=False)
        ]
        window = None
        if asked is not None:
            window = (asked - started, max(dump["documents"][str(SUPERVISOR)]) - started)
        return turns, window


def figures(latencies: list[float]) -> str:
    if not latencies:
        return "no turns"
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    return (
        f"p50 {pct(50):6.1f} ms, p99 {pct(99):6.1f} ms, max {1000 * ordered[-1]:6.1f} ms "
        f"({len(ordered):,} turns)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", nargs="?", default="bench", choices=["bench", "fake-api"])
    parser.add_argument("--port", type=int)
    parser.add_argument("--communes", type=int, default=1000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--compile-at", type=float, default=5.0, help="seconds into the run")
    parser.add_argument("--runs", type=int, default=2, help="baseline and compile runs, alternating")
    parser.add_argument("--slow", type=float, default=0.0, help="list the turns slower than this (s)")
    options = parser.parse_args()
    if options.mode == "fake-api":
        run_fake_api(options.port)
        return

    folder = Path(tempfile.mkdtemp(prefix="bench-serve-compile-"))
    url = f"sqlite+aiosqlite:///{folder / 'baocao.db'}"
    started = time.perf_counter()
    supervisor, codes = asyncio.run(prepare(url, options.communes, options.members))
    print(
        f"built {options.communes:,} submitted communes and {options.members} members in "
        f"{time.perf_counter() - started:.0f} s; {os.cpu_count()} CPUs",
        flush=True,
    )
    api_port, port = free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}"
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
    )
    users = [10_000 + i for i in range(options.members)]
    fake = [PYTHON, str(Path(__file__).resolve()), "fake-api", "--port", str(api_port)]
    serve = [str(Path(PYTHON).parent / "baocao"), "serve", "--port", str(port)]
    with (
        process(fake, ready_url=f"{api}/dump"),
        process(serve, env=env, ready_url=f"http://127.0.0.1:{port}/healthz"),
    ):
        load = Load(f"http://127.0.0.1:{port}", api)
        asyncio.run(_join(load, users, codes, supervisor))
        baseline: list[float] = []
        during: list[float] = []
        outside: list[float] = []
        windows = []
        for run in range(options.runs):
            turns, _ = asyncio.run(load.steady(users, options.rate, options.seconds, None))
            baseline += [latency for _, latency in turns]
            print(f"run {run + 1}, no compile:     {figures([latency for _, latency in turns])}", flush=True)
            turns, window = asyncio.run(load.steady(users, options.rate, options.seconds, options.compile_at))
            assert window is not None
            windows.append(window[1] - window[0])
            inside = [latency for posted, latency in turns if window[0] <= posted <= window[1]]
            if options.slow:
                for posted, latency in sorted(turns):
                    if latency >= options.slow:
                        print(
                            f"    slow: posted {posted - window[0]:+.2f} s after /tonghop, "
                            f"{latency * 1000:.0f} ms"
                        )
            during += inside
            outside += [latency for posted, latency in turns if not window[0] <= posted <= window[1]]
            print(
                f"run {run + 1}, during compile: {figures(inside)}; the compile took "
                f"{window[1] - window[0]:.1f} s (/tonghop to the third document)",
                flush=True,
            )
    print()
    stored = asyncio.run(_revisions(url))
    print(f"{options.rate:.0f} turns/s from {options.members} members; {options.communes:,}-unit compile")
    print(f"  answer revisions the members' turns stored: {stored:,} (every turn writes one)")
    print(f"  without a compile:  {figures(baseline)}")
    print(f"  during the compile: {figures(during)}")
    print(f"  compile, /tonghop to the three files delivered: median {statistics.median(windows):.1f} s")


async def _join(load: Load, users: list[int], codes: list[str], supervisor: str) -> None:
    async with aiohttp.ClientSession() as http:
        await asyncio.gather(
            *(
                load.post(http, load.body(user, f"/start {code}"))
                for user, code in zip(users, codes, strict=True)
            )
        )
        await load.post(http, load.body(SUPERVISOR, f"/start {supervisor}"))
        await asyncio.gather(*(load.post(http, load.body(user, "/baocao")) for user in users))
        # Past the first question (the unit's kind on v1 is a narrative): every later turn appends.
        await asyncio.gather(*(load.post(http, load.body(user, bench_telegram.NARRATIVE)) for user in users))
    await asyncio.sleep(1.0)


async def _revisions(url: str) -> int:
    from sqlalchemy import func, select

    from storage.db import Database
    from storage.models import AnswerRevision

    db = Database.connect(url)
    try:
        async with db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(AnswerRevision)) or 0)
    finally:
        await db.dispose()


if __name__ == "__main__":
    main()
