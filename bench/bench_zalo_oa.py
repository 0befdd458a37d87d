"""Benchmark of issue 11: the Zalo OA webhook end to end, set against the Telegram webhook in the same run.

Run by hand:  .venv/bin/python bench/bench_zalo_oa.py [--updates 5000] [--concurrency 50] [--runs 3]

One `baocao serve` process with both channels configured replies to a fake server (another process,
on 127.0.0.1) that answers Telegram's Bot API and Zalo's `message/cs` alike; the load comes from this
process. `--members` cadres join on each channel beforehand (not measured); then each event is a
narrative part appended to the current answer: on the OA, signature check → engine → database →
outbox → `message/cs` to the fake. Saturation: `--updates` events with `--concurrency` senders, until
the last reply reached the fake (median of `--runs`). Latency: a steady `--rate` events/s for
`--latency-seconds`, from the webhook POST to the reply reaching the fake.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_telegram import (  # noqa: E402
    NARRATIVE,
    PYTHON,
    SECRET,
    SECRET_KEY,
    TOKEN,
    Load,
    free_port,
    prepare_database,
    process,
    update_body,
)

APP_ID = "3608465249409039"
OA_SECRET = "bench-oa-secret-key"
APP_SECRET = "bench-app-secret"


def run_fake(port: int) -> None:
    """Answer the Bot API and the OA API; remember when each reply arrived, per chat."""
    arrivals: dict[str, list[float]] = defaultdict(list)
    count = 0

    async def telegram(request: web.Request) -> web.Response:
        nonlocal count
        result: Any = True
        if request.match_info["method"] == "sendMessage":
            form = await request.post()
            arrivals[str(form["chat_id"])].append(time.monotonic())
            count += 1
            result = {
                "message_id": count,
                "date": 0,
                "chat": {"id": int(str(form["chat_id"])), "type": "private"},
            }
        elif request.match_info["method"] == "getMe":
            result = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "BenchBot"}
        return web.json_response({"ok": True, "result": result})

    async def oa_message(request: web.Request) -> web.Response:
        nonlocal count
        body = await request.json()
        user = str(body["recipient"]["user_id"])
        arrivals[user].append(time.monotonic())
        count += 1
        return web.json_response({"error": 0, "message": "Success", "data": {"message_id": str(count)}})

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
    app.router.add_post("/bot{token}/{method}", telegram)
    app.router.add_post("/v3.0/oa/message/cs", oa_message)
    app.router.add_get("/stats", stats)
    app.router.add_get("/dump", dump)
    app.router.add_post("/reset", reset)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def oa_event(msg_id: int, user: int, text: str) -> bytes:
    event = {
        "app_id": APP_ID,
        "event_name": "user_send_text",
        "timestamp": str(int(time.time() * 1000)),
        "sender": {"id": str(user)},
        "recipient": {"id": "1"},
        "message": {"text": text, "msg_id": f"b{msg_id}"},
    }
    return json.dumps(event, ensure_ascii=False).encode()


class OALoad(Load):
    """The Telegram load's shape, posting signed OA events to `/zalo/oa/webhook`."""

    def __init__(self, bot_url: str, api_url: str) -> None:
        super().__init__(bot_url, api_url)
        self.bot_url = bot_url + "/zalo/oa/webhook"

    def bodies(self, users: list[int], count: int, text: str = NARRATIVE) -> list[tuple[int, bytes]]:
        result = []
        for n in range(count):
            self.next_id += 1
            user = users[n % len(users)]
            result.append((user, oa_event(self.next_id, user, text)))
        return result

    async def post(self, http: aiohttp.ClientSession, body: bytes) -> int:
        timestamp = json.loads(body)["timestamp"]
        mac = hashlib.sha256(APP_ID.encode() + body + timestamp.encode() + OA_SECRET.encode()).hexdigest()
        headers = {"Content-Type": "application/json", "X-ZEvent-Signature": f"mac={mac}"}
        async with http.post(self.bot_url, data=body, headers=headers) as response:
            await response.read()
            return response.status


