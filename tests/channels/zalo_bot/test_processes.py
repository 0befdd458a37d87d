"""Black-box: the real `baocao poll` and `baocao serve` against the fake Zalo Bot (and the fake Telegram
Bot API): every configured channel, any one alone, none; a whole ct30-20nam report typed on the Zalo
Bot through a SIGKILL; "ai chưa nộp" and "tổng hợp" as links; the webhook and /healthz."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialogs.builtin import get_outline
from dialogs.text import utf16_len
from tests.channels.telegram import test_processes as telegram_processes
from tests.channels.telegram.fake_bot_api import TOKEN as TELEGRAM_TOKEN
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.fake_bot_api import text_update as telegram_text
from tests.channels.telegram.test_processes import BotProcess, Prepared, answers_in, clean_env, free_port, run
from tests.channels.zalo_bot.fake_bot import TOKEN, FakeZaloBot, text_update
from tests.dialogs.conftest import DOCUMENT_SKIP_FILE

pytestmark = pytest.mark.slow

# The operator's database (units, a ct30-20nam campaign, invite codes) and the processes' cleanup,
# the same fixtures as Telegram's black-box tests.
prepared = telegram_processes.prepared
processes = telegram_processes.processes

SECRET_KEY = "black-box-secret-key-0123456789"
WEBHOOK_SECRET = "zalo-black-box_secret-42"


@pytest.fixture
def zalo() -> Iterator[FakeZaloBot]:
    with FakeZaloBot() as fake:
        yield fake


def zalo_env(prepared: Prepared, zalo: FakeZaloBot, tmp_path: Path, **more: str) -> dict[str, str]:
    database = tmp_path / "baocao.db"
    if not database.exists():
        database.write_bytes(prepared.database.read_bytes())
    values = {
        "BAOCAO_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "BAOCAO_LOG_FILE": str(tmp_path / "baocao.log"),
        "BAOCAO_SECRET_KEY": SECRET_KEY,
        "BAOCAO_PUBLIC_URL": "https://baocao.example.vn",
        "BAOCAO_ZALO_BOT_TOKEN": TOKEN,
        "BAOCAO_ZALO_BOT_API_BASE": zalo.base_url,
        "BAOCAO_ZALO_BOT_POLLING_TIMEOUT": "1",
        "BAOCAO_ZALO_BOT_CHAT_MESSAGES_PER_SECOND": "200",
        "BAOCAO_ZALO_BOT_CHAT_BURST": "50",
        "BAOCAO_OUTBOX_LEASE_SECONDS": "2",
        "BAOCAO_OUTBOX_POLL_SECONDS": "0.2",
    }
    return clean_env(**(values | more))


def typed_steps() -> list[tuple[str, str]]:
    """Every answer of the ct30-20nam report as typed on a channel without buttons: the numbers of
    options, "tiếp" after a narrative answer, "bỏ qua" for an optional one."""
    steps: list[tuple[str, str]] = []
    for section in get_outline("ct30-20nam").sections:
        for question in section.questions:
            if not question.is_answerable:
                continue
            if question.type == "text" and not question.required:
                steps.append((question.id, "bỏ qua"))
            elif question.type == "text":
                steps.append((question.id, f"Trả lời {question.id}: đã làm tốt, đầy đủ 👍."))
                steps.append((question.id, "tiếp"))
            elif question.type == "decimal":
                steps.append((question.id, "2,5"))
            elif question.type == "choice":
                steps.append((question.id, str(len(question.choices))))
            elif question.type == "date":
                steps.append((question.id, "15/06/2018"))
            else:
                steps.append((question.id, "5"))
    return steps


def say_all(zalo: FakeZaloBot, user: str, texts: list[str]) -> None:
    for text in texts:
        zalo.push(text_update(user, text))


def test_with_no_channel_configured_poll_and_serve_say_so_in_one_line(
    prepared: Prepared, zalo: FakeZaloBot, tmp_path: Path
) -> None:
    env = zalo_env(prepared, zalo, tmp_path)
    env.pop("BAOCAO_ZALO_BOT_TOKEN")
    for command in (["poll"], ["serve", "--port", "1"]):
        refused = run(*command, env=env)
        assert refused.returncode == 1
        assert refused.stderr.startswith("Chưa cấu hình kênh nào")
        assert "BAOCAO_ZALO_BOT_TOKEN" in refused.stderr and "BAOCAO_TELEGRAM_TOKEN" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    wrong = run("poll", env=zalo_env(prepared, zalo, tmp_path, BAOCAO_ZALO_BOT_TOKEN="1:wrong"))
    assert wrong.returncode == 1 and "Zalo không chấp nhận" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1
    no_secret = run("serve", "--port", "1", env=zalo_env(prepared, zalo, tmp_path))
    assert no_secret.returncode == 1 and "BAOCAO_ZALO_BOT_WEBHOOK_SECRET" in no_secret.stderr


def test_polling_the_zalo_bot_alone_a_whole_report_through_a_crash_then_the_district(
    prepared: Prepared, zalo: FakeZaloBot, tmp_path: Path, processes: list[BotProcess]
) -> None:
    env = zalo_env(prepared, zalo, tmp_path)
    database = tmp_path / "baocao.db"
    supervisor = run("invite", "--unit", "H", "--role", "supervisor", env=env)
    assert supervisor.returncode == 0, supervisor.stderr
    district_code = supervisor.stdout.strip().splitlines()[-1]
    processes.append(BotProcess(["poll"], env))
    zalo.wait_until(lambda: zalo.calls_of("deleteWebhook") and zalo.pending() == 0, 20)
    user = "zalo-cadre-1"

    # Joined; the same message handed out twice is applied once.
    join = text_update(user, prepared.codes["X1"], message_id="join-once")
    zalo.push(join)
    zalo.push(join)
    zalo.wait_until(lambda: zalo.texts(user), 15)
    time.sleep(0.5)
    assert len(zalo.texts(user)) == 1 and "Chào mừng" in zalo.texts(user)[0]

    steps = typed_steps()
    say_all(zalo, user, ["báo cáo", *(text for _, text in steps[:20])])
    first = {question for question, _ in steps[:20]}
    zalo.wait_until(lambda: first <= set(answers_in(database)), 30)

    # Killed with SIGKILL, started again: what was stored stays, the report goes on where it was.
    processes[-1].kill()
    processes.append(BotProcess(["poll"], env))
    say_all(zalo, user, ["tiếp tục", *(text for _, text in steps[20:])])
    everything = {question for question, _ in steps}
    zalo.wait_until(lambda: everything <= set(answers_in(database)), 60)
    assert answers_in(database)[steps[1][0]] == f"Trả lời {steps[1][0]}: đã làm tốt, đầy đủ 👍."
    say_all(zalo, user, ["nộp", "có", *DOCUMENT_SKIP_FILE])
    zalo.wait_until(lambda: any("Đã nộp báo cáo" in text for text in zalo.texts(user)), 30)
    assert all(utf16_len(text) <= 2000 for text in zalo.texts())

    district = "zalo-district"
    say_all(zalo, district, [district_code, "ai chưa nộp"])
    zalo.wait_until(lambda: any("Xã Hai" in text for text in zalo.texts(district)), 20)
    assert not any("Xã Một" in text for text in zalo.texts(district)[1:])
    say_all(zalo, district, ["tổng hợp"])
    zalo.wait_until(lambda: sum("/files/" in text for text in zalo.texts(district)) >= 1, 60)
    shown = "\n".join(zalo.texts(district))
    assert shown.count("https://baocao.example.vn/files/") == 3
    assert zalo.calls_of("sendChatAction")

    code, err = processes[-1].stop()
    assert code == 0 and "đã dừng" in err
    with sqlite3.connect(database) as connection:
        pending = connection.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]
    assert pending == 0, "every reply went out"


def test_polling_telegram_and_the_zalo_bot_together(
    prepared: Prepared, zalo: FakeZaloBot, tmp_path: Path, processes: list[BotProcess]
) -> None:
    with FakeBotApi() as telegram:
        env = zalo_env(
            prepared,
            zalo,
            tmp_path,
            BAOCAO_TELEGRAM_TOKEN=TELEGRAM_TOKEN,
            BAOCAO_TELEGRAM_API_BASE=telegram.base_url,
            BAOCAO_TELEGRAM_POLLING_TIMEOUT="1",
        )
        processes.append(BotProcess(["poll"], env))
        zalo.push(text_update("zalo-2", prepared.codes["X2"]))
        telegram.push_update(telegram_text(802, f"/start {prepared.codes['X2']}"))
        zalo.wait_until(lambda: zalo.texts("zalo-2"), 20)
        telegram.wait_until(lambda: telegram.texts(802), 20)
        assert "Xã Hai" in zalo.texts("zalo-2")[0] and "Xã Hai" in telegram.texts(802)[0]
        code, err = processes[-1].stop()
        assert code == 0
        assert "Zalo Bot bot.baocao đang chạy bằng long polling" in err and "Bot @" in err


def test_serving_the_zalo_bot_webhook_and_health(
    prepared: Prepared, zalo: FakeZaloBot, tmp_path: Path, processes: list[BotProcess]
) -> None:
    port = free_port()
    env = zalo_env(prepared, zalo, tmp_path, BAOCAO_ZALO_BOT_WEBHOOK_SECRET=WEBHOOK_SECRET)
    processes.append(BotProcess(["serve", "--host", "127.0.0.1", "--port", str(port)], env))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 25
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.1)
    assert zalo.webhook == {
        "url": "https://baocao.example.vn/zalo/bot/webhook",
        "secret_token": WEBHOOK_SECRET,
    }
    health = httpx.get(f"{base}/healthz", timeout=5).json()
    assert health["status"] == "ok"
    assert health["channels"] == {
        "zalo_bot": {"token_valid": True, "webhook": "registered", "last_event": None}
    }

    def post(body: dict[str, Any], secret: str | None = WEBHOOK_SECRET) -> httpx.Response:
        headers = {"X-Bot-Api-Secret-Token": secret} if secret else {}
        return httpx.post(f"{base}/zalo/bot/webhook", json=body, headers=headers, timeout=10)

    join = text_update("zalo-3", prepared.codes["X2"])
    assert post(join, secret=None).status_code == 401
    assert post(join, secret="not-the-secret").status_code == 403
    assert post({"ok": True, "result": join}).status_code == 200
    assert post(join).status_code == 200, "a repeat is acknowledged"
    zalo.wait_until(lambda: zalo.texts("zalo-3"), 15)
    time.sleep(0.3)
    assert len(zalo.texts("zalo-3")) == 1
    assert httpx.get(f"{base}/healthz", timeout=5).json()["channels"]["zalo_bot"]["last_event"]
    code, err = processes[-1].stop()
    assert code == 0 and "đã dừng" in err
