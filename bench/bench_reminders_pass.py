"""Benchmark of issue 10 (the reminders' side): how long one pass takes to plan and queue N reminders.

A province, 10 districts, N communes under them, one Telegram reporter per commune, nobody submitted;
a pass at 08:00 local on the −3 day plans N reminders and records + queues them in the outbox in
batches of 100 (storage/reminders.py, bot/reminders/passes.py). Then the same pass again (everything
recorded: nothing to queue) and a dry run. The sending itself is the outbox's (bench_telegram.py).

Run by hand:  .venv/bin/python bench/bench_reminders_pass.py [--communes 10000] [--postgres URL|none]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bot.app import KNOWN_CAPABILITIES
from bot.outbox import Outbox
from bot.reminders.passes import ReminderPass
from storage.campaigns import create_campaign
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Identity, Member, Membership
from storage.units import UnitRow, import_units

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
AT = datetime(2030, 6, 27, 8, 0, tzinfo=HCM)  # −3 before 30/6/2030


async def build(db: Database, communes: int) -> None:
    rows = [UnitRow(line=2, code="T", name="Tỉnh", level="tinh", parent_code=None)]
    rows += [
        UnitRow(line=3 + d, code=f"H{d}", name=f"Huyện {d}", level="huyen", parent_code="T")
        for d in range(10)
    ]
    rows += [
        UnitRow(line=20 + c, code=f"X{c}", name=f"Xã {c}", level="xa", parent_code=f"H{c % 10}")
        for c in range(communes)
    ]
    await import_units(db, rows)
    now = datetime.now(UTC)
    async with db.session() as session, session.begin():
        await create_campaign(session, "ct30-20nam", 1, "Tổng kết", "T", {"xa": date(2030, 6, 30)})
        units = dict((await session.execute(text("SELECT code, id FROM units"))).all())
        await session.execute(
            insert(Member), [{"id": i + 1, "display_name": f"Cán bộ {i}", "locale": "vi", "created_at": now}
                             for i in range(communes)]
        )  # fmt: skip
        await session.execute(
            insert(Identity),
            [
                {"member_id": i + 1, "channel": "telegram", "external_id": str(10_000_000 + i)}
                for i in range(communes)
            ],
        )
        await session.execute(
            insert(Membership),
            [
                {"member_id": i + 1, "unit_id": units[f"X{i}"], "role": "reporter", "created_at": now}
                for i in range(communes)
            ],
        )


async def measure(url: str, communes: int) -> None:
    await upgrade(url)
    db = Database.connect(url)
    try:
        await build(db, communes)
        outbox = Outbox(db, capabilities=KNOWN_CAPABILITIES, zone=HCM)
        passes = ReminderPass(db, outbox, KNOWN_CAPABILITIES, HCM)
        started = time.perf_counter()
        dry = await passes.run(AT, dry_run=True)
        planned = time.perf_counter() - started
        started = time.perf_counter()
        report = await passes.run(AT)
        queued = time.perf_counter() - started
        started = time.perf_counter()
        again = await passes.run(AT)
        rerun = time.perf_counter() - started
    finally:
        await db.dispose()
    backend = make_url(url).get_backend_name()
    print(
        f"{backend}: {communes} communes — dry run (plan) {planned:.2f} s for {len(dry.planned)}; "
        f"pass {queued:.2f} s, {report.queued} queued ({report.queued / queued:.0f}/s); "
        f"same pass again {rerun:.2f} s, {again.queued} queued"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=10_000)
    parser.add_argument("--postgres", default=os.environ.get("BAOCAO_TEST_DATABASE_URL", "none"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        await measure(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", args.communes)
    if args.postgres != "none":
        base = make_url(args.postgres)
        name = f"bench_reminders_{os.getpid()}"
        admin = Database.connect(base.render_as_string(hide_password=False))
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            await measure(base.set(database=name).render_as_string(hide_password=False), args.communes)
        finally:
            async with admin.engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
