"""Benchmark of issue 8: "ai chưa nộp" (first page) and "tiến độ" over a tree the size of the country.

A generated tree: a national root, 34 provinces, 700 districts, 100,000 grassroots units (communes)
under them; a campaign with a third of the communes submitted (or approved), a third in progress
(answered, required and done sections filled as turns leave them), a third not started, and a
reporter who joined in one commune of three. Everything is inserted in bulk, not through the bot.

Times storage.oversight.missing_page (page 0) and progress_report, each call in a fresh session as
the bot makes them, for one province, the national root and one district, on SQLite and on
PostgreSQL (a scratch database, dropped afterwards). Prints the median, fastest and slowest of
`--runs` calls after one warm-up call.

Run by hand:  .venv/bin/python bench/bench_oversight.py [--communes 100000] [--runs 7] [--postgres URL|none]
Nothing here is asserted by the tests. Targets (issue 8): a province under 200 ms on PostgreSQL and
under 1 s on SQLite; the national root under 2 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from dialogs.builtin import get_outline
from dialogs.progress import Progress
from storage.campaigns import CampaignSummary, all_campaigns, create_campaign
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Identity, Member, Membership, Submission, Unit
from storage.oversight import missing_page, progress_report
from storage.units import UnitView, code_key, unit_by_code

OUTLINE, OUTLINE_VERSION = "ct30-20nam", 2
CHUNK = 10_000


def _spread(total: int, parts: int) -> list[int]:
    """`total` split into `parts` nearly equal whole numbers."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


async def build(db: Database, provinces: int, districts: int, communes: int) -> dict[str, float]:
    """The tree, the campaign, the submissions and the members; returns seconds per step."""
    random.seed(8)
    outline = get_outline(OUTLINE, OUTLINE_VERSION)
    sections = [section.id for section in outline.sections]
    required = Progress.of(outline, {}).required_count
    now = datetime.now(UTC)
    timings: dict[str, float] = {}

    started = time.perf_counter()
    units: list[dict[str, Any]] = [
        {
            "id": 1,
            "code": "TW",
            "name": "Trung ương",
            "level": "tw",
            "parent_id": None,
            "path": "/1/",
            "depth": 0,
        }
    ]
    leaves: list[int] = []
    next_id = 2
    district_counts = _spread(districts, provinces)
    commune_counts = iter(_spread(communes, districts))
    for p, in_province in enumerate(district_counts):
        province_id, next_id = next_id, next_id + 1
        units.append(
            {
                "id": province_id,
                "code": f"T{p:02d}",
                "name": f"Tỉnh ủy số {p}",
                "level": "tinh",
                "parent_id": 1,
                "path": f"/1/{province_id}/",
                "depth": 1,
            }
        )
        for d in range(in_province):
            district_id, next_id = next_id, next_id + 1
            district_path = f"/1/{province_id}/{district_id}/"
            units.append(
                {
                    "id": district_id,
                    "code": f"T{p:02d}-H{d:02d}",
                    "name": f"Huyện ủy số {d} tỉnh {p}",
                    "level": "huyen",
                    "parent_id": province_id,
                    "path": district_path,
                    "depth": 2,
                }
            )
            for c in range(next(commune_counts)):
                commune_id, next_id = next_id, next_id + 1
                leaves.append(commune_id)
                units.append(
                    {
                        "id": commune_id,
                        "code": f"T{p:02d}-H{d:02d}-X{c:03d}",
                        "name": f"Đảng ủy xã số {c} huyện {d} tỉnh {p}",
                        "level": "xa",
                        "parent_id": district_id,
                        "path": f"{district_path}{commune_id}/",
                        "depth": 3,
                    }
                )
    for unit in units:
        unit["code_key"] = code_key(unit["code"])
    async with db.session() as session, session.begin():
        for start in range(0, len(units), CHUNK):
            await session.execute(insert(Unit), units[start : start + CHUNK])
        if not db.is_sqlite:
            await session.execute(
                text("SELECT setval(pg_get_serial_sequence('units', 'id'), :top)"), {"top": next_id}
            )
    timings["units"] = time.perf_counter() - started

    started = time.perf_counter()
    async with db.session() as session, session.begin():
        campaign_id = await create_campaign(
            session,
            OUTLINE,
            OUTLINE_VERSION,
            "Tổng kết 20 năm Chỉ thị 30",
            "TW",
            # The communes' deadline has passed (every one not in is overdue), the districts' has not.
            {"xa": date.today() - timedelta(days=3), "huyen": date.today() + timedelta(days=30)},
        )
    submissions: list[dict[str, Any]] = []
    for index, unit_id in enumerate(leaves):
        kind = index % 3
        if kind == 2:
            continue  # not started: no submission at all
        done = len(sections) if kind == 0 else random.randrange(0, len(sections))
        submissions.append(
            {
                "campaign_id": campaign_id,
                "unit_id": unit_id,
                "status": ("submitted" if index % 6 else "approved") if kind == 0 else "draft",
                "version": 1,
                "submitted_version": 1 if kind == 0 else None,
                "answered_count": required if kind == 0 else random.randint(1, required - 1),
                "required_count": required,
                "sections_answered": sections[:done],
                "last_activity_at": now - timedelta(minutes=random.randint(0, 20_000)),
            }
        )
    async with db.session() as session, session.begin():
        for start in range(0, len(submissions), CHUNK):
            await session.execute(insert(Submission), submissions[start : start + CHUNK])
    timings["submissions"] = time.perf_counter() - started

    started = time.perf_counter()
    joined = leaves[::3]
    async with db.session() as session, session.begin():
        for start in range(0, len(joined), CHUNK):
            chunk = joined[start : start + CHUNK]
            await session.execute(
                insert(Member),
                [
                    {"id": unit_id, "display_name": f"Cán bộ {unit_id}", "locale": "vi", "created_at": now}
                    for unit_id in chunk
                ],
            )
            await session.execute(
                insert(Identity),
                [
                    {"member_id": unit_id, "channel": "telegram", "external_id": str(unit_id)}
                    for unit_id in chunk
                ],
            )
            await session.execute(
                insert(Membership),
                [
                    {"member_id": unit_id, "unit_id": unit_id, "role": "reporter", "created_at": now}
                    for unit_id in chunk
                ],
            )
        # As a database in use has them (autovacuum on PostgreSQL; `ANALYZE` by hand on SQLite).
        await session.execute(text("ANALYZE"))
    timings["members"] = time.perf_counter() - started
    return timings


