"""The Zalo Bot webhook against the Telegram webhook, in one process, on the same database and code.

Run by hand:  .venv/bin/python bench/bench_zalo_bot.py [--members 200] [--updates 3000] [--concurrency 20]

Both channels are registered in one runtime (SQLite in a temporary folder), each replying to its fake
platform (tests/channels/*: aiohttp on 127.0.0.1 in a thread). The web app is driven in process
through httpx's ASGI transport (no uvicorn, no sockets in): `--members` cadres per channel are joined
and start the report beforehand (not measured); then `--updates` webhook posts per channel, each a
narrative part appended to the current answer (claim, load, engine, answer + revision + state +
outbox row, commit), `--concurrency` at a time. A run ends when the last reply reached the fake
platform. Channels alternate (Telegram, Zalo, Telegram, Zalo) and the best of each is reported, with
p50/p99 of the webhook's response time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import runtime  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.web import create_app  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.channels.telegram.fake_bot_api import TOKEN as TELEGRAM_TOKEN  # noqa: E402
from tests.channels.telegram.fake_bot_api import FakeBotApi, text_update  # noqa: E402
from tests.channels.telegram.world import build_world  # noqa: E402
from tests.channels.zalo_bot.fake_bot import TOKEN as ZALO_TOKEN  # noqa: E402
from tests.channels.zalo_bot.fake_bot import FakeZaloBot  # noqa: E402
from tests.channels.zalo_bot.fake_bot import text_update as zalo_update  # noqa: E402
from tests.secret import SECRET  # noqa: E402

TG_SECRET = "bench-telegram-secret"
ZALO_SECRET = "bench-zalo-secret"


async def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-zalo-"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await upgrade(url)
    with FakeBotApi(record=True) as telegram, FakeZaloBot() as zalo:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=url,
            secret_key=SECRET,
            public_url="https://baocao.example.vn",
            telegram_token=TELEGRAM_TOKEN,
            telegram_api_base=telegram.base_url,
            telegram_webhook_secret=TG_SECRET,
            telegram_messages_per_second=100_000.0,
            telegram_chat_messages_per_second=100_000.0,
            telegram_chat_burst=100_000,
            zalo_bot_token=ZALO_TOKEN,
            zalo_bot_api_base=zalo.base_url,
            zalo_bot_webhook_secret=ZALO_SECRET,
            zalo_bot_messages_per_second=100_000.0,
            zalo_bot_chat_messages_per_second=100_000.0,
            zalo_bot_chat_burst=100_000,
        )
        async with runtime(settings) as running:
            world = await build_world(running.db, uses=100_000)
            app = create_app(settings, running=running)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
                    sent = {"telegram": 0, "zalo": 0}

                    def post_telegram(user: int, text: str) -> Any:
                        body = text_update(user, text, update_id=telegram.next_update_id())
                        headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
                        return http.post("/telegram/webhook", content=json.dumps(body), headers=headers)

                    def post_zalo(user: int, text: str) -> Any:
                        body = zalo_update(f"z{user}", text)
                        headers = {"X-Bot-Api-Secret-Token": ZALO_SECRET}
                        return http.post("/zalo/bot/webhook", content=json.dumps(body), headers=headers)

                    posts = {"telegram": post_telegram, "zalo": post_zalo}
                    replies = {
                        "telegram": lambda: len(telegram.calls_of("sendMessage")),
                        "zalo": lambda: len(zalo.calls_of("sendMessage")),
                    }
                    members = list(range(10_000, 10_000 + args.members))
                    for name, post in posts.items():
                        for user in members:
                            for text in (f"/start {world.codes['X1']}", "/baocao"):
                                assert (await post(user, text)).status_code == 200
                                sent[name] += 1
                    await asyncio.sleep(1)
                    results: dict[str, list[tuple[float, float, float]]] = {"telegram": [], "zalo": []}
                    for _ in range(args.runs):
                        for name, post in posts.items():
                            results[name].append(await measure(post, replies[name], members, args))
    for name, runs in results.items():
        best = max(runs)
        shown = ", ".join(f"{r[0]:,.0f}" for r in runs)
        latency = f"webhook p50 {best[1]:.1f} ms, p99 {best[2]:.1f} ms"
        print(f"{name:9} {best[0]:7,.0f} updates/s (runs: {shown}); {latency}")
    ratio = max(results["zalo"])[0] / max(results["telegram"])[0]
    print(f"Zalo Bot / Telegram: {ratio:.2f}")


async def measure(
    post: Any, replies: Any, members: list[int], args: argparse.Namespace
) -> tuple[float, float, float]:
    before = replies()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(args.updates):
        queue.put_nowait(members[index % len(members)])
    timings: list[float] = []
    locks = {user: asyncio.Lock() for user in members}

    async def sender() -> None:
        while not queue.empty():
            user = queue.get_nowait()
            async with locks[user]:
                started = time.perf_counter()
                response = await post(user, "Đã tổ chức hội nghị nhân dân, lấy ý kiến rộng rãi.")
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(args.concurrency)))
    while replies() - before < args.updates:
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - started
    timings.sort()
    return args.updates / elapsed, statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--runs", type=int, default=2)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
