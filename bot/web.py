"""The web app (FastAPI) shared by the channels that push to us: the webhooks, health, file links.

Build it with `create_app(settings)`; nothing is created at import time. It serves the process's one
runtime (bot/app.py), kept as `app.state.runtime`; the parts a route needs come through dependencies
(`Annotated` aliases below) that tests can override.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import text

from bot.app import Runtime, configured_platforms, runtime
from bot.channels.polling import NotApplied
from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.channels.telegram.runner import TelegramUpdates
from bot.config import MAKE_SECRET, MIN_SECRET, Settings
from bot.i18n import t
from storage.db import Database

log = logging.getLogger(__name__)

TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"


# Dependencies are `async def`: FastAPI runs a plain `def` in a thread pool, a thread hop per request.


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_telegram(running: RuntimeDep) -> TelegramUpdates:
    adapter = running.channels.get(TELEGRAM)
    if adapter is None:
        raise HTTPException(status_code=404)
    return adapter.updates  # type: ignore[no-any-return]


async def get_database(running: RuntimeDep) -> Database:
    return running.db


TelegramDep = Annotated[TelegramUpdates, Depends(get_telegram)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SecretHeader = Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")]

router = APIRouter()


@router.post(TELEGRAM_WEBHOOK_PATH)
async def telegram_webhook(request: Request, telegram: TelegramDep, secret: SecretHeader = None) -> Response:
    """One update from Telegram: 200 once applied, 5xx to have Telegram deliver it again."""
    if secret is None:
        raise HTTPException(status_code=401)
    if not telegram.secret_matches(secret):
        raise HTTPException(status_code=403)
    try:
        answer = await telegram.webhook(await request.body())
    except ValidationError:
        raise HTTPException(status_code=400) from None
    except NotApplied:
        return Response(status_code=503)
    return JSONResponse(answer) if answer else Response(status_code=200)


@router.get("/healthz")
async def healthz(database: DatabaseDep, running: RuntimeDep) -> Response:
    """200 while the database answers, 503 otherwise; with what each channel running here says of
    itself (token valid, webhook registered or polling, last event seen)."""
    channels = {}
    for adapter in running.channels:
        if adapter.health is not None:
            channels[adapter.name] = dict(await adapter.health())
    try:
        async with database.session() as session:
            await session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means not healthy
        log.warning("health check: database unavailable: %s", type(error).__name__)
        return JSONResponse({"status": "database unavailable", "channels": channels}, status_code=503)
    return JSONResponse({"status": "ok", "channels": channels})


@router.get("/files/{token}")
async def compiled_file(token: str, running: RuntimeDep) -> Response:
    """A compiled report by its signed link (bot/files.py): 404 for a token tampered with or a file
    never made, 410 once it expired; a short Vietnamese text either way."""
    from datetime import UTC, datetime
    from urllib.parse import quote

    from bot.files import Refused, ascii_name, fetch

    secret = running.settings.secret
    now = datetime.now(UTC)
    found: object = Refused("not_found")
    if secret:
        async with running.db.session() as session:
            found = await fetch(session, secret, token, now)
    if isinstance(found, Refused):
        text = t(f"files.{found.reason}", "vi")
        return Response(text, status_code=found.status, media_type="text/plain; charset=utf-8")
    name = found.filename  # type: ignore[attr-defined]
    disposition = f"attachment; filename=\"{ascii_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(
        found.content,  # type: ignore[attr-defined]
        media_type=found.content_type,  # type: ignore[attr-defined]
        headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"},
    )


class NoSecretKey(RuntimeError):
    """The app would take Telegram's updates without BAOCAO_SECRET_KEY: nobody could join."""


def create_app(settings: Settings, *, running: Runtime | None = None) -> FastAPI:
    """The web app on `running`; with none given it builds the runtime from `settings` for its lifetime.

    Built alone with a channel's token (under another ASGI server than `baocao serve`), it refuses
    to be made without a usable BAOCAO_SECRET_KEY, as `serve` refuses to start.
    """
    refusal = settings.secret_refusal()
    if running is None and configured_platforms(settings) and refusal is not None:
        raise NoSecretKey(t(refusal, "vi", min=MIN_SECRET, example=MAKE_SECRET))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if running is not None:
            app.state.runtime = running
            yield
            return
        async with runtime(settings) as built:
            app.state.runtime = built
            for adapter in built.channels:
                if adapter.routes is not None:
                    app.include_router(adapter.routes)
            yield

    app = FastAPI(title="Báo cáo bot", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(router)
    if running is not None:
        for adapter in running.channels:
            if adapter.routes is not None:
                app.include_router(adapter.routes)
    return app
