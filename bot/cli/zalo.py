"""`baocao zalo oa-auth [--code CODE]`: the Zalo Official Account's first authorisation.

Prints the consent URL (OAuth v4 with PKCE: the code verifier is kept in the database between the
two steps, so the command may be run once to print the URL and again with `--code`), asks for the
code (or takes `--code`), exchanges it and stores the token pair. From then on the bot refreshes it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

import typer

from bot.cli.admin import _open, _run
from bot.cli.common import fail, setup_logging
from bot.config import Settings
from bot.i18n import t

zalo = typer.Typer(name="zalo", help="Zalo: cài đặt Official Account.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(zalo)


def consent_url(oauth_base: str, app_id: str, redirect_uri: str, code_challenge: str, state: str) -> str:
    """Zalo's OA permission page for this app (OAuth v4, PKCE S256)."""
    query = urlencode(
        {
            "app_id": app_id,
            "redirect_uri": redirect_uri,
            "code_challenge": code_challenge,
            "state": state,
        }
    )
    return f"{oauth_base.rstrip('/')}/v4/oa/permission?{query}"


def challenge_of(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier (base64url without padding)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@zalo.command("oa-auth")
def oa_auth(
    code: Annotated[
        str | None, typer.Option("--code", help="Mã ủy quyền (code) Zalo trả về địa chỉ chuyển hướng.")
    ] = None,
) -> None:
    """Ủy quyền cho bot gửi tin qua Zalo Official Account (lần đầu, hoặc khi Zalo từ chối token)."""
    setup_logging()
    _run(_oa_auth(Settings(), code))


async def _oa_auth(settings: Settings, code: str | None) -> None:
    from bot.channels.base import DeliveryError
    from bot.channels.zalo_oa.client import ZaloOAuthError
    from bot.channels.zalo_oa.runner import client_from
    from storage.zalo_oa import code_verifier, set_code_verifier, store_pair

    oa = settings.zalo_oa
    if not oa.app_id or not oa.app_secret:
        fail("zalo_oa.cli.not_configured")
    redirect = oa.redirect_uri or (
        f"{settings.public_url.rstrip('/')}/zalo/oa/callback" if settings.public_url else None
    )
    db = await _open(settings)
    client = client_from(settings)
    try:
        now = datetime.now(UTC)
        if code is None:
            if redirect is None:
                fail("zalo_oa.cli.no_redirect")
            new = secrets.token_urlsafe(32)  # 43 characters, as PKCE asks
            await set_code_verifier(db, oa.app_id, new, now)
            url = consent_url(oa.oauth_base, oa.app_id, redirect, challenge_of(new), secrets.token_hex(8))
            typer.echo(t("zalo_oa.cli.open_url", "vi", url=url))
            code = typer.prompt(t("zalo_oa.cli.ask_code", "vi")).strip()
            verifier: str | None = new
        else:
            # The verifier of the URL printed by an earlier run (None: a code got without PKCE).
            verifier = await code_verifier(db, oa.app_id)
        try:
            pair = await client.exchange(code.strip(), verifier, now)
        except ZaloOAuthError as error:
            fail("zalo_oa.cli.refused", code=error.code, reason=error.description or "-")
        except DeliveryError:
            fail("zalo_oa.cli.unreachable", url=oa.oauth_base)
        await store_pair(db, oa.app_id, pair, now)
        local = pair.expires_at.astimezone(settings.zone).strftime("%H:%M %d/%m/%Y")
        typer.echo(t("zalo_oa.cli.stored", "vi", expires=local))
    finally:
        await client.close()
        await db.dispose()
