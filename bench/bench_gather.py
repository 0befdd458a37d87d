"""Gathering a province for "tổng hợp", and what a compile in the background does to the event loop.

A province of 10 districts × 100 communes (1,000 grassroots units) in a campaign on ct30-20nam v2,
every commune submitted with every question of the outline answered (narratives of ~150 words), in a
fresh SQLite file (or --database-url). Prints the time of `storage.compiled.gather` (a few queries
whatever the size), then runs the whole chat compile's writing (DOCX, XLSX, PNG) in a worker thread
while a 10 ms ticker on the event loop records how late it wakes: its p50/p99/max lag is what every
other member's turn waits on top of its own work while a compile runs.

    .venv/bin/python bench/bench_gather.py [--communes 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, select

from dialogs.builtin import get_outline
from dialogs.outline import QuestionType
from dialogs.plan import plan_of
from storage.campaigns import all_campaigns, create_campaign
from storage.compiled import gather
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Answer, Submission, Unit
from storage.oversight import progress_report
from storage.units import UnitRow, import_units, unit_by_code

WORDS = "cán bộ đảng viên nhân dân tuyên truyền quy chế dân chủ cơ sở hội nghị thôn xóm hương ước".split()


def narrative(n: int, q: int) -> str:
    return " ".join(WORDS[(n * 7 + q * 3 + i) % len(WORDS)] for i in range(150)) + f" (đơn vị {n}, câu {q})."


async def build(db: Database, communes: int) -> None:
    rows = [UnitRow(2, "QT", "Tỉnh ủy Quảng Trị", "tinh", None)]
    districts = max(1, communes // 100)
    for d in range(districts):
        rows.append(UnitRow(3, f"H{d:02d}", f"Huyện ủy Số {d}", "huyen", "QT"))
        for c in range(communes // districts):
            rows.append(UnitRow(4, f"H{d:02d}-X{c:03d}", f"Đảng ủy xã {d}-{c}", "xa", f"H{d:02d}"))
    await import_units(db, rows)
    outline = get_outline("ct30-20nam", 2)
    items = plan_of(outline).answerable
    now = datetime.now(UTC)
    async with db.session() as session, session.begin():
        campaign_id = await create_campaign(
            session, outline.id, outline.version, "Tổng kết 20 năm Chỉ thị 30", "QT", {"xa": date(2030, 1, 1)}
        )
        ids = list(await session.scalars(select(Unit.id).where(Unit.level == "xa").order_by(Unit.id)))
        await session.execute(
            insert(Submission),
            [
                {
                    "campaign_id": campaign_id,
                    "unit_id": unit_id,
                    "status": "submitted",
                    "version": 1,
                    "submitted_version": 1,
                    "submitted_at": now,
                    "answered_count": len(items),
                }
                for unit_id in ids
            ],
        )
        subs = list(await session.scalars(select(Submission.id).order_by(Submission.id)))
        batch = []
        for n, sub in enumerate(subs):
            for q, item in enumerate(items):
                if item.type is QuestionType.TEXT:
                    value: object = narrative(n, q)
                elif item.type in (QuestionType.INTEGER, QuestionType.DECIMAL):
                    value = (n + q) % 50
                elif item.type is QuestionType.CHOICE and item.question.choices:
                    value = item.question.choices[0].value
                else:
                    continue
                batch.append(
                    {"submission_id": sub, "question_id": item.id, "value": value, "updated_at": now}
                )
            if len(batch) > 5000:
                await session.execute(insert(Answer), batch)
                batch = []
        if batch:
            await session.execute(insert(Answer), batch)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=1000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'gather.db'}"
        await upgrade(url)
        db = Database.connect(url)
        started = time.perf_counter()
        await build(db, args.communes)
        print(f"built {args.communes} submitted communes in {time.perf_counter() - started:.1f} s")
        async with db.session() as session:
            campaign = (await all_campaigns(session))[0]
            unit = await unit_by_code(session, "QT")
            assert unit is not None
            times = []
            gather_lags: list[float] = []
            done = asyncio.Event()

            async def watch() -> None:
                while not done.is_set():
                    before = time.perf_counter()
                    await asyncio.sleep(0.01)
                    gather_lags.append(time.perf_counter() - before - 0.01)

            watcher = asyncio.get_running_loop().create_task(watch())
            for _ in range(3):
                started = time.perf_counter()
                compilation = await gather(session, campaign, unit, datetime.now(UTC))
                times.append(time.perf_counter() - started)
            done.set()
            await watcher
            counts = (await progress_report(session, campaign, unit, date.today())).children
        answers = sum(len(u.answers) for u in compilation.units)
        print(
            f"gather: {len(compilation.units)} units, {answers} answers: "
            f"{statistics.median(times) * 1000:.0f} ms (median of 3: "
            + ", ".join(f"{t * 1000:.0f}" for t in times)
            + ")"
        )
        await db.dispose()
        print(
            f"event loop lag during the gathers: max {max(gather_lags) * 1000:.1f} ms "
            f"({len(gather_lags)} ticks)"
        )

    from bot.compiling import _write_all

    lags: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - before - 0.01)

    tick = asyncio.get_running_loop().create_task(ticker())
    await asyncio.sleep(0.5)
    idle = sorted(lags)
    lags.clear()
    started = time.perf_counter()
    files = await asyncio.to_thread(_write_all, compilation, counts, None)
    took = time.perf_counter() - started
    stop.set()
    await tick
    busy = sorted(lags)

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(len(values) * p))] * 1000

    sizes = ", ".join(f"{name} {len(content) / 1e6:.1f} MB" for name, content in files)
    print(f"write DOCX + XLSX + PNG in a worker thread: {took:.1f} s ({sizes})")
    print(f"event loop lag, idle: p50 {pct(idle, 0.5):.1f} ms, p99 {pct(idle, 0.99):.1f} ms")
    print(
        f"event loop lag while writing: p50 {pct(busy, 0.5):.1f} ms, p99 {pct(busy, 0.99):.1f} ms, "
        f"max {busy[-1] * 1000:.1f} ms ({len(busy)} ticks)"
    )


if __name__ == "__main__":
    asyncio.run(main())
