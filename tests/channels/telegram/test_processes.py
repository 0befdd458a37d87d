"""Black-box: the real `baocao poll` and `baocao serve` processes against the fake Bot API on 127.0.0.1.

The database is prepared with the operator's own commands (`baocao db upgrade`, `units import`,
`campaign create`, `invite`). Each process takes a few seconds to start (importing aiogram), so the
journeys are few and long; together they stay well under a minute.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialogs.builtin import get_outline
from tests.channels.telegram.fake_bot_api import TOKEN, FakeBotApi, callback_update, text_update
from tests.dialogs.conftest import DOCUMENT_SKIP_FILE

pytestmark = pytest.mark.slow

BAOCAO = str(Path(sys.executable).parent / "baocao")
SECRET = "black-box_secret-42"
SECRET_KEY = "black-box-secret-key-0123456789"  # BAOCAO_SECRET_KEY: the operator's and the bot's
UNITS_CSV = (
    "code,name,level,parent_code\nT,Tỉnh Mẫu,tinh,\nH,Huyện Mẫu,huyen,T\nX1,Xã Một,xa,H\nX2,Xã Hai,xa,H\n"
)


def clean_env(**values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BAOCAO_")}
    env.update(values)
    return env


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BAOCAO, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


@dataclass(frozen=True)
class Prepared:
    database: Path
    codes: dict[str, str]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """A database made by the operator's commands: units, an open ct30-20nam campaign, invite codes."""
    folder = tmp_path_factory.mktemp("operator")
    database = folder / "baocao.db"
    (folder / "units.csv").write_text(UNITS_CSV, encoding="utf-8")
    env = clean_env(BAOCAO_DATABASE_URL=f"sqlite+aiosqlite:///{database}",
                    BAOCAO_LOG_FILE=str(folder / "log"), BAOCAO_SECRET_KEY=SECRET_KEY)
    for args in (("db", "upgrade"), ("units", "import", str(folder / "units.csv")),
                 ("campaign", "create", "--outline", "ct30-20nam", "--title", "Tổng kết 20 năm Chỉ thị 30",
                  "--root", "T", "--deadline", "xa=2030-06-30", "--deadline", "huyen=2030-07-30",
                  "--deadline", "tinh=2030-08-30")):
        result = run(*args, env=env)
        assert result.returncode == 0, result.stderr
    codes = {}
    for unit in ("X1", "X2"):
        result = run("invite", "--unit", unit, "--role", "reporter", "--uses", "3", env=env)
        assert result.returncode == 0, result.stderr
        codes[unit] = result.stdout.strip().splitlines()[-1]
    return Prepared(database, codes)


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as fake:
        yield fake


