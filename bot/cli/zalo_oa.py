"""The Zalo Official Account's start-up for `baocao poll` and `baocao serve` (bot/cli/run.py): a token
pair must have been stored by `baocao zalo oa-auth`. The OA's webhook address is set by the operator
in Zalo's developer console, not by an API call, so `serve` only says which address to give; `poll`
cannot receive the OA's events (Zalo pushes them) and sends only (replies queued by `serve`,
reminders, notices)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.cli.common import fail
from bot.config import Settings

if TYPE_CHECKING:
    from bot.cli.run import Launched


def check_webhook(settings: Settings) -> None:
    """`serve` needs nothing beyond what configures the OA (app id, OA secret key, app secret)."""


async def start(settings: Settings, public_url: str | None) -> Launched:
    """The OA's client, once a token pair is stored; one line and exit 1 before `baocao zalo oa-auth`."""
    from bot.channels.zalo_oa import CHANNEL
    from bot.channels.zalo_oa.runner import WEBHOOK_PATH, client_from
    from bot.cli.run import Launched
    from storage.db import Database
    from storage.zalo_oa import load_pair

    app_id = settings.zalo_oa.app_id or ""
    db = Database.connect(settings.database.url, pool_size=1)
    try:
        pair = await load_pair(db, app_id)
    finally:
        await db.dispose()
    if pair is None:
        fail("zalo_oa.error.not_authorised")
    client = client_from(settings)
    if public_url is None:
        banner = ("zalo_oa.send_only", {"app": app_id})
    else:
        banner = ("zalo_oa.webhook_at", {"app": app_id, "webhook": public_url.rstrip("/") + WEBHOOK_PATH})
    return Launched(CHANNEL, client, banner)
