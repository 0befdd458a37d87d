"""The terminal channel: a chat in a console, interactive on a TTY, one message per line when piped."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from bot.channels.base import Capabilities, RenderedMessage
from bot.i18n import t
from bot.render import render
from bot.service import Inbound, ReportService
from dialogs.events import Incoming
from storage.errors import is_database_down

CAPABILITIES = Capabilities(buttons=False, files=False, edits=False, max_length=100_000)


class TerminalChannel:
    """Prints replies; on a TTY in a panel, piped as plain text with a blank line after each."""

    name = "console"
    capabilities = CAPABILITIES

    def __init__(self, out: TextIO, interactive: bool) -> None:
        self.out = out
        self.interactive = interactive
        self.console = Console(file=out, highlight=False, soft_wrap=not interactive)

    async def send(self, chat_id: str, message: RenderedMessage) -> None:
        if self.interactive:
            self.console.print(
                Panel(Text(message.text), title="Báo cáo bot", title_align="left", border_style="green")
            )
        else:
            self.out.write(message.text + "\n\n")
            self.out.flush()


async def _read_line(stream: TextIO) -> str | None:
    line = await asyncio.to_thread(stream.readline)
    return None if line == "" else line.rstrip("\n")


async def run_chat(
    service: ReportService,
    user_id: str,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    first_messages: tuple[str, ...] = (),
) -> None:
    """Chat as console user `user_id` until end of input (Ctrl-D) or Ctrl-C."""
    interactive = stdin.isatty() and stdout.isatty()
    channel = TerminalChannel(stdout, interactive)
    pending = list(first_messages)
    while True:
        if pending:
            text = pending.pop(0)
            if interactive:
                channel.console.print(f"[bold cyan]Bạn:[/] {text}")
        else:
            if interactive:
                channel.console.print("[bold cyan]Bạn:[/] ", end="")
            try:
                text = await _read_line(stdin)
            except (KeyboardInterrupt, EOFError):
                text = None
            if text is None:
                break
        inbound = Inbound(channel="console", user_id=user_id, chat_id=user_id, incoming=Incoming(text=text))
        try:
            outbound = await service.handle(inbound)
        except Exception as error:  # noqa: BLE001 - the member sees one sentence, never a traceback
            if not is_database_down(error):
                raise
            await channel.send(user_id, RenderedMessage(t("service.retry")))
            continue
        if outbound is None:
            continue
        for reply in outbound.replies:
            for message in render(reply, outbound.locale, channel.capabilities):
                await channel.send(outbound.chat_id, message)
