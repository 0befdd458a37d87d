"""`POST /zalo/oa/webhook`: the body read with a cap, then checked and applied (runner.py)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response

from bot.channels.zalo_oa.runner import WEBHOOK_PATH, ZaloOAUpdates

log = logging.getLogger(__name__)

# Zalo's events are a few kilobytes; anything over this is refused before it is all read.
MAX_BODY = 1024 * 1024


def webhook_router(updates: ZaloOAUpdates) -> APIRouter:
    router = APIRouter()

    @router.post(WEBHOOK_PATH)
    async def zalo_oa_webhook(request: Request) -> Response:
        """200 applied or ignored; 401 not signed by Zalo or stale; 400 not JSON; 413 too large."""
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return Response(status_code=413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return Response(status_code=413)
        try:
            status = await updates.webhook(bytes(body), request.headers.get("X-ZEvent-Signature"))
        except Exception:  # noqa: BLE001 - the turn rolled back: nothing stored, say so to Zalo
            log.exception("Zalo OA event not applied")
            return Response(status_code=500)
        return Response(status_code=status)

    return router
