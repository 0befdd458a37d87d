"""Short-lived signed links to compiled reports, for a channel that cannot carry the file itself.

The file is kept in `compiled_files` (storage.compiled) until it expires; the link's token names
the row and the expiry and carries an HMAC of both under BAOCAO_SECRET_KEY, so a token cannot be
guessed, moved to another file, or extended. `GET /files/{token}` (bot/web.py) serves it; a token
that was tampered with, or names a file never made, is 404; after the expiry, 410.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from storage.compiled import StoredFile, load_file, store_file

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "pdf": "application/pdf",
}
_CONTEXT = b"baocao-files:"


def content_type(filename: str) -> str:
    """The MIME type of a file by its extension."""
    return CONTENT_TYPES.get(filename.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def ascii_name(filename: str) -> str:
    """The filename without diacritics, for clients that do not read `filename*` ("Báo cáo.docx" →
    "Bao_cao.docx")."""
    flat = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    kept = "".join(
        c if c.isascii() and (c.isalnum() or c in "-_.") else "_"
        for c in flat
        if not unicodedata.combining(c)
    )
    return kept or "file"


def _mac(secret: str, file_id: int, expires: int) -> str:
    digest = hmac.new(secret.encode(), _CONTEXT + f"{file_id}.{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:20]).decode().rstrip("=")


def sign(secret: str, file_id: int, expires_at: datetime) -> str:
    """A token for the file, valid until `expires_at`."""
    expires = int(expires_at.timestamp())
    return f"{file_id}.{expires}.{_mac(secret, file_id, expires)}"


@dataclass(frozen=True)
class Refused:
    """Why a link does not give its file: never made or tampered with (404), or expired (410)."""

    reason: Literal["not_found", "expired"]

    @property
    def status(self) -> int:
        return 410 if self.reason == "expired" else 404


def verify(secret: str, token: str, now: datetime) -> int | Refused:
    """The file id a token names, or why it is refused (its signature checked before its expiry)."""
    parts = token.split(".")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts[:2]):
        return Refused("not_found")
    file_id, expires = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(parts[2].encode(), _mac(secret, file_id, expires).encode()):
        return Refused("not_found")
    if now.timestamp() >= expires:
        return Refused("expired")
    return file_id


async def publish(
    session: AsyncSession, secret: str, filename: str, content: bytes, now: datetime, ttl: timedelta
) -> str:
    """Keep the file for `ttl` and return the token of its link (inside the caller's transaction)."""
    expires = now + ttl
    file_id = await store_file(session, filename, content_type(filename), content, now, expires)
    return sign(secret, file_id, expires)


async def fetch(session: AsyncSession, secret: str, token: str, now: datetime) -> StoredFile | Refused:
    """The file behind a link, or why it is refused."""
    checked = verify(secret, token, now)
    if isinstance(checked, Refused):
        return checked
    found = await load_file(session, checked)
    if found is None:
        return Refused("not_found")
    if found.expires_at <= now:
        return Refused("expired")
    return found


def link(public_url: str | None, token: str) -> str:
    """The address of a link: BAOCAO_PUBLIC_URL + /files/TOKEN (a relative path when it is unset)."""
    return f"{(public_url or '').rstrip('/')}/files/{token}"
