"""What every CLI command shares: running async code, one-line errors, logging to a file."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

from bot.i18n import t

if TYPE_CHECKING:
    from bot.config import LogSettings, Settings

T = TypeVar("T")
log = logging.getLogger("baocao")


def fail(message_id: str, /, **params: object) -> NoReturn:
    """Print one clear sentence on stderr and exit with status 1."""
    typer.echo(t(message_id, "vi", **params), err=True)
    raise typer.Exit(1)


def require_secret(settings: Settings) -> str:
    """BAOCAO_SECRET_KEY, or one sentence naming it and exit 1 (`serve`, `poll`, `invite` need it)."""
    from bot.config import MAKE_SECRET, MIN_SECRET

    refusal = settings.secret_refusal()
    if refusal is not None or settings.secret is None:
        fail(refusal or "cli.error.secret_missing", min=MIN_SECRET, example=MAKE_SECRET)
    return settings.secret


def setup_logging(settings: LogSettings | None = None) -> None:
    """Log warnings to baocao.log (BAOCAO_LOG_FILE), so tracebacks never land in the chat."""
    if settings is None:
        from bot.config import Settings

        settings = Settings().log
    logging.basicConfig(
        level=settings.level,
        filename=settings.file,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine; an unexpected error becomes one line on stderr and a log entry."""
    try:
        return asyncio.run(coroutine)
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as error:  # noqa: BLE001 - an operator sees one sentence, the log keeps the rest
        log.exception("command failed")
        typer.echo(t("cli.error.unexpected", "vi", error=type(error).__name__), err=True)
        raise typer.Exit(1) from None
