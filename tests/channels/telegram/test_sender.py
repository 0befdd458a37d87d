"""The sender, the only module talking HTTP to Telegram: against the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from bot.channels.base import DeliveryError, RenderedDocument, RenderedMessage
from bot.channels.telegram.sender import TelegramSender, TelegramUnavailable
from tests.channels.telegram.fake_bot_api import TOKEN, FakeBotApi


@pytest.fixture
async def sender(fake_api: FakeBotApi) -> AsyncIterator[TelegramSender]:
    sender = TelegramSender(TOKEN, api_base=fake_api.base_url)
    yield sender
    await sender.close()


@pytest.mark.parametrize(
    ("token", "reason"), [(None, "token_missing"), ("", "token_missing"), ("not a token", "token_malformed")]
)
def test_a_missing_or_malformed_token_is_named(token: str | None, reason: str) -> None:
    with pytest.raises(TelegramUnavailable) as raised:
        TelegramSender(token)
    assert raised.value.reason == reason


async def test_a_token_telegram_does_not_know_is_refused_at_start(fake_api: FakeBotApi) -> None:
    sender = TelegramSender("987654321:some-other-token", api_base=fake_api.base_url)
    try:
        with pytest.raises(TelegramUnavailable) as raised:
            await sender.me()
        assert raised.value.reason == "token_refused"
    finally:
        await sender.close()


async def test_a_server_that_does_not_answer_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = TelegramSender(TOKEN, api_base=f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(TelegramUnavailable) as raised:
            await sender.me()
        assert raised.value.reason == "unreachable"
    finally:
        await sender.close()


async def test_a_document_is_uploaded_with_its_name_and_caption(
    sender: TelegramSender, fake_api: FakeBotApi
) -> None:
    content = b"PK\x03\x04" + bytes(range(256)) * 40
    document = RenderedDocument("Tổng hợp.docx", content, "Báo cáo tổng hợp")
    message_id = await sender.send_document("42", document)
    [call] = fake_api.calls_of("sendDocument")
    assert message_id and call.file == content and call.filename == "Tổng hợp.docx"
    assert call.params["caption"] == "Báo cáo tổng hợp" and call.params["chat_id"] == "42"


@pytest.mark.parametrize(
    ("status", "permanent", "retry_after"),
    [(429, False, 3.0), (403, True, None), (400, True, None), (500, False, None), (502, False, None)],
)
async def test_failures_say_whether_and_when_to_try_again(
    sender: TelegramSender, fake_api: FakeBotApi, status: int, permanent: bool, retry_after: float | None
) -> None:
    fake_api.fail("sendMessage", status, retry_after=3 if status == 429 else None, description="Forbidden")
    with pytest.raises(DeliveryError) as raised:
        await sender.send("42", RenderedMessage("xin chào"))
    assert raised.value.permanent is permanent
    assert raised.value.retry_after == retry_after


async def test_html_telegram_cannot_parse_is_sent_again_as_plain_text(
    sender: TelegramSender, fake_api: FakeBotApi
) -> None:
    fake_api.fail("sendMessage", 400, description="Bad Request: can't parse entities: unexpected end tag")
    await sender.send("42", RenderedMessage("a &lt; b"))
    first, second = fake_api.calls_of("sendMessage")
    assert first.params["parse_mode"] == "HTML" and "parse_mode" not in second.params
    assert second.params["text"] == "a < b"


async def test_a_sent_message_is_changed_in_place(sender: TelegramSender, fake_api: FakeBotApi) -> None:
    message_id = await sender.send("42", RenderedMessage("⏳ Đang tổng hợp 0/120 đơn vị…"))
    assert message_id is not None
    assert (
        await sender.edit("42", message_id, RenderedMessage("⏳ Đang tổng hợp 40/120 đơn vị…")) == message_id
    )
    # The same text again changes nothing and is no failure.
    assert (
        await sender.edit("42", message_id, RenderedMessage("⏳ Đang tổng hợp 40/120 đơn vị…")) == message_id
    )
    assert fake_api.screen("42") == ["⏳ Đang tổng hợp 40/120 đơn vị…"]
    # A message that is gone cannot be changed: trying again would not help.
    with pytest.raises(DeliveryError) as raised:
        await sender.edit("42", "999", RenderedMessage("⏳ Đang tổng hợp 80/120 đơn vị…"))
    assert raised.value.permanent
