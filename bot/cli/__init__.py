"""The `baocao` command: one typer app, its groups registered from the modules beside this one."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="baocao",
    help="Báo cáo bot: thu thập báo cáo định kỳ từ cơ sở qua Zalo, Telegram và dòng lệnh.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Imported here, not at module import, so `import bot.cli` stays cheap and side-effect free.
    from bot.cli import admin, chat, compile, outline, oversight, reminders, rollup, run, zalo

    for module in (admin, chat, outline, oversight, run, compile, rollup, reminders, zalo):
        module.register(app)


def main() -> None:
    """Entry point of the console script."""
    _register()
    app()
