"""The Zalo Bot's start-up for `baocao poll` and `baocao serve` (bot/cli/run.py): the token checked
with getMe, the webhook registered (setWebhook with the secret) or removed for long polling."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NoReturn

from bot.cli.common import fail
from bot.config import Settings

if TYPE_CHECKING:
    from bot.channels.zalo_bot.client import ZaloBotUnavailable
    from bot.cli.run import Launched

# The secret comes back in the X-Bot-Api-Secret-Token header: 8-256 characters that survive any header.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{8,256}$")


def _secret(settings: Settings) -> str:
    secret = settings.zalo_bot.webhook_secret
    return secret.get_secret_value() if secret else ""


def check_webhook(settings: Settings) -> None:
    """What `serve` needs for the Zalo Bot beyond the token: the webhook secret."""
    if not _SECRET.match(_secret(settings)):
        fail("zalo_bot.error.secret")


def _unavailable(error: ZaloBotUnavailable, settings: Settings) -> NoReturn:
    fail(f"zalo_bot.error.{error.reason}", api=settings.zalo_bot.api_base, detail=error.detail or "-")


async def start(settings: Settings, public_url: str | None) -> Launched:
    """A client whose token the platform accepted (getMe); the webhook at `public_url` (None: polling)."""
    import httpx

    from bot.channels.zalo_bot import CHANNEL
    from bot.channels.zalo_bot.client import ApiError, ZaloBotUnavailable
    from bot.channels.zalo_bot.runner import WEBHOOK_PATH, client_from
    from bot.cli.run import Launched

    try:
        client = client_from(settings)
    except ZaloBotUnavailable as error:
        _unavailable(error, settings)
    try:
        me = await client.me()
        if public_url is None:
            await client.delete_webhook()
        else:
            await client.set_webhook(public_url.rstrip("/") + WEBHOOK_PATH, _secret(settings))
    except ZaloBotUnavailable as error:
        await client.close()
        _unavailable(error, settings)
    except (ApiError, httpx.HTTPError) as error:
        await client.close()
        _unavailable(ZaloBotUnavailable("unreachable", type(error).__name__), settings)
    except BaseException:
        await client.close()
        raise
    name = str(me.get("account_name") or me.get("display_name") or me.get("id") or "")
    if public_url is None:
        banner = ("zalo_bot.polling", {"bot": name})
    else:
        banner = ("zalo_bot.webhook", {"bot": name, "webhook": public_url.rstrip("/") + WEBHOOK_PATH})
    return Launched(CHANNEL, client, banner)
