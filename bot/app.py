"""The runtime: one per process, owning the database, the report service, the outbox and the channels.

Every command that talks to members (`baocao poll`, `serve`, `chat`, `demo`) builds it with
`runtime(settings, ...)` and registers the channels it runs. There is one Database per process on
purpose: on SQLite a second one would be a second writer connection (storage/db.py), and a second
outbox would hold leases of its own. What each channel can show is known here for every channel,
running in this process or not, so replies, reminders and compiled reports render for any member.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
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


@dataclass(frozen=True)
class Platform:
    """A chat platform a process can run: whether the settings configure it, and how to build its
    adapter (from a given sender or client, or one made from the settings when None)."""

    name: str
    configured: Callable[[Settings], bool]
    build: Callable[[Settings, ReportService, Outbox, Any], ChannelAdapter]


def _telegram_configured(settings: Settings) -> bool:
    token = settings.telegram.token
    return token is not None and bool(token.get_secret_value())


def _telegram_channel(
    settings: Settings, service: ReportService, outbox: Outbox, sender: Any
) -> ChannelAdapter:
    from bot.channels.telegram.runner import telegram_channel

    return telegram_channel(settings, service, outbox, sender)


def _zalo_bot_configured(settings: Settings) -> bool:
    from bot.channels.zalo_bot.runner import configured

    return configured(settings)


def _zalo_bot_channel(
    settings: Settings, service: ReportService, outbox: Outbox, client: Any
) -> ChannelAdapter:
    from bot.channels.zalo_bot.runner import zalo_bot_channel

    return zalo_bot_channel(settings, service, outbox, client)


def _zalo_oa_configured(settings: Settings) -> bool:
    from bot.channels.zalo_oa.runner import configured

    return configured(settings)


def _zalo_oa_channel(
    settings: Settings, service: ReportService, outbox: Outbox, client: Any
) -> ChannelAdapter:
    from bot.channels.zalo_oa.runner import zalo_oa_channel

    return zalo_oa_channel(settings, service, outbox, client)


# Every platform `serve` and `poll` can run, each registered when configured (or given a sender);
# a new platform adds its line here (imports stay inside the builders: aiogram alone takes seconds).
PLATFORMS: tuple[Platform, ...] = (
    Platform(telegram.CHANNEL, _telegram_configured, _telegram_channel),
    Platform(zalo_oa.CHANNEL, _zalo_oa_configured, _zalo_oa_channel),
    Platform(zalo_bot.CHANNEL, _zalo_bot_configured, _zalo_bot_channel),
)


def configured_platforms(settings: Settings) -> list[str]:
    """The names of the platforms these settings configure, in PLATFORMS order."""
    return [platform.name for platform in PLATFORMS if platform.configured(settings)]


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
    scheduler: Any = None  # bot.reminders.scheduler.Scheduler: reminders (its loop runs in serve and poll)
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
    platform_senders: Mapping[str, Any] | None = None,
    with_scheduler: bool = False,
) -> AsyncIterator[Runtime]:
    """Build the process's runtime, start the outbox; on exit stop it and close what it opened.

    Each platform of PLATFORMS is registered when configured or given its sender in
    `platform_senders` (closed with the runtime); `with_telegram` overrides that for Telegram
    (`telegram_sender` is Telegram's). `senders` registers send-only channels (the terminal).
    A given `db` is used and left open.
    `with_scheduler`: run the reminders' loop (`serve`, `poll`); /nhac works either way.
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
            shared_rate=settings.outbox.shared_rate,
        )
        given: dict[str, Any] = dict(platform_senders or {})
        if telegram_sender is not None:
            given[telegram.CHANNEL] = telegram_sender
        for platform in PLATFORMS:
            wanted = platform.name in given or platform.configured(settings)
            if platform.name == telegram.CHANNEL and with_telegram is not None:
                wanted = with_telegram
            if wanted:
                adapter = platform.build(settings, service, outbox, given.get(platform.name))
                close = getattr(adapter.sender, "close", None)
                if close is not None:
                    stack.push_async_callback(close)
                channels.register(adapter)
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
        from bot.reminders.scheduler import Scheduler

        built.scheduler = scheduler = Scheduler(built)
        service.reminders = scheduler.by_hand
        if with_scheduler:
            # Stopped before the outbox (the stack unwinds in reverse): a pass's last batch is queued.
            await stack.enter_async_context(scheduler.running())
        yield built