async def timed(db: Database, runs: int, call: Callable[[Any], Awaitable[object]]) -> list[float]:
    """Seconds of each of `runs` calls, each in a fresh session, after one warm-up call."""
    async with db.session() as session:
        await call(session)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        async with db.session() as session:
            await call(session)
        times.append(time.perf_counter() - started)
    return times


async def measure(url: str, name: str, args: argparse.Namespace) -> None:
    await upgrade(url)
    db = Database.connect(url, pool_size=2)
    try:
        steps = await build(db, args.provinces, args.districts, args.communes)
        built = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in steps.items())
        print(
            f"{name}: {args.communes:,} communes under {args.districts:,} districts "
            f"of {args.provinces} provinces ({built})"
        )
        async with db.session() as session:
            campaign: CampaignSummary = (await all_campaigns(session))[0]
            targets: list[tuple[str, UnitView]] = []
            for label, code in (("national root", "TW"), ("province", "T00"), ("district", "T00-H00")):
                unit = await unit_by_code(session, code)
                assert unit is not None
                targets.append((label, unit))
        today = date.today()
        for label, unit in targets:
            for query, call in (
                ("ai chưa nộp (page 1)", lambda s, u=unit: missing_page(s, campaign, u, today)),
                ("tiến độ", lambda s, u=unit: progress_report(s, campaign, u, today)),
            ):
                times = await timed(db, args.runs, call)
                print(
                    f"  {name:<10} {label:<13} {query:<20} median {1000 * statistics.median(times):8.1f} ms"
                    f"  (fastest {1000 * min(times):.1f}, slowest {1000 * max(times):.1f}; {args.runs} runs)"
                )
        async with db.session() as session:
            report = await progress_report(session, campaign, targets[0][1], today)
        counts = report.unit
        print(
            f"  national counts: {counts.total:,} grassroots, {counts.submitted:,} submitted, "
            f"{counts.in_progress:,} in progress, {counts.not_started:,} not started, "
            f"{counts.overdue:,} overdue"
        )
    finally:
        await db.dispose()


async def _scratch_postgres(base: str, create: bool) -> str | None:
    """The URL of a scratch database created on the server of `base` (None if it does not answer);
    with create=False, drops it."""
    import asyncpg

    parsed = make_url(base)
    name = f"baocao_bench_oversight_{os.getpid()}"
    server = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    try:
        admin = await asyncpg.connect(server, timeout=3)
    except (OSError, asyncpg.PostgresError):
        return None
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return parsed.set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--districts", type=int, default=700)
    parser.add_argument("--communes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "BAOCAO_BENCH_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        ),
        help="a server to make a scratch database on, or 'none'",
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(measure(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", "SQLite", args))
    if args.postgres != "none":
        url = asyncio.run(_scratch_postgres(args.postgres, create=True))
        if url is None:
            print("PostgreSQL does not answer: skipped")
            return
        try:
            asyncio.run(measure(url, "PostgreSQL", args))
        finally:
            asyncio.run(_scratch_postgres(args.postgres, create=False))


if __name__ == "__main__":
    main()
