"""Benchmark of issue 2: engine turns/s, full turns/s with 50 members at once, memory vs. dialogs.

Run by hand:  .venv/bin/python bench/bench_turns.py [--turns 10000] [--postgres URL]
The engine alone:  .venv/bin/python bench/bench_turns.py --turns 0 --postgres none --skip-memory
Prints what it measured on this machine; nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, insert, select, text

from bot.service import Inbound, ReportService
from dialogs import engine
from dialogs.builtin import get_outline
from dialogs.events import Context, DialogState, Incoming, SaveAnswer, SubmissionView
from storage.campaigns import create_campaign
from storage.db import Database
from storage.invites import create_invite
from storage.migrate import upgrade
from storage.models import AnswerRevision, DialogStateRow, Identity, Member, Membership, Submission, Unit
from storage.units import UnitRow, import_units

OUTLINE = "ct30-20nam"
SECRET = "bench-secret-key-0123456789"  # BAOCAO_SECRET_KEY: invite codes are hashed under it
# The version the README's figures were measured on; the campaign and the mirrors must agree on it.
OUTLINE_VERSION = 1
NARRATIVE = "Đảng ủy đã tổ chức hội nghị quán triệt Chỉ thị 30-CT/TW cho cán bộ, đảng viên và Nhân dân. "


def rss_mib() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def answer_for(question_type: str) -> str:
    """A typical answer to a question of this type (numbers for counts, a paragraph otherwise)."""
    if question_type in ("integer", "decimal"):
        return str(random.randint(0, 50))
    if question_type in ("choice", "yesno", "multi"):
        return "1"
    if question_type == "date":
        return "15/06/2018"
    return NARRATIVE


def next_message(state: DialogState, outline) -> str:  # type: ignore[no-untyped-def]
    """What a cadre at `state` types next: an answer, or "tiếp" after a narrative part, or /baocao."""
    if state.question_id is None:
        # Everything answered: go back and redo an answer, as cadres do before submitting.
        return f"/sua {random.randint(1, outline.question_count)}"
    if state.mode != "answering":
        return "/baocao"
    if state.parts > 0:
        return "tiếp"
    return answer_for(outline.question(state.question_id).type.value)


def bench_engine(turns: int) -> tuple[float, float]:
    """Turns/s of engine.step alone, and of step plus the state's JSON round trip (as stored)."""
    outline = get_outline(OUTLINE, OUTLINE_VERSION)
    submission = SubmissionView(id=1, unit_name="Xã Mẫu")
    now = datetime.now(UTC)
    state, answers = DialogState(), {}
    in_step = in_json = 0.0
    for _ in range(turns):
        incoming = Incoming(text=next_message(state, outline))
        context = Context(outline=outline, answers=answers, submission=submission, now=now)
        started = time.perf_counter()
        turn = engine.step(context, state, incoming)
        stepped = time.perf_counter()
        state = DialogState.from_json(turn.state.to_json())
        in_json += time.perf_counter() - stepped
        in_step += stepped - started
        for effect in turn.effects:
            if isinstance(effect, SaveAnswer):
                answers[effect.question_id] = effect.answer
    return turns / in_step, turns / (in_step + in_json)


async def prepare(url: str, members: int) -> tuple[Database, list[str]]:
    """A fresh database with one commune per member, a campaign, and every member joined."""
    await upgrade(url)
    db = Database.connect(url, pool_size=20)
    rows = [UnitRow(line=2, code="T", name="Tỉnh", level="tinh", parent_code=None)]
    rows += [
        UnitRow(line=3 + i, code=f"X{i}", name=f"Xã {i}", level="xa", parent_code="T") for i in range(members)
    ]
    await import_units(db, rows)
    now = datetime.now(UTC)
    async with db.session() as session, session.begin():
        await create_campaign(
            session,
            OUTLINE,
            OUTLINE_VERSION,
            "Tổng kết",
            "T",
            {"xa": date(2030, 6, 30), "tinh": date(2030, 8, 31)},
        )
        codes = [
            await create_invite(session, f"X{i}", "reporter", uses=1, days=30, now=now, secret=SECRET)
            for i in range(members)
        ]
    service = ReportService(db, secret=SECRET)
    for i, code in enumerate(codes):
        await service.handle(Inbound("bench", f"m{i}", f"m{i}", Incoming(text=code), update_id=f"join-{i}"))
    return db, [f"m{i}" for i in range(members)]


async def bench_full(url: str, members: int, turns: int) -> dict[str, float]:
    db, users = await prepare(url, members)
    outline = get_outline(OUTLINE, OUTLINE_VERSION)
    service = ReportService(db, secret=SECRET)
    errors = 0
    latencies: list[float] = []
    expected_saves = 0
    per_member = turns // members
    counter = 0

    async def member(user: str) -> None:
        nonlocal errors, expected_saves, counter
        # The member mirrors the dialog with the pure engine (it is the only writer of its unit), so
        # it knows what to type next and how many answers the database must hold, without queries.
        state, answers = DialogState(), {}
        submission = SubmissionView(id=0, unit_name="")
        for _ in range(per_member):
            message = next_message(state, outline)
            counter += 1
            started = time.perf_counter()
            try:
                outbound = await service.handle(
                    Inbound("bench", user, user, Incoming(text=message), update_id=f"t{counter}")
                )
            except Exception as error:  # noqa: BLE001 - counted and reported
                errors += 1
                if errors == 1:
                    print(f"first error: {error!r}")
                continue
            latencies.append(time.perf_counter() - started)
            assert outbound is not None
            context = Context(outline=outline, answers=answers, submission=submission, now=datetime.now(UTC))
            turn = engine.step(context, state, Incoming(text=message))
            for effect in turn.effects:
                if isinstance(effect, SaveAnswer):
                    answers[effect.question_id] = effect.answer
                    expected_saves += 1
            state = turn.state

    started = time.perf_counter()
    await asyncio.gather(*(member(u) for u in users))
    elapsed = time.perf_counter() - started
    async with db.session() as session:
        stored = (await session.execute(select(func.count()).select_from(AnswerRevision))).scalar_one()
    await db.dispose()
    latencies.sort()
    done = len(latencies)
    return {
        "turns": done,
        "turns_per_s_wall": done / elapsed,
        "turn_p50_ms": 1000 * statistics.median(latencies),
        "turn_p99_ms": 1000 * latencies[int(0.99 * (done - 1))],
        "turns_per_s_from_latency": members / statistics.mean(latencies),
        "errors": errors,
        "lost": expected_saves - stored,
    }


