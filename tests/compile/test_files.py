"""Signed links to compiled files: served with their type and name, refused after expiry, when
tampered with, and for a file never made."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import httpx
import pytest
from fastapi import FastAPI

from bot.app import runtime
from bot.config import Settings
from bot.files import Refused, fetch, link, publish, sign, verify
from bot.web import create_app
from storage.db import Database

SECRET = "files-secret-0123456789abcdef"
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def published(db: Database, filename: str, content: bytes, now: datetime, hours: float = 24) -> str:
    async with db.session() as session, session.begin():
        return await publish(session, SECRET, filename, content, now, timedelta(hours=hours))


async def test_a_token_is_bound_to_its_file_and_expiry(database: Database) -> None:
    token = await published(database, "Báo cáo tổng hợp QT-HL.docx", b"PK docx", NOW)
    async with database.session() as session:
        found = await fetch(session, SECRET, token, NOW + timedelta(hours=23))
        assert not isinstance(found, Refused)
        assert (found.filename, found.content_type, found.content) == (
            "Báo cáo tổng hợp QT-HL.docx",
            DOCX,
            b"PK docx",
        )
        # After 24 hours: gone.
        assert await fetch(session, SECRET, token, NOW + timedelta(hours=24)) == Refused("expired")
        # Another file's id, or a later expiry, under the same signature: refused as never made.
        file_id, expires, mac = token.split(".")
        for forged in (
            f"{int(file_id) + 1}.{expires}.{mac}",
            f"{file_id}.{int(expires) + 86400}.{mac}",
            f"{file_id}.{expires}.{mac[:-1]}A" if mac[-1] != "A" else f"{file_id}.{expires}.{mac[:-1]}B",
            "nonsense",
            "1.2",
        ):
            assert await fetch(session, SECRET, forged, NOW) == Refused("not_found"), forged
        # Signed right, but no such file.
        never = sign(SECRET, 987654, NOW + timedelta(hours=1))
        assert await fetch(session, SECRET, never, NOW) == Refused("not_found")
        # Under another key: refused.
        assert await fetch(session, "another-secret-key-0123456", token, NOW) == Refused("not_found")
    assert verify(SECRET, token, NOW) == int(file_id)
    assert link("https://bot.example.vn/", token) == f"https://bot.example.vn/files/{token}"


@pytest.fixture
async def client(database: Database, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=database_url, secret_key=SECRET)
    async with runtime(settings, db=database, with_telegram=False) as running:
        app: FastAPI = create_app(settings, running=running)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
                yield http


async def test_get_files_serves_a_file_and_refuses_the_rest(
    database: Database, client: httpx.AsyncClient
) -> None:
    now = datetime.now(UTC)
    token = await published(database, "Tiến độ QT.png", b"\x89PNG\r\n", now)
    answer = await client.get(f"/files/{token}")
    assert answer.status_code == 200
    assert answer.content == b"\x89PNG\r\n"
    assert answer.headers["content-type"] == "image/png"
    disposition = answer.headers["content-disposition"]
    assert 'filename="Tien_do_QT.png"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "Tiến độ QT.png"

    old = await published(database, "cu.xlsx", b"old", now - timedelta(hours=30))
    expired = await client.get(f"/files/{old}")
    assert expired.status_code == 410
    assert "hết hạn" in expired.text

    file_id, expires, mac = token.split(".")
    tampered = await client.get(f"/files/{int(file_id) + 1}.{expires}.{mac}")
    assert tampered.status_code == 404
    assert "Không có tệp" in tampered.text
    never = await client.get(f"/files/{sign(SECRET, 424242, now + timedelta(hours=1))}")
    assert never.status_code == 404