async def store_tokens(url: str) -> None:
    from storage.db import Database
    from storage.zalo_oa import TokenPair, store_pair

    db = Database.connect(url)
    try:
        now = datetime.now(UTC)
        await store_pair(
            db, APP_ID, TokenPair("bench-access", "bench-refresh", now + timedelta(hours=25)), now
        )
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", nargs="?", default="bench", choices=["bench", "fake"])
    parser.add_argument("--port", type=int)
    parser.add_argument("--updates", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--latency-seconds", type=float, default=20.0)
    parser.add_argument("--database-url", help="on this database instead of a fresh SQLite file")
    parser.add_argument("--profile", metavar="FILE", help="`serve` under cProfile, stats to FILE")
    parser.add_argument("--only-oa", action="store_true", help="measure the OA alone (with --profile)")
    options = parser.parse_args()
    if options.mode == "fake":
        run_fake(options.port)
        return

    folder = Path(tempfile.mkdtemp(prefix="bench-zalo-oa-"))
    url = options.database_url or f"sqlite+aiosqlite:///{folder / 'baocao.db'}"
    codes = asyncio.run(prepare_database(url, 2 * options.members))
    asyncio.run(store_tokens(url))
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
        BAOCAO_ZALO_OA_APP_ID=APP_ID,
        BAOCAO_ZALO_OA_SECRET_KEY=OA_SECRET,
        BAOCAO_ZALO_OA_APP_SECRET=APP_SECRET,
        BAOCAO_ZALO_OA_API_BASE=api,
        BAOCAO_ZALO_OA_OAUTH_BASE=api,
        BAOCAO_ZALO_OA_MESSAGES_PER_SECOND="1000000",
        BAOCAO_ZALO_OA_CHAT_MESSAGES_PER_SECOND="1000",
        BAOCAO_ZALO_OA_CHAT_BURST="100",
    )
    baocao = [str(Path(PYTHON).parent / "baocao")]
    if options.profile:
        baocao = [PYTHON, "-m", "cProfile", "-o", options.profile, *baocao]
    fake = [PYTHON, str(Path(__file__).resolve()), "fake", "--port", str(api_port)]
    telegram_users = [10_000 + i for i in range(options.members)]
    oa_users = [8_800_000_000 + i for i in range(options.members)]
    with (
        process(fake, ready_url=api + "/stats"),
        process(
            [*baocao, "serve", "--port", str(port)], env=env, ready_url=f"http://127.0.0.1:{port}/healthz"
        ),
    ):
        bot = f"http://127.0.0.1:{port}"
        loads = {"Telegram webhook": Load(bot, api), "Zalo OA webhook": OALoad(bot, api)}
        telegram_load, oa_load = loads.values()
        joins = []
        for user, code in zip(telegram_users, codes[: options.members], strict=True):
            telegram_load.next_id += 1
            joins.append((user, update_body(telegram_load.next_id, user, f"/start {code}")))
        asyncio.run(telegram_load.saturate(joins, options.concurrency))
        oa_joins = []
        for user, code in zip(oa_users, codes[options.members :], strict=True):
            oa_load.next_id += 1
            oa_joins.append((user, oa_event(oa_load.next_id, user, code)))
        asyncio.run(oa_load.saturate(oa_joins, options.concurrency))
        medians = {}
        for (name, load), users in zip(loads.items(), (telegram_users, oa_users), strict=True):
            if options.only_oa and load is telegram_load:
                continue
            asyncio.run(load.saturate(load.bodies(users, len(users), "/baocao"), options.concurrency))
            runs = [
                asyncio.run(load.saturate(load.bodies(users, options.updates), options.concurrency))
                for _ in range(options.runs)
            ]
            medians[name] = statistics.median(runs)
            print(
                f"{name + ', saturation':<32} {medians[name]:8,.0f} events/s   "
                f"(runs: {', '.join(f'{r:,.0f}' for r in runs)})",
                flush=True,
            )
        if options.only_oa:
            return
        ratio = medians["Zalo OA webhook"] / medians["Telegram webhook"]
        print(f"{'Zalo OA / Telegram':<32} {ratio:8.2f}", flush=True)
        for (name, load), users in zip(loads.items(), (telegram_users, oa_users), strict=True):
            count = int(options.rate * options.latency_seconds)
            p50_http, p99_http, p50, p99 = asyncio.run(load.steady(load.bodies(users, count), options.rate))
            label = f"{name}, {options.rate:.0f}/s steady"
            print(
                f"{label:<32} reply p50 {p50:6.1f} ms, p99 {p99:6.1f} ms   "
                f"(webhook answered: p50 {p50_http:.1f} ms, p99 {p99_http:.1f} ms; {count:,} events)",
                flush=True,
            )


if __name__ == "__main__":
    main()
