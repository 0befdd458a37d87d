"""“tổng hợp” in chat: the turn replies at once, the compile runs in the runtime's background task
(its own sessions, the writers in a thread), then the files reach the member — as documents on
Telegram, as a signed link on the terminal, which takes no files."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

import bot.compiling
from bot.app import runtime
from bot.channels.terminal import CHANNEL as TERMINAL
from bot.channels.terminal import TerminalSender, run_chat
from bot.config import Settings
from bot.files import Refused, fetch
from documents.model import Compilation
from tests.bot.conftest import Cadre
from tests.bot.oversight_world import build_province, submit, use_small_outline
from tests.channels.telegram.conftest import Bot, settings_for
from tests.channels.telegram.conftest import Cadre as TelegramCadre
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.secret import SECRET

WRITTEN: list[tuple[str, str, int, str]] = []  # (format, unit, units, thread name)


def fake_writers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writers that say what they were given (the real ones are tested on their own)."""
    WRITTEN.clear()

    def writer(fmt: str) -> Any:
        def write(compilation: Compilation, counts: Sequence[Any], progress: Any, zone: Any) -> bytes:
            WRITTEN.append(
                (fmt, compilation.unit_code, len(compilation.units), threading.current_thread().name)
            )
            reported = ",".join(u.code for u in compilation.reported)
            return f"{fmt}:{compilation.unit_code}:{reported}:{len(counts)}".encode()

        return write

    monkeypatch.setattr(bot.compiling, "WRITERS", {fmt: writer(fmt) for fmt in bot.compiling.FORMATS})


def terminal_runtime(database_url: str, out: io.StringIO) -> Any:
    """The runtime with the terminal as its one channel (no files: links to https://baocao.example.vn)."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        outbox_poll_seconds=0.05,
        secret_key=SECRET,
        public_url="https://baocao.example.vn",
    )
    return runtime(settings, with_telegram=False, senders={TERMINAL: TerminalSender(out, False)})


async def until(condition: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_on_the_terminal_the_files_come_as_signed_links(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_small_outline(monkeypatch)
    fake_writers(monkeypatch)
    out = io.StringIO()
    async with terminal_runtime(database_url, out) as running:
        world = await build_province(running.db)
        commune = Cadre(running.service, "555", "telegram")
        await commune.says(world.codes["X11"])
        await submit(commune)
        await run_chat(running, "h1", stdin=io.StringIO(""), first_messages=(world.codes["H1"], "tổng hợp"))
        # At the end of the piped input the chat waits for the compile and its links.
        shown = out.getvalue()
        assert "Đang tổng hợp báo cáo của Huyện Một" in shown
        links = [
            line.split(": ", 1)[1]
            for line in shown.splitlines()
            if "https://baocao.example.vn/files/" in line
        ]
        assert len(links) == 3
        assert "Đã tổng hợp báo cáo của Huyện Một: 1/2 đơn vị đã nộp." in shown
        async with running.db.session() as session:
            got = {}
            for url in links:
                found = await fetch(session, SECRET, url.rsplit("/", 1)[1], datetime.now(UTC))
                assert not isinstance(found, Refused)
                got[found.filename] = found.content
    assert got == {
        "Bao-cao-tong-hop-H1.docx": b"docx:H1:X11:2",
        "So-lieu-tong-hop-H1.xlsx": b"xlsx:H1:X11:2",
        "Tien-do-H1.png": b"png:H1:X11:2",
    }
    # Written off the event loop's thread.
    assert {entry[3] for entry in WRITTEN} != {threading.main_thread().name}
    assert [(fmt, unit, units) for fmt, unit, units, _ in WRITTEN] == [
        ("docx", "H1", 2),
        ("xlsx", "H1", 2),
        ("png", "H1", 2),
    ]


async def test_on_telegram_the_three_files_are_sent_as_documents(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_small_outline(monkeypatch)
    fake_writers(monkeypatch)
    with FakeBotApi() as api:
        settings = settings_for(database_url, api)
        async with runtime(settings) as running:
            world = await build_province(running.db)
            bot_ = Bot(running, api, world, settings)  # type: ignore[arg-type]
            commune = TelegramCadre(bot_, 301)
            await commune.says(f"/start {world.codes['X21']}")
            for text in ("/baocao", "Tốt.", "tiếp", "7", "Không.", "tiếp", "nộp", "có"):
                await commune.says(text)
            province = TelegramCadre(bot_, 302)
            await province.says(f"/start {world.codes['T']}")
            started = await province.says("/tonghop")
            assert "Đang tổng hợp báo cáo của Tỉnh Mẫu" in started
            await running.compiler.wait()
            await until(lambda: len(api.calls_of("sendDocument")) == 3)
            await until(lambda: any("Đã tổng hợp" in text for text in api.texts(302)))
            # A commune's cadre is not a supervisor: told so, nothing compiled.
            refused = await commune.says("tổng hợp")
            assert "dành cho cán bộ theo dõi" in refused
            # A unit outside the member's scope, named: refused.
            district = TelegramCadre(bot_, 303)
            await district.says(f"/start {world.codes['H1']}")
            assert "không thuộc phạm vi" in await district.says("/tonghop H2")
    documents = api.calls_of("sendDocument")
    assert {str(call.params["chat_id"]) for call in documents} == {"302"}
    assert [call.params.get("caption") for call in documents] == [
        "Báo cáo tổng hợp của Tỉnh Mẫu (Word)",
        "Số liệu tổng hợp của Tỉnh Mẫu (Excel)",
        "Biểu đồ tiến độ của Tỉnh Mẫu",
    ]
    assert [(fmt, unit, units) for fmt, unit, units, _ in WRITTEN] == [
        ("docx", "T", 3),
        ("xlsx", "T", 3),
        ("png", "T", 3),
    ]


async def test_on_telegram_the_real_files_open_as_a_reader_opens_them(database_url: str) -> None:
    """The ct30-20nam v1 world of the oversight tests, compiled by the real writers for Huyện ủy Hải
    Lăng's supervisor: the documents that reach Telegram are a Word report, a workbook and a PNG."""
    from docx import Document
    from openpyxl import load_workbook
    from PIL import Image

    from storage.invites import create_invite
    from tests.compile.test_gather import answered_world

    with FakeBotApi() as api:
        settings = settings_for(database_url, api)
        async with runtime(settings) as running:
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
            bot_ = Bot(running, api, world, settings)  # type: ignore[arg-type]
            district = TelegramCadre(bot_, 401)
            await district.says(f"/start {code}")
            assert "Đang tổng hợp báo cáo của Huyện ủy Hải Lăng" in await district.says("tổng hợp")
            await running.compiler.wait()
            await until(lambda: len(api.calls_of("sendDocument")) == 3)
    files = {call.filename: call.file for call in api.calls_of("sendDocument")}
    assert set(files) == {"Bao-cao-tong-hop-QT-HL.docx", "So-lieu-tong-hop-QT-HL.xlsx", "Tien-do-QT-HL.png"}
    report = Document(io.BytesIO(files["Bao-cao-tong-hop-QT-HL.docx"]))
    text = "\n".join(p.text for p in report.paragraphs)
    assert "Hải An tuyên truyền qua loa truyền thanh." in text
    book = load_workbook(io.BytesIO(files["So-lieu-tong-hop-QT-HL.xlsx"]), read_only=True)
    codes = [row[0] for row in book["Trả lời"].iter_rows(min_row=2, values_only=True)]
    assert codes == ["HL-HA", "HL-HB", "HL-HC"]
    assert Image.open(io.BytesIO(files["Tien-do-QT-HL.png"])).format == "PNG"


