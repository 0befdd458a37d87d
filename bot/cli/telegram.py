"""Telegram's start-up for `baocao poll` and `baocao serve` (bot/cli/run.py): the token checked with
getMe, the webhook registered or removed, the command menu set."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NoReturn

from bot.cli.common import fail
from bot.config import Settings

if TYPE_CHECKING:
    from bot.channels.telegram.sender import TelegramUnavailable
    from bot.cli.run import Launched

WEBHOOK_PATH = "/telegram/webhook"
# Telegram accepts 1-256 characters from this set as a webhook secret.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _secret(settings: Settings) -> str:
    return settings.telegram.webhook_secret.get_secret_value() if settings.telegram.webhook_secret else ""


def check_webhook(settings: Settings) -> None:
    """What `serve` needs for Telegram beyond the token: the webhook secret."""
    if not _SECRET.match(_secret(settings)):
        fail("telegram.error.secret")


def _unavailable(error: TelegramUnavailable, settings: Settings) -> NoReturn:
    fail(f"telegram.error.{error.reason}", api=settings.telegram.api_base, detail=error.detail)


async def start(settings: Settings, public_url: str | None) -> Launched:
    """A sender whose token Telegram accepted (getMe); the webhook at `public_url` (None: polling)."""
    from bot.channels.telegram import CHANNEL
    from bot.channels.telegram.runner import sender_from
    from bot.channels.telegram.sender import TelegramUnavailable
    from bot.cli.run import Launched

    try:
        sender = sender_from(settings)
    except TelegramUnavailable as error:
        _unavailable(error, settings)
    try:
        me = await sender.me()
        if public_url is None:
            await sender.delete_webhook()
        else:
            await sender.set_webhook(public_url.rstrip("/") + WEBHOOK_PATH, _secret(settings))
        await sender.set_commands()
    except TelegramUnavailable as error:
        await sender.close()
        _unavailable(error, settings)
    except BaseException:
        await sender.close()
        raise
    name = me.username or me.full_name
    if public_url is None:
        banner = ("telegram.polling", {"bot": name})
    else:
        banner = ("run.telegram_webhook", {"bot": name, "webhook": public_url.rstrip("/") + WEBHOOK_PATH})
    return Launched(CHANNEL, sender, banner, username=me.username)
