"""`baocao chat` (a terminal chat as one console user) and `baocao demo` (the same, on a demo province)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import run_async, setup_logging
from bot.config import Settings
from bot.i18n import t

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import Runtime
    from storage.db import Database

DEMO_USER = "can-bo-xa"
DEMO_UNIT = "QT-HL-HB"
# `--supervisor`: the district above the demo commune, to see its communes' reports come in.
DEMO_SUPERVISOR = "can-bo-huyen"
DEMO_DISTRICT = "QT-HL"
DEMO_OUTLINE = "ct30-20nam"


def register(app: typer.Typer) -> None:
    app.command("chat")(chat)
    app.command("demo")(demo)


def chat(
    user: Annotated[str, typer.Option("--user", help="Mã người dùng trên dòng lệnh (console user ID).")],
) -> None:
    """Trò chuyện với bot trên dòng lệnh như một người dùng; đọc từng dòng từ bàn phím hoặc stdin."""
    setup_logging()
    run_async(_chat(Settings(), user))


async def _chat(settings: Settings, user: str) -> None:
    from storage.migrate import upgrade

    await upgrade(settings.database.url)
    async with _terminal_runtime(settings) as running:
        await _talk(running, user)


@asynccontextmanager
async def _terminal_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """The process's runtime with the terminal registered as its channel (and no Telegram)."""
    from bot.app import runtime
    from bot.channels.terminal import CHANNEL, TerminalSender

    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    sender = TerminalSender(sys.stdout, interactive)
    async with runtime(settings, with_telegram=False, senders={CHANNEL: sender}) as running:
        yield running


async def _talk(running: Runtime, user: str, first_messages: tuple[str, ...] = ()) -> None:
    from bot.channels.terminal import run_chat

    await run_chat(running, user, first_messages=first_messages)


def demo(
    database: Annotated[
        Path, typer.Option("--database", help="Tệp SQLite của bản trình diễn (giữ lại giữa các lần chạy).")
    ] = Path("baocao-demo.db"),
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Xóa dữ liệu trình diễn cũ và làm lại từ đầu.")
    ] = False,
    supervisor: Annotated[
        bool,
        typer.Option(
            "--supervisor",
            help="Vào vai cán bộ Huyện ủy Hải Lăng theo dõi các xã (ai chưa nộp, tiến độ, duyệt, trả lại).",
        ),
    ] = False,
) -> None:
    """Bản trình diễn: tỉnh mẫu theo Kế hoạch 88-KH/TU, cán bộ Đảng ủy xã Hải Ba trò chuyện trên SQLite."""
    setup_logging()
    if fresh and database.exists():
        for suffix in ("", "-wal", "-shm", ".key"):
            Path(str(database) + suffix).unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{database}"
    settings = Settings(database_url=url, secret_key=_demo_secret(database))
    run_async(_demo(settings, database, supervisor))


def _demo_secret(database: Path) -> str:
    """The demo database's own secret key, kept beside it (`<database>.key`) so its codes keep working."""
    import secrets

    path = Path(str(database) + ".key")
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    secret = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(secret, encoding="ascii")
    return secret


async def _demo(settings: Settings, database: Path, supervisor: bool = False) -> None:
    from storage.migrate import upgrade

    await upgrade(settings.database.url)
    user, unit, role = (
        (DEMO_SUPERVISOR, DEMO_DISTRICT, "supervisor") if supervisor else (DEMO_USER, DEMO_UNIT, "reporter")
    )
    async with _terminal_runtime(settings) as running:
        first = await _prepare_demo(running.db, settings.zone, settings.secret or "", user, unit, role)
        intro = "demo.intro_supervisor" if supervisor else "demo.intro"
        typer.echo(t(intro, "vi", database=str(database)) + "\n")
        await _talk(running, user, first_messages=first)


async def _prepare_demo(
    db: Database,
    zone: tzinfo,
    secret: str,
    user: str = DEMO_USER,
    unit: str = DEMO_UNIT,
    role: str = "reporter",
) -> tuple[str, ...]:
    """Build the demo province and its campaign once; return what `user` should send first (an
    invite code for `unit` as `role`), nothing if they joined in an earlier run."""
    from storage.campaigns import all_campaigns
    from storage.invites import create_invite
    from storage.members import member_by_identity
    from storage.units import import_units, read_units_file, unit_by_code

    now = datetime.now(UTC)
    async with db.session() as session:
        built = await unit_by_code(session, "QT") is not None
    if not built:
        with resources.as_file(resources.files("bot") / "demo" / "units.csv") as path:
            rows = read_units_file(path)
        await import_units(db, rows)
    async with db.session() as session, session.begin():
        if await member_by_identity(session, "console", user) is not None:
            return ()
        if not await all_campaigns(session):
            await _demo_campaign(session, zone)
        code = await create_invite(session, unit, role, uses=1, days=30, now=now, secret=secret)
    return (code,)


async def _demo_campaign(session: AsyncSession, zone: tzinfo) -> None:
    from dialogs.builtin import get_outline
    from storage.campaigns import create_campaign

    outline = get_outline(DEMO_OUTLINE)
    # The plan's own spacing between levels (communes, then districts a month later, then the
    # province), counted from today where the report is made so the demo is never overdue.
    today = datetime.now(zone).date()
    await create_campaign(
        session,
        outline.id,
        outline.version,
        outline.title.get("vi"),
        "QT",
        {
            "xa": today + timedelta(days=30),
            "huyen": today + timedelta(days=60),
            "tinh": today + timedelta(days=90),
        },
    )