class BotProcess:
    """One `baocao` process of the bot; its stderr is kept for the assertions."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen([BAOCAO, *args], env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as when the machine loses power."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=20)
        return self.process.returncode, err

    def ensure_stopped(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.ensure_stopped()


def bot_env(prepared: Prepared, api: FakeBotApi, tmp_path: Path, **more: str) -> dict[str, str]:
    database = tmp_path / "baocao.db"
    if not database.exists():
        shutil.copyfile(prepared.database, database)
    values = {
        "BAOCAO_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "BAOCAO_LOG_FILE": str(tmp_path / "baocao.log"),
        "BAOCAO_TELEGRAM_TOKEN": TOKEN,
        "BAOCAO_SECRET_KEY": SECRET_KEY,
        "BAOCAO_TELEGRAM_API_BASE": api.base_url,
        "BAOCAO_TELEGRAM_POLLING_TIMEOUT": "1",
        # The fake chat may take replies quickly; the outbox's own tests hold it to Telegram's limits.
        "BAOCAO_TELEGRAM_CHAT_MESSAGES_PER_SECOND": "200",
        "BAOCAO_TELEGRAM_CHAT_BURST": "20",
        "BAOCAO_OUTBOX_LEASE_SECONDS": "2",
        "BAOCAO_OUTBOX_POLL_SECONDS": "0.2",
    }
    return clean_env(**(values | more))


Step = tuple[str, dict[str, Any]]  # the question answered, the update doing it


def report_steps(user: int) -> list[Step]:
    """Every answer of the ct30-20nam report as updates: typed answers, and the buttons after them.

    The campaign is opened by `campaign create`, so on the latest version. Every choice is answered
    with its last option: for the unit's kind that is "all kinds together", and with every count at 5
    no question is left out by a condition.
    """
    steps: list[Step] = []
    for section in get_outline("ct30-20nam").sections:
        for question in section.questions:
            if not question.is_answerable:
                continue
            if question.type == "text" and not question.required:
                steps.append((question.id, callback_update(user, f"s:{question.id}")))
            elif question.type == "text":
                steps.append((question.id, text_update(user, f"Trả lời {question.id}: đã làm tốt & đầy đủ.")))
                steps.append((question.id, callback_update(user, f"n:{question.id}")))
            elif question.type == "decimal":
                steps.append((question.id, text_update(user, "2,5")))
            elif question.type == "choice":
                steps.append((question.id, text_update(user, str(len(question.choices)))))
            elif question.type == "date":
                steps.append((question.id, text_update(user, "15/06/2018")))
            else:
                steps.append((question.id, text_update(user, "5")))
    return steps


def questions(steps: list[Step]) -> set[str]:
    return {question for question, _ in steps}


def answers_in(database: Path) -> dict[str, Any]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT question_id, value FROM answers").fetchall()
    return {question: json.loads(value) if isinstance(value, str) else value for question, value in rows}


def outbox_in(database: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall()


def push_all(api: FakeBotApi, updates: list[dict[str, Any]] | list[Step]) -> int:
    """Queue updates (or steps) for getUpdates; the number of replies they should bring (one each)."""
    for update in updates:
        api.push_update(update[1] if isinstance(update, tuple) else update)
    return len(updates)


def wait_replies(api: FakeBotApi, chat: int, count: int, timeout: float = 15) -> list[str]:
    api.wait_until(lambda: len(api.texts(chat)) >= count, timeout)
    time.sleep(0.05)
    return api.texts(chat)


def test_a_missing_or_refused_token_is_one_clear_line(
    prepared: Prepared, api: FakeBotApi, tmp_path: Path
) -> None:
    env = bot_env(prepared, api, tmp_path)
    env.pop("BAOCAO_TELEGRAM_TOKEN")
    missing = run("poll", env=env)
    assert missing.returncode == 1 and "BAOCAO_TELEGRAM_TOKEN" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1 and "Traceback" not in missing.stderr

    refused = run("poll", env=bot_env(prepared, api, tmp_path, BAOCAO_TELEGRAM_TOKEN="42:unknown-token"))
    assert refused.returncode == 1 and "không chấp nhận" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr


def test_poll_and_serve_refuse_to_start_without_the_secret_key(
    prepared: Prepared, api: FakeBotApi, tmp_path: Path
) -> None:
    env = bot_env(prepared, api, tmp_path, BAOCAO_TELEGRAM_WEBHOOK_SECRET=SECRET,
                  BAOCAO_PUBLIC_URL="https://baocao.example.vn")
    env.pop("BAOCAO_SECRET_KEY")
    for command in (["poll"], ["serve", "--port", "1"]):
        refused = run(*command, env=env)
        assert refused.returncode == 1, refused
        assert refused.stderr.startswith("Chưa có khóa bí mật: hãy đặt biến môi trường BAOCAO_SECRET_KEY")
        assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    assert api.calls == [], "refused before asking Telegram anything"


def test_polling_a_whole_report_through_a_crash(
    prepared: Prepared, api: FakeBotApi, tmp_path: Path, processes: list[BotProcess]
) -> None:
    env = bot_env(prepared, api, tmp_path)
    database = tmp_path / "baocao.db"
    user = 501
    processes.append(BotProcess(["poll"], env))
    api.wait_until(lambda: api.calls_of("getUpdates"), 20)
    assert api.calls_of("deleteWebhook") and "Nộp" in str(api.calls_of("setMyCommands")[0].params)

    # Join by deep link; the same update delivered twice is applied once.
    join = text_update(user, f"/start {prepared.codes['X1']}", update_id=api.next_update_id())
    api.push_update(dict(join))
    api.push_update(dict(join))
    texts = wait_replies(api, user, 1)
    time.sleep(0.3)
    assert len(api.texts(user)) == 1 and "Chào mừng" in texts[0]

    # The first part of the report, typed and pressed, all sent at once: applied in order.
    steps = report_steps(user)
    expected = 1 + push_all(api, [text_update(user, "/baocao")]) + push_all(api, steps[:12])
    texts = wait_replies(api, user, expected)
    assert "Mục 1/6" in texts[1]
    assert set(answers_in(database)) == questions(steps[:12])

    # A button from an old message: "next" under the first question, long since answered.
    expected += push_all(api, [callback_update(user, "n:tt_tuyen_truyen")])
    assert "tin nhắn cũ" in wait_replies(api, user, expected)[-1]
    assert set(answers_in(database)) == questions(steps[:12])

    # Telegram's flood control: the reply is refused once with retry_after, then sent once.
    api.fail("sendMessage", 429, retry_after=1)
    expected += push_all(api, steps[12:13])
    wait_replies(api, user, expected + 1)  # the refused try is recorded too
    refused, sent = api.messages(user)[-2:]
    assert refused.params["text"] == sent.params["text"] and sent.at - refused.at >= 1.0
    expected += 1

    # Killed with SIGKILL half way through a batch, then started again: nothing lost, nothing twice.
    batch = steps[13:19]
    expected += push_all(api, batch)
    api.wait_until(lambda: len(api.texts(user)) > expected - len(batch), 15)
    processes[-1].kill()
    processes.append(BotProcess(["poll"], env))
    wait_replies(api, user, expected, timeout=25)
    assert set(answers_in(database)) == questions(steps[:19])
    texts = api.texts(user)

    # A narrative answer of 4,096 characters with <b> and &: stored as typed, shown escaped and whole.
    long_answer = ("Nhân dân <b>được biết</b>, được bàn & được làm, được kiểm tra. " * 70)[:4096].strip()
    at = next(i for i in range(19, len(steps)) if "Trả lời" in steps[i][1].get("message", {}).get("text", ""))
    question_id = steps[at][0]
    expected = len(texts) + push_all(api, steps[19:at]) + push_all(
        api, [text_update(user, long_answer), callback_update(user, f"v:{question_id}")]
    )
    wait_replies(api, user, expected + 1)
    assert answers_in(database)[question_id] == long_answer

    def last_two() -> list[str]:
        return [call.params["text"] for call in api.messages(user)[-2:]]

    # Its second piece may come a moment after the count is reached on a loaded machine.
    whole = re.sub(r"\s+", " ", long_answer)
    api.wait_until(lambda: whole in re.sub(r"\s+", " ", html.unescape(" ".join(last_two()))), 15)
    assert all("<b>" not in piece and len(html.unescape(piece)) <= 4096 for piece in last_two())

    # The rest of the report, then submit with its confirmation buttons.
    push_all(api, steps[at + 1:])
    api.wait_until(
        lambda: any("Nộp báo cáo" in str(c.params.get("reply_markup")) for c in api.messages(user)[-2:]), 25
    )
    push_all(api, [callback_update(user, "sub")])
    api.wait_until(lambda: "ok:1" in str(api.messages(user)[-1].params.get("reply_markup")), 10)
    push_all(api, [callback_update(user, "ok:1"), *(text_update(user, d) for d in DOCUMENT_SKIP_FILE)])
    api.wait_until(lambda: any("Đã nộp báo cáo" in text for text in api.texts(user)[-2:]), 15)
    assert api.calls_of("answerCallbackQuery"), "button presses are answered"

    code, err = processes[-1].stop()
    assert code == 0 and "đã dừng" in err
    assert dict(outbox_in(database)).get("pending", 0) == 0, "every reply went out"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serving_the_webhook(prepared: Prepared, api: FakeBotApi, tmp_path: Path,
                             processes: list[BotProcess]) -> None:
    port = free_port()
    env = bot_env(prepared, api, tmp_path, BAOCAO_TELEGRAM_WEBHOOK_SECRET=SECRET,
                  BAOCAO_PUBLIC_URL="https://baocao.example.vn")
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
    [hook] = api.calls_of("setWebhook")
    assert hook.params["url"] == "https://baocao.example.vn/telegram/webhook"
    assert hook.params["secret_token"] == SECRET
    assert api.calls_of("setMyCommands")

    def post(update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        return httpx.post(f"{base}/telegram/webhook", json=update, headers=headers, timeout=10)

    user = 601
    join = text_update(user, f"/start {prepared.codes['X2']}", update_id=api.next_update_id())
    assert post(join, secret=None).status_code == 401
    assert post(join, secret="not-the-secret").status_code == 403
    time.sleep(0.2)
    assert api.texts(user) == []
    assert post(join).status_code == 200
    assert post(join).status_code == 200, "a repeat is acknowledged"
    wait_replies(api, user, 1)
    time.sleep(0.3)
    assert len(api.texts(user)) == 1 and "Xã Hai" in api.texts(user)[0]

    press = callback_update(user, "go", update_id=api.next_update_id())
    response = post(press)
    answer = {"method": "answerCallbackQuery", "callback_query_id": press["callback_query"]["id"]}
    assert response.json() == answer
    assert "Mục 1/6" in wait_replies(api, user, 2)[-1]
    # Version 2 of the outline asks the unit's kind first: a commune.
    assert post(callback_update(user, "c:loai_hinh:0", update_id=api.next_update_id())).status_code == 200
    assert "1.1. Công tác tuyên truyền" in wait_replies(api, user, 3)[-1]
    assert post(text_update(user, "Đã tuyên truyền <b>rộng rãi</b> & đầy đủ.",
                            update_id=api.next_update_id())).status_code == 200
    assert "&lt;b&gt;" not in wait_replies(api, user, 4)[-1]

    code, err = processes[-1].stop()
    assert code == 0 and "đã dừng" in err
    stored = answers_in(tmp_path / "baocao.db")
    assert stored["tt_tuyen_truyen"] == "Đã tuyên truyền <b>rộng rãi</b> & đầy đủ."
