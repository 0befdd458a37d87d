"""Black-box: the real `baocao serve` process with the OA configured, against the fake OA on 127.0.0.1.

The token pair comes from the operator's own `baocao zalo oa-auth --code`; a whole ct30-20nam report
is written through signed webhook events, with the process killed (SIGKILL) half way and started again.
The OA runs alone: an office on Zalo only sets no Telegram token.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.channels.zalo_oa.mapping import button_payload
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.test_processes import (  # noqa: F401 - fixtures
    SECRET,
    BotProcess,
    Prepared,
    answers_in,
    api,
    bot_env,
    free_port,
    prepared,
    processes,
    questions,
    report_steps,
    run,
)
from tests.channels.zalo_oa.fake_oa import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeOA, signed, text_event

pytestmark = pytest.mark.slow

USER = "7002000000000001"


def _oa_env(ready: Prepared, telegram: FakeBotApi, tmp_path: Path, fake: FakeOA) -> dict[str, str]:
    return bot_env(
        ready,
        telegram,
        tmp_path,
        BAOCAO_TELEGRAM_TOKEN="",  # the OA alone
        BAOCAO_PUBLIC_URL="https://baocao.example.vn",
        BAOCAO_ZALO_OA_APP_ID=APP_ID,
        BAOCAO_ZALO_OA_SECRET_KEY=OA_SECRET_KEY,
        BAOCAO_ZALO_OA_APP_SECRET=APP_SECRET,
        BAOCAO_ZALO_OA_API_BASE=fake.base_url,
        BAOCAO_ZALO_OA_OAUTH_BASE=fake.base_url,
        BAOCAO_ZALO_OA_CHAT_MESSAGES_PER_SECOND="200",
        BAOCAO_ZALO_OA_CHAT_BURST="20",
    )


def test_serve_with_the_oa_alone_refuses_to_start_before_oa_auth(
    prepared: Prepared,  # noqa: F811
    api: FakeBotApi,  # noqa: F811
    tmp_path: Path,
) -> None:
    with FakeOA() as fake:
        env = _oa_env(prepared, api, tmp_path, fake)
        served = run("serve", "--host", "127.0.0.1", "--port", str(free_port()), env=env)
    assert served.returncode == 1
    assert "baocao zalo oa-auth" in served.stderr
    assert "Traceback" not in served.stderr


def _serve(env: dict[str, str], started: list[BotProcess]) -> str:
    port = free_port()
    started.append(BotProcess(["serve", "--host", "127.0.0.1", "--port", str(port)], env))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return base
        except httpx.TransportError:
            pass
        ended = started[-1].process.poll() is not None
        if ended or time.monotonic() > deadline:
            _, err = started[-1].process.communicate(timeout=5) if ended else ("", "")
            raise AssertionError(f"the web app did not start: {err[-1500:]}")
        time.sleep(0.1)


def _post(base: str, event: dict[str, Any]) -> int:
    body, headers = signed(event)
    return httpx.post(f"{base}/zalo/oa/webhook", content=body, headers=headers, timeout=15).status_code


def _as_oa_text(update: dict[str, Any]) -> str:
    """A Telegram step of the report as the member's text on the OA: a press is the button's payload."""
    if "callback_query" in update:
        return button_payload("•", update["callback_query"]["data"])
    return str(update["message"]["text"])


def test_a_whole_report_on_the_oa_through_a_crash(
    prepared: Prepared,  # noqa: F811
    api: FakeBotApi,  # noqa: F811
    tmp_path: Path,
    processes: list[BotProcess],  # noqa: F811
) -> None:
    with FakeOA() as fake:
        env = _oa_env(prepared, api, tmp_path, fake)
        fake.add_code("operator-code")
        authorised = run("zalo", "oa-auth", "--code", "operator-code", env=env)
        assert authorised.returncode == 0, authorised.stderr

        base = _serve(env, processes)
        assert _post(base, text_event(USER, prepared.codes["X1"])) == 200
        fake_wait(fake, 1)
        assert "Xã Một" in fake.texts(USER)[0]
        texts = ["/baocao", *(_as_oa_text(update) for _, update in report_steps(0))]
        half = len(texts) // 2
        for text in texts[:half]:
            assert _post(base, text_event(USER, text)) == 200
        before = len(fake.texts(USER))
        processes[-1].kill()  # the machine loses power half way through the report

        base = _serve(env, processes)
        for text in texts[half:]:
            assert _post(base, text_event(USER, text)) == 200
        fake_wait(fake, before + 1)
        code, err = processes[-1].stop()
    assert code == 0
    stored = answers_in(tmp_path / "baocao.db")
    assert questions(report_steps(0)) <= set(stored)  # every answer, before and after the crash


def fake_wait(fake: FakeOA, count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while len(fake.texts(USER)) < count:
        assert time.monotonic() < deadline, f"only {len(fake.texts(USER))} replies"
        time.sleep(0.05)