async def test_a_compile_that_fails_tells_the_member_in_one_sentence(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_small_outline(monkeypatch)

    def broken(compilation: Compilation, counts: Sequence[Any], progress: Any, zone: Any) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr(bot.compiling, "WRITERS", {fmt: broken for fmt in bot.compiling.FORMATS})
    out = io.StringIO()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, outbox_poll_seconds=0.05, secret_key=SECRET
    )
    async with runtime(
        settings, with_telegram=False, senders={TERMINAL: TerminalSender(out, False)}
    ) as running:
        world = await build_province(running.db)
        await run_chat(
            running,
            "h1",
            stdin=io.StringIO(""),
            first_messages=(world.codes["H1"], "/tonghop QT-XX", "/tonghop"),
        )
    shown = out.getvalue()
    assert "Không tìm thấy đơn vị nào có mã “QT-XX”" in shown
    assert "chưa tổng hợp được báo cáo lúc này" in shown
    assert "disk full" not in shown and "Traceback" not in shown


async def test_the_same_compile_asked_twice_while_it_runs_sends_its_files_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_small_outline(monkeypatch)
    fake_writers(monkeypatch)
    release = threading.Event()
    writers = dict(bot.compiling.WRITERS)

    def slow(compilation: Compilation, counts: Sequence[Any], progress: Any, zone: Any) -> bytes:
        release.wait(5)
        return writers["docx"](compilation, counts, progress, zone)

    monkeypatch.setitem(bot.compiling.WRITERS, "docx", slow)
    with FakeBotApi() as api:
        settings = settings_for(database_url, api)
        async with runtime(settings) as running:
            world = await build_province(running.db)
            bot_ = Bot(running, api, world, settings)  # type: ignore[arg-type]
            province = TelegramCadre(bot_, 501)
            await province.says(f"/start {world.codes['T']}")
            assert "Đang tổng hợp" in await province.says("tổng hợp")
            assert "Đang tổng hợp" in await province.says("/tonghop")
            assert len(running.compiler.tasks) == 1
            release.set()
            await running.compiler.wait()
            await until(lambda: any("Đã tổng hợp" in text for text in api.texts(501)))
    assert len(api.calls_of("sendDocument")) == 3


