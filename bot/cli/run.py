"""`baocao poll` (every configured channel by long polling) and `baocao serve` (the web app with
every configured channel's webhook), and what both check before they start.

A channel is configured by its token (BAOCAO_TELEGRAM_TOKEN, BAOCAO_ZALO_BOT_TOKEN): an office on
Zalo alone sets no Telegram token. Each platform's own start-up (its token checked, its webhook
registered or removed) is in its module beside this one, named in LAUNCHERS.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer

from bot.cli import telegram as telegram_start
from bot.cli import zalo_bot as zalo_bot_start
from bot.cli import zalo_oa as zalo_oa_start
from bot.cli.common import fail, require_secret, run_async, setup_logging
from bot.config import Settings
from bot.i18n import t


@dataclass(frozen=True)
class Launched:
    """A platform ready to run: its sender (or client), the line telling the operator, its @name."""

    name: str
    sender: Any
    banner: tuple[str, Mapping[str, object]] = field(default=("", {}))
    username: str | None = None


@dataclass(frozen=True)
class Launcher:
    """A platform's start-up: what `serve` needs of its settings, and starting it (public URL or None)."""

    check_webhook: Callable[[Settings], None]
    start: Callable[[Settings, str | None], Awaitable[Launched]]


# One line per platform that `poll` and `serve` can run (the names of bot.app.PLATFORMS).
LAUNCHERS: Mapping[str, Launcher] = {
    "telegram": Launcher(telegram_start.check_webhook, telegram_start.start),
    "zalo_oa": Launcher(zalo_oa_start.check_webhook, zalo_oa_start.start),
    "zalo_bot": Launcher(zalo_bot_start.check_webhook, zalo_bot_start.start),
}


def register(app: typer.Typer) -> None:
    app.command("poll")(poll)
    app.command("serve")(serve)


def poll() -> None:
    """Chạy mọi kênh đã cấu hình (Telegram, Zalo Bot; Zalo OA chỉ gửi) bằng long polling; Ctrl-C để dừng."""
    setup_logging()
    run_async(_poll(Settings()))


def serve(
    host: Annotated[str, typer.Option("--host", help="Địa chỉ lắng nghe.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Cổng lắng nghe.")] = 8080,
) -> None:
    """Chạy ứng dụng web: webhook của mọi kênh đã cấu hình tại BAOCAO_PUBLIC_URL, /healthz, tải tệp."""
    setup_logging()
    run_async(_serve(Settings(), host, port))


def _configured(settings: Settings) -> list[str]:
    from bot.app import configured_platforms

    # Without the key no invite code can be checked: nobody could join, so do not start at all.
    require_secret(settings)
    names = configured_platforms(settings)
    if not names:
        fail("run.error.no_channel")
    return names


async def _launch(settings: Settings, names: list[str], public_url: str | None) -> list[Launched]:
    """Every configured platform started, on a database at the newest schema; or one line and exit 1
    (whatever was started is closed again)."""
    await _check_database(settings)
    launched: list[Launched] = []
    try:
        for name in names:
            launched.append(await LAUNCHERS[name].start(settings, public_url))
    except BaseException:
        for done in launched:
            await done.sender.close()
        raise
    return launched


async def _check_database(settings: Settings) -> None:
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from storage.db import Database, Refused
    from storage.migrate import check_schema

    try:
        db = Database.connect(settings.database.url, pool_size=1)
    except (ArgumentError, NoSuchModuleError, ValueError):
        fail("telegram.error.database", reason="BAOCAO_DATABASE_URL")
    try:
        await check_schema(db)
    except Refused as error:
        message = error.messages[-1]
        fail(message.id, **message.params)
    except (DBAPIError, OSError, TimeoutError) as error:
        fail("telegram.error.database", reason=type(error).__name__)
    finally:
        await db.dispose()


def _tune_gc(settings: Settings) -> None:
    # Everything built at start-up (aiogram's and pydantic's classes, the outline, the catalogs) lives
    # until exit; freezing it keeps full collections from walking ~200,000 objects while requests
    # wait, and a higher first threshold makes collections rarer (see the benchmark in README).
    if settings.gc_freeze:
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)


def _announce(launched: list[Launched]) -> None:
    for done in launched:
        message_id, params = done.banner
        if message_id:
            typer.echo(t(message_id, "vi", **params), err=True)


async def _poll(settings: Settings) -> None:
    from bot.app import runtime

    names = _configured(settings)
    launched = await _launch(settings, names, None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    senders = {done.name: done.sender for done in launched}
    async with runtime(settings, platform_senders=senders, with_scheduler=True) as running:
        _learn_username(running, launched)
        _tune_gc(settings)
        _announce(launched)
        typer.echo(t("run.polling", "vi"), err=True)
        await running.poll(stop)
    typer.echo(t("telegram.stopped", "vi"), err=True)


async def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from bot.app import runtime
    from bot.web import create_app

    names = _configured(settings)
    for name in names:
        LAUNCHERS[name].check_webhook(settings)
    if not settings.public_url or not settings.public_url.startswith(("https://", "http://")):
        fail("telegram.error.public_url")
    launched = await _launch(settings, names, settings.public_url)
    senders = {done.name: done.sender for done in launched}
    async with runtime(settings, platform_senders=senders, with_scheduler=True) as running:
        _learn_username(running, launched)
        app = create_app(settings, running=running)
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", access_log=False, lifespan="on"
        )
        server = _server_class()(config)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, server.request_exit)
        _tune_gc(settings)
        _announce(launched)
        typer.echo(t("run.serving", "vi", address=f"http://{host}:{port}"), err=True)
        await server.serve()
    typer.echo(t("telegram.stopped", "vi"), err=True)


def _learn_username(running: Any, launched: list[Launched]) -> None:
    """Telegram's @name for invite deep links, unless BAOCAO_TELEGRAM_BOT_USERNAME set it."""
    for done in launched:
        if done.username:
            running.service.bot_username = running.service.bot_username or done.username


def _server_class() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, stopped by our signal handlers so the outbox can give back its leases."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            # uvicorn re-raises SIGTERM after its own shutdown, which would end the process before
            # the outbox and the database are closed.
            yield

        def request_exit(self) -> None:
            self.should_exit = True

    return Server
