"""`baocao poll` (the Telegram bot by long polling) and `baocao serve` (the web app with the webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import re
import signal
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from bot.cli.common import fail, require_secret, run_async, setup_logging
from bot.config import Settings
from bot.i18n import t

if TYPE_CHECKING:
    from bot.channels.telegram.sender import TelegramSender, TelegramUnavailable

# Telegram accepts 1-256 characters from this set as a webhook secret.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def register(app: typer.Typer) -> None:
    app.command("poll")(poll)
    app.command("serve")(serve)


def poll() -> None:
    """Chạy bot Telegram bằng long polling (không cần địa chỉ công khai); Ctrl-C để dừng."""
    setup_logging()
    run_async(_poll(Settings()))


def serve(
    host: Annotated[str, typer.Option("--host", help="Địa chỉ lắng nghe.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Cổng lắng nghe.")] = 8080,
) -> None:
    """Chạy ứng dụng web: webhook Telegram tại BAOCAO_PUBLIC_URL/telegram/webhook và /healthz."""
    setup_logging()
    run_async(_serve(Settings(), host, port))


def _unavailable(error: TelegramUnavailable, settings: Settings) -> NoReturn:
    fail(f"telegram.error.{error.reason}", api=settings.telegram.api_base, detail=error.detail)


async def _start(settings: Settings) -> TelegramSender:
    """A sender whose token Telegram accepted (getMe), on a database at the newest schema."""
    # Without the key no invite code can be checked: nobody could join, so do not start at all.
    require_secret(settings)
    if settings.telegram.token is None or not settings.telegram.token.get_secret_value():
        # Said before importing aiogram, which alone takes seconds on a small machine.
        fail("telegram.error.token_missing")
    from bot.channels.telegram.runner import sender_from
    from bot.channels.telegram.sender import TelegramUnavailable

    try:
        sender = sender_from(settings)
    except TelegramUnavailable as error:
        _unavailable(error, settings)
    try:
        await _check_database(settings)
    except BaseException:
        await sender.close()
        raise
    try:
        await sender.me()
    except TelegramUnavailable as error:
        await sender.close()
        _unavailable(error, settings)
    return sender


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


async def _poll(settings: Settings) -> None:
    from bot.app import runtime

    sender = await _start(settings)
    await sender.delete_webhook()
    await sender.set_commands()
    me = await sender.me()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with runtime(settings, telegram_sender=sender, with_scheduler=True) as running:
        running.service.bot_username = running.service.bot_username or me.username
        _tune_gc(settings)
        typer.echo(t("telegram.polling", "vi", bot=me.username or me.full_name), err=True)
        await running.poll(stop)
    typer.echo(t("telegram.stopped", "vi"), err=True)


async def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from bot.app import runtime
    from bot.web import TELEGRAM_WEBHOOK_PATH, create_app

    secret = settings.telegram.webhook_secret.get_secret_value() if settings.telegram.webhook_secret else ""
    if not _SECRET.match(secret):
        fail("telegram.error.secret")
    if not settings.public_url or not settings.public_url.startswith(("https://", "http://")):
        fail("telegram.error.public_url")
    sender = await _start(settings)
    url = settings.public_url.rstrip("/") + TELEGRAM_WEBHOOK_PATH
    await sender.set_webhook(url, secret)
    await sender.set_commands()
    me = await sender.me()
    async with runtime(settings, telegram_sender=sender, with_scheduler=True) as running:
        running.service.bot_username = running.service.bot_username or me.username
        app = create_app(settings, running=running)
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", access_log=False, lifespan="on"
        )
        server = _server_class()(config)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, server.request_exit)
        _tune_gc(settings)
        typer.echo(t("telegram.serving", "vi", address=f"http://{host}:{port}", webhook=url), err=True)
        await server.serve()
    typer.echo(t("telegram.stopped", "vi"), err=True)


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