async def seed_dialogs(db: Database, count: int, start: int) -> None:
    """`count` half-finished dialogs written straight to the tables (members, units, submissions)."""
    now = datetime.now(UTC)
    async with db.session() as session, session.begin():
        campaign_id = (await session.execute(text("select min(id) from campaigns"))).scalar_one()
        root = (await session.execute(select(Unit.id).where(Unit.code == "T"))).scalar_one()
        state = DialogState(mode="answering", question_id="q1_3").to_json()
        for base in range(start, start + count, 5000):
            ids = range(base, min(base + 5000, start + count))
            await session.execute(
                insert(Unit),
                [
                    {
                        "id": 10_000_000 + i,
                        "code": f"H{i}",
                        "name": f"Xã {i}",
                        "level": "xa",
                        "parent_id": root,
                        "path": f"/{root}/{10_000_000 + i}/",
                        "depth": 1,
                    }
                    for i in ids
                ],
            )
            await session.execute(
                insert(Member),
                [{"id": 10_000_000 + i, "display_name": "", "locale": "vi", "created_at": now} for i in ids],
            )
            await session.execute(
                insert(Membership),
                [
                    {
                        "member_id": 10_000_000 + i,
                        "unit_id": 10_000_000 + i,
                        "role": "reporter",
                        "created_at": now,
                    }
                    for i in ids
                ],
            )
            await session.execute(
                insert(Identity),
                [{"member_id": 10_000_000 + i, "channel": "bench", "external_id": f"h{i}"} for i in ids],
            )
            await session.execute(
                insert(Submission),
                [
                    {
                        "id": 10_000_000 + i,
                        "campaign_id": campaign_id,
                        "unit_id": 10_000_000 + i,
                        "status": "draft",
                        "version": 1,
                        "answered_count": 2,
                        "last_activity_at": now,
                    }
                    for i in ids
                ],
            )
            await session.execute(
                insert(DialogStateRow),
                [
                    {
                        "member_id": 10_000_000 + i,
                        "campaign_id": campaign_id,
                        "state": state,
                        "revision": 1,
                        "updated_at": now,
                    }
                    for i in ids
                ],
            )


async def bench_memory(url: str, sizes: list[int], turns: int) -> list[tuple[int, float]]:
    db, users = await prepare(url, 50)
    service = ReportService(db, secret=SECRET)
    seeded = 0
    results = []
    for size in sizes:
        await seed_dialogs(db, size - seeded, seeded)
        seeded = size
        # Half-finished dialogs are touched at random; process memory must not follow their number.
        for n in range(turns):
            user = f"h{random.randrange(size)}"
            await service.handle(
                Inbound("bench", user, user, Incoming(text=NARRATIVE), update_id=f"mem{size}-{n}")
            )
        gc.collect()
        results.append((size, rss_mib()))
    await db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=10_000, help="full turns per backend (0: engine alone)")
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--engine-turns", type=int, default=100_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BAOCAO_BENCH_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/bench"),
    )
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()

    alone, with_json = bench_engine(args.engine_turns)
    print(
        f"engine alone: {alone:,.0f} turns/s; with the state's JSON round trip: {with_json:,.0f} turns/s "
        f"({args.engine_turns:,} turns of a cadre answering ct30-20nam)"
    )
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        backends = [("SQLite", sqlite_url)]
        if args.postgres != "none" and asyncio.run(_postgres_ready(args.postgres)):
            backends.append(("PostgreSQL", args.postgres))
        for name, url in backends if args.turns > 0 else ():  # --turns 0: the engine alone
            r = asyncio.run(bench_full(url, args.members, args.turns))
            print(
                f"full turns on {name}, {args.members} members at once: "
                f"{r['turns_per_s_wall']:,.0f} turns/s, "
                f"p50 {r['turn_p50_ms']:.1f} ms, p99 {r['turn_p99_ms']:.1f} ms, "
                f"errors {r['errors']}, lost {r['lost']} ({r['turns']:,} turns)"
            )
        if not args.skip_memory:
            mem_url = f"sqlite+aiosqlite:///{Path(folder) / 'memory.db'}"
            for size, rss in asyncio.run(bench_memory(mem_url, [1_000, 10_000, 100_000], 2_000)):
                print(f"memory with {size:>7,} half-finished dialogs in the database: RSS {rss:.0f} MiB")


async def _postgres_ready(url: str) -> bool:
    """Create the benchmark database afresh if PostgreSQL answers; False if it does not."""
    import asyncpg

    try:
        admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres", timeout=2)
    except (OSError, asyncpg.PostgresError):
        return False
    name = url.rsplit("/", 1)[-1]
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return True


if __name__ == "__main__":
    main()
