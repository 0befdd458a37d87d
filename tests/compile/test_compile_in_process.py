"""A large compile runs in a process of its own (bot/compile_worker.py): gathered and written there,
the files delivered here as any compile's, the event loop of `baocao serve` never sharing its
interpreter with the writers."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

import bot.compiling
from bot.app import runtime
from documents.model import Compilation
from tests.channels.telegram.conftest import Bot, settings_for
from tests.channels.telegram.conftest import Cadre as TelegramCadre
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.compile.test_chat_compile import until


async def test_a_compile_in_its_own_process_delivers_the_real_files(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docx import Document
    from openpyxl import load_workbook

    from storage.invites import create_invite
    from tests.compile.test_gather import answered_world

    def not_here(compilation: Compilation, counts: Sequence[Any], progress: Any, zone: Any) -> bytes:
        raise AssertionError("written in the serving process")

    # Writers replaced in this process only: the files must come from the child's real ones.
    monkeypatch.setattr(bot.compiling, "WRITERS", {fmt: not_here for fmt in bot.compiling.FORMATS})
    with FakeBotApi() as api:
        settings = settings_for(database_url, api)
        async with runtime(settings) as running:
            running.compiler.in_process_from = 0  # every compile, however small
            world = await answered_world(running.db)
            async with running.db.session() as session, session.begin():
                code = await create_invite(
                    session,
                    "QT-HL",
                    "supervisor",
                    uses=1,
                    days=30,
                    now=datetime.now(UTC),
                    secret=settings.secret,
                )
            district = TelegramCadre(Bot(running, api, world, settings), 501)  # type: ignore[arg-type]
            await district.says(f"/start {code}")
            assert "Đang tổng hợp báo cáo của Huyện ủy Hải Lăng" in await district.says("tổng hợp")
            await running.compiler.wait()
            await until(lambda: len(api.calls_of("sendDocument")) == 3)
            await until(lambda: any("Đã tổng hợp" in text for text in api.texts(501)))
            assert any("1/3 đơn vị đã nộp" in text for text in api.texts(501))
    files = {call.filename: call.file for call in api.calls_of("sendDocument")}
    assert set(files) == {"Bao-cao-tong-hop-QT-HL.docx", "So-lieu-tong-hop-QT-HL.xlsx", "Tien-do-QT-HL.png"}
    text = "\n".join(p.text for p in Document(io.BytesIO(files["Bao-cao-tong-hop-QT-HL.docx"])).paragraphs)
    assert "Hải An tuyên truyền qua loa truyền thanh." in text
    book = load_workbook(io.BytesIO(files["So-lieu-tong-hop-QT-HL.xlsx"]), read_only=True)
    assert [row[0] for row in book["Trả lời"].iter_rows(min_row=2, values_only=True)] == [
        "HL-HA",
        "HL-HB",
        "HL-HC",
    ]