async def test_a_channel_that_refuses_a_kind_or_a_size_of_file_gets_a_link(database: Any) -> None:
    """Zalo OA as declared: PDF, DOC and DOCX up to 5 MB; the workbook and the chart go as links."""
    from bot.channels.base import Capabilities
    from bot.outbox import CannotCarry, Outbox

    zalo_oa = Capabilities(
        buttons=True,
        files=True,
        edits=False,
        max_length=2000,
        file_limit=5 * 1024 * 1024,
        file_kinds=frozenset({"pdf", "doc", "docx"}),
    )
    outbox = Outbox(database, capabilities={"zalo_oa": zalo_oa})
    async with database.session() as session, session.begin():
        await outbox.queue_document(session, "zalo_oa", "9", "Bao-cao.docx", b"docx")
        for name, content in (
            ("So-lieu.xlsx", b"xlsx"),
            ("Tien-do.png", b"png"),
            ("Bao-cao-lon.docx", b"x" * (5 * 1024 * 1024 + 1)),
        ):
            with pytest.raises(CannotCarry):
                await outbox.queue_document(session, "zalo_oa", "9", name, content)


def slow_writers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake writers whose DOCX takes 0.3 s a unit, saying how far it got; progress from 1 unit."""
    fake_writers(monkeypatch)
    monkeypatch.setattr(bot.compiling, "PROGRESS_FROM", 1)
    monkeypatch.setattr(bot.compiling, "PROGRESS_EVERY", 0.05)
    monkeypatch.setattr(bot.compiling, "PROGRESS_EDIT_EVERY", 0.05)
    writers = dict(bot.compiling.WRITERS)

    def slow(compilation: Compilation, counts: Sequence[Any], progress: Any, zone: Any) -> bytes:
        import time

        for done in range(1, len(compilation.units) + 1):
            progress(done, len(compilation.units))
            time.sleep(0.3)
        return writers["docx"](compilation, counts, progress, zone)

    monkeypatch.setitem(bot.compiling.WRITERS, "docx", slow)


async def test_a_long_compile_says_how_far_it_got_in_one_message_changed_in_place(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_small_outline(monkeypatch)
    slow_writers(monkeypatch)
    with FakeBotApi() as api:
        settings = settings_for(database_url, api)
        async with runtime(settings) as running:
            world = await build_province(running.db)
            bot_ = Bot(running, api, world, settings)  # type: ignore[arg-type]
            province = TelegramCadre(bot_, 601)
            await province.says(f"/start {world.codes['T']}")
            await province.says("tổng hợp")
            await running.compiler.wait()
            await until(lambda: any("Đã tổng hợp báo cáo" in text for text in api.texts(601)))
            await until(lambda: "✅ Đã tổng hợp xong 3/3 đơn vị." in api.screen(601))
    # One progress message was sent, then changed as the units were written, and at the end says
    # the work is done; nothing else in the chat says "Đang tổng hợp N/3".
    sent = api.texts(601)
    assert [text for text in sent if text.endswith("/3 đơn vị…")] == ["⏳ Đang tổng hợp 0/3 đơn vị…"]
    edits = [call.params["text"] for call in api.calls_of("editMessageText")]
    assert any(text in edits for text in ("⏳ Đang tổng hợp 1/3 đơn vị…", "⏳ Đang tổng hợp 2/3 đơn vị…"))
    screen = api.screen(601)
    assert [text for text in screen if "/3 đơn vị" in text and "đã nộp" not in text] == [
        "✅ Đã tổng hợp xong 3/3 đơn vị."
    ]
    assert screen.index("✅ Đã tổng hợp xong 3/3 đơn vị.") < len(screen) - 1  # before the files' message


async def test_where_messages_cannot_be_changed_progress_comes_as_new_messages(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_small_outline(monkeypatch)
    slow_writers(monkeypatch)
    out = io.StringIO()
    async with terminal_runtime(database_url, out) as running:
        world = await build_province(running.db)
        await run_chat(running, "t1", stdin=io.StringIO(""), first_messages=(world.codes["T"], "tổng hợp"))
    shown = out.getvalue()
    assert "⏳ Đang tổng hợp 0/3 đơn vị…" in shown
    assert "⏳ Đang tổng hợp 1/3 đơn vị…" in shown or "⏳ Đang tổng hợp 2/3 đơn vị…" in shown
    assert "Đã tổng hợp xong" not in shown  # the "done" message says it once, with the units that reported
    assert "Đã tổng hợp báo cáo của Tỉnh Mẫu" in shown
