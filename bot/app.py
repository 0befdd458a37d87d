"""The runtime: one per process, owning the database, the report service, the outbox and the channels.

Every command that talks to members (`baocao poll`, `serve`, `chat`, `demo`) builds it with
`runtime(settings, ...)` and registers the channels it runs. There is one Database per process on
purpose: on SQLite a second one would be a second writer connection (storage/db.py), and a second
outbox would hold leases of its own. What each channel can show is known here for every channel,
running in this process or not, so replies, reminders and compiled reports render for any member.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.channels import telegram, zalo_bot, zalo_oa
from bot.channels.base import Capabilities, ChannelAdapter, Sender
from bot.channels.terminal import CAPABILITIES as TERMINAL_CAPABILITIES
from bot.channels.terminal import CHANNEL as TERMINAL
from bot.config import Settings
from bot.outbox import Outbox
from bot.service import ReportService
from storage.db import Database

if TYPE_CHECKING:
    from bot.channels.telegram.runner import TelegramUpdates
    from bot.channels.telegram.sender import TelegramSender

# What each channel can show, declared by the channel itself; a new channel adds its line here.
KNOWN_CAPABILITIES: Mapping[str, Capabilities] = {
    telegram.CHANNEL: telegram.CAPABILITIES,
    TERMINAL: TERMINAL_CAPABILITIES,
    zalo_oa.CHANNEL: zalo_oa.CAPABILITIES,
    zalo_bot.CHANNEL: zalo_bot.CAPABILITIES,
}


# How long a stopping process lets the compiles under way finish before cancelling them.
COMPILE_GRACE_SECONDS = 30.0


class Channels:
    """The registry: channel adapters running in this process, and every channel's capabilities."""

    def __init__(self, capabilities: Mapping[str, Capabilities] = KNOWN_CAPABILITIES) -> None:
        self._capabilities = dict(capabilities)
        self._adapters: dict[str, ChannelAdapter] = {}

    def register(self, adapter: ChannelAdapter) -> None:
        if adapter.name in self._adapters:
            raise ValueError(f"channel {adapter.name!r} registered twice")
        self._adapters[adapter.name] = adapter
        self._capabilities[adapter.name] = adapter.capabilities

    def capabilities(self, name: str) -> Capabilities:
        """What `name` can show; static, so rendering never needs a live sender."""
        return self._capabilities[name]

    def all_capabilities(self) -> dict[str, Capabilities]:
        return dict(self._capabilities)

    def get(self, name: str) -> ChannelAdapter | None:
        return self._adapters.get(name)

    def __getitem__(self, name: str) -> ChannelAdapter:
        return self._adapters[name]

    def __contains__(self, name: object) -> bool:
        return name in self._adapters

    def __iter__(self) -> Iterator[ChannelAdapter]:
        return iter(self._adapters.values())

    def senders(self) -> list[Sender]:
        return [adapter.sender for adapter in self._adapters.values() if adapter.sender is not None]


@dataclass
class Runtime:
    """Everything a running bot process holds; build it with `runtime(settings, ...)`."""

    settings: Settings
    db: Database
    service: ReportService
    outbox: Outbox
    channels: Channels
    scheduler: Any = None  # reminders, once they exist: started and stopped with the runtime
    compiler: Any = None  # bot.compiling.Compiler: the compiles asked for in chat, in the background

    @property
    def telegram(self) -> TelegramUpdates:
        """Telegram's inbound side (raises KeyError when Telegram is not registered)."""
        return self.channels[telegram.CHANNEL].updates  # type: ignore[no-any-return]

    async def poll(self, stop: asyncio.Event) -> None:
        """Long-poll every registered channel that polls, until `stop` is set."""
        polls = [adapter.poll(stop) for adapter in self.channels if adapter.poll is not None]
        await asyncio.gather(*polls)


@asynccontextmanager
async def runtime(
    settings: Settings,
    *,
    telegram_sender: TelegramSender | None = None,
    with_telegram: bool | None = None,
    senders: Mapping[str, Sender] | None = None,
    db: Database | None = None,
) -> AsyncIterator[Runtime]:
    """Build the process's runtime, start the outbox; on exit stop it and close what it opened.

    Telegram is registered when `with_telegram` (default: when a sender is given or a token is set);
    `senders` registers send-only channels (the terminal). A given `db` is used and left open.
    """
    async with AsyncExitStack() as stack:
        if db is None:
            db = Database.connect(settings.database.url, pool_size=settings.database.pool_size)
            stack.push_async_callback(db.dispose)
        service = ReportService(
            db, secret=settings.secret, zone=settings.zone, bot_username=settings.telegram.bot_username
        )
        channels = Channels()
        outbox = Outbox(
            db,
            capabilities=channels.all_capabilities(),
            zone=settings.zone,
            lease_seconds=settings.outbox.lease_seconds,
            poll_seconds=settings.outbox.poll_seconds,
        )
        if with_telegram is None:
            with_telegram = telegram_sender is not None or settings.telegram.token is not None
        if with_telegram:
            from bot.channels.telegram.runner import sender_from, telegram_channel

            sender = telegram_sender or sender_from(settings)
            stack.push_async_callback(sender.close)
            channels.register(telegram_channel(settings, service, outbox, sender))
        from bot.channels.zalo_oa.runner import configured as zalo_oa_configured

        if zalo_oa_configured(settings):  # Zalo Official Account (issue 11): its webhook and sender
            from bot.channels.zalo_oa.runner import zalo_oa_channel

            channels.register(zalo_oa_channel(settings, service, outbox))
        for adapter in channels:
            if adapter.close is not None:
                stack.push_async_callback(adapter.close)
        for name, other in (senders or {}).items():
            channels.register(ChannelAdapter(name, other.capabilities, sender=other))
        for adapter in channels:
            if adapter.sender is not None:
                outbox.add_sender(adapter.sender)
        outbox.capabilities = channels.all_capabilities()
        await stack.enter_async_context(outbox.running())
        built = Runtime(settings, db, service, outbox, channels)
        from bot.compiling import Compiler

        built.compiler = compiler = Compiler(built)
        service.on_compile = compiler.start
        # Closed before the outbox stops: compiles under way get a while to finish and queue their files.
        stack.push_async_callback(compiler.close, COMPILE_GRACE_SECONDS)
        yield built
