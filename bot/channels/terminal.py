"""The terminal channel: a chat in a console, interactive on a TTY, one message per line when piped."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from bot.channels.base import Capabilities, DeliveryError, RateLimits, RenderedDocument, RenderedMessage
from bot.i18n import t
from bot.render import render
from bot.service import Inbound
from dialogs.events import Incoming
from storage.errors import is_transient

if TYPE_CHECKING:
    from bot.app import Runtime

CHANNEL = "console"
CAPABILITIES = Capabilities(buttons=False, files=False, edits=False, max_length=100_000)


class TerminalSender:
    """Prints replies; on a TTY in a panel, piped as plain text with a blank line after each."""

    name = CHANNEL
    capabilities = CAPABILITIES
    # One reader at one console: nothing to protect from flooding.
    limits = RateLimits(per_second=1000.0, per_chat_per_second=1000.0, per_chat_burst=100)

    def __init__(self, out: TextIO, interactive: bool) -> None:
        self.out = out
        self.interactive = interactive
        self.console = Console(file=out, highlight=False, soft_wrap=not interactive)

    async def send(self, chat_id: str, message: RenderedMessage) -> str | None:
        if self.interactive:
            self.console.print(
                Panel(Text(message.text), title="Báo cáo bot", title_align="left", border_style="green")
            )
        else:
            self.out.write(message.text + "\n\n")
            self.out.flush()
        return None

    async def send_document(self, chat_id: str, document: RenderedDocument) -> str | None:
        # CAPABILITIES.files is False: the outbox refuses a file for this channel before it gets here.
        raise DeliveryError("the terminal takes no files", permanent=True)


async def _read_line(stream: TextIO) -> str | None:
    line = await asyncio.to_thread(stream.readline)
    return None if line == "" else line.rstrip("\n")


async def _finish_compiles(runtime: Runtime, timeout: float = 60.0) -> None:
    """At the end of input: let a "tổng hợp" under way finish, and what is queued for this chat (its
    links, a notice) reach the console."""
    from storage.outbox import counts

    compiler = runtime.compiler
    try:
        async with asyncio.timeout(timeout):
            if compiler is not None and compiler.tasks:
                await compiler.wait()
            # ...and whatever else is queued for this chat (a notice sent while it was closed).
            while True:
                async with runtime.db.session() as session:
                    if (await counts(session, CHANNEL, runtime.outbox.only_chats.get(CHANNEL)))[
                        "pending"
                    ] == 0:
                        return
                runtime.outbox.wake()
                await asyncio.sleep(0.05)
    except TimeoutError:
        return


async def run_chat(
    runtime: Runtime,
    user_id: str,
    stdin: TextIO = sys.stdin,
    first_messages: tuple[str, ...] = (),
) -> None:
    """Chat as console user `user_id` until end of input (Ctrl-D) or Ctrl-C.

    The runtime must have the terminal's sender registered (`runtime(settings, senders=...)`).
    """
    sender = runtime.channels[CHANNEL].sender
    assert isinstance(sender, TerminalSender)
    capabilities = runtime.channels.capabilities(CHANNEL)
    interactive = sender.interactive
    # This console shows one person's chat: rows queued for another console member (a notice that
    # their report was returned) wait for their own terminal instead of being printed here.
    runtime.outbox.send_only_to(CHANNEL, user_id)
    pending = list(first_messages)
    while True:
        if pending:
            text = pending.pop(0)
            if interactive:
                sender.console.print(f"[bold cyan]Bạn:[/] {text}")
        else:
            if interactive:
                sender.console.print("[bold cyan]Bạn:[/] ", end="")
            try:
                text = await _read_line(stdin)
            except (KeyboardInterrupt, EOFError):
                text = None
            if text is None:
                await _finish_compiles(runtime)
                break
        inbound = Inbound(channel=CHANNEL, user_id=user_id, chat_id=user_id, incoming=Incoming(text=text))
        # Notices to other members (a returned report) go through the outbox, to whichever process
        # sends their channel; this console's own replies are printed below.
        notices = runtime.outbox.notices_within(CHANNEL)
        try:
            outbound = await runtime.service.handle(inbound, within=notices)
        except Exception as error:  # noqa: BLE001 - the member sees one sentence, never a traceback
            if not is_transient(error):
                raise
            await sender.send(user_id, RenderedMessage(t("service.retry")))
            continue
        runtime.outbox.dispatch(notices)
        if outbound is None:
            continue
        # Straight to the console, not through the outbox: the member waits at the prompt for these,
        # and the terminal never delivers a message twice (no update id to claim).
        for reply in outbound.replies:
            for message in render(reply, outbound.locale, capabilities, runtime.settings.zone):
                await sender.send(outbound.chat_id, message)
