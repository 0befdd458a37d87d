"""The supervisor on the terminal: typed options instead of buttons; a return's notice queued for the
commune's Telegram chat, to be sent by whichever process sends Telegram."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from bot.app import runtime
from bot.channels.terminal import CHANNEL as TERMINAL
from bot.channels.terminal import TerminalSender, run_chat
from bot.config import Settings
from storage.models import OutboxMessage
from tests.bot.conftest import Cadre
from tests.bot.oversight_world import build_province, submit, use_small_outline
from tests.secret import SECRET


async def test_a_district_returns_a_report_from_the_terminal(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_small_outline(monkeypatch)
    out = io.StringIO()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, outbox_poll_seconds=0.05, secret_key=SECRET
    )
    async with runtime(
        settings, with_telegram=False, senders={TERMINAL: TerminalSender(out, False)}
    ) as running:
        world = await build_province(running.db)
        commune = Cadre(running.service, "555", "telegram")
        await commune.says(world.codes["X11"])
        await submit(commune)
        typed = (
            world.codes["H1"],
            "ai chưa nộp",
            "/donvi X11",
            "/tralai",
            "/huy",
            "/tralai",
            "Thiếu số liệu.",
        )
        await run_chat(running, "h1", stdin=io.StringIO(""), first_messages=typed)
        async with running.db.session() as session:
            rows = (
                await session.execute(select(OutboxMessage).where(OutboxMessage.channel == "telegram"))
            ).scalars()
            notices = [(row.chat_id, row.body, row.status) for row in rows]
    shown = out.getvalue()
    assert "▸ Gõ “/donvi X12”" in shown  # typed options where there are no buttons
    assert "▸ Gõ “/duyet X11”: ✅ Duyệt phiên bản 1" in shown
    assert "không bị trả lại" in shown and "Đã trả lại báo cáo của Xã Một Một (phiên bản 1)" in shown
    [(chat, body, status)] = [n for n in notices if "trả lại" in n[1]]
    assert chat == "555" and "Thiếu số liệu." in body and status == "pending"
