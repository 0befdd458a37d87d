"""Long polling the Zalo Bot (one update per getUpdates, HTTP 408 when idle) and the client as the
outbox's sender (429 waits, 403 is permanent, no documents)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from bot.channels.base import DeliveryError, RenderedDocument, RenderedMessage
from bot.channels.zalo_bot.client import ZaloBotClient, ZaloBotUnavailable
from tests.channels.zalo_bot.conftest import ZaloBot
from tests.channels.zalo_bot.fake_bot import TOKEN, FakeZaloBot, text_update


async def poll_until(zbot: ZaloBot, condition: Any, timeout: float = 15.0) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(zbot.runtime.poll(stop))
    try:
        await zbot.fake.until(condition, timeout)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_idle_long_polls_end_in_408_and_polling_goes_on(zbot: ZaloBot) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(zbot.runtime.poll(stop))
    await asyncio.sleep(2.5)  # two or three polls of 1 s answered 408
    zbot.fake.push(text_update("p1", zbot.world.codes["X1"]))
    await zbot.fake.until(lambda: len(zbot.fake.texts("p1")) == 1)
    stop.set()
    await asyncio.wait_for(task, 10)
    assert "Chào mừng" in zbot.fake.texts("p1")[0]


async def test_the_same_update_handed_out_twice_is_applied_once(zbot: ZaloBot) -> None:
    join = text_update("p2", zbot.world.codes["X2"], message_id="dup-1")
    zbot.fake.push(join)
    zbot.fake.push(join)
    zbot.fake.push(text_update("p2", "báo cáo"))
    await poll_until(zbot, lambda: zbot.fake.pending() == 0 and len(zbot.fake.texts("p2")) >= 2)
    await zbot.settle()
    texts = zbot.fake.texts("p2")
    assert len(texts) == 2 and "Chào mừng" in texts[0] and "Mục 1/5" in texts[1]


async def test_an_update_that_failed_is_applied_again_before_anything_new(
    zbot: ZaloBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = zbot.runtime.service.handle
    failures = {"left": 2}

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database down"))
        return await original(*args, **kwargs)

    monkeypatch.setattr(zbot.runtime.service, "handle", flaky)
    zbot.fake.push(text_update("p3", zbot.world.codes["X1"]))
    zbot.fake.push(text_update("p3", "báo cáo"))
    await poll_until(zbot, lambda: len(zbot.fake.texts("p3")) >= 2, timeout=20)
    await zbot.settle()
    texts = zbot.fake.texts("p3")
    assert "Chào mừng" in texts[0] and "Mục 1/5" in texts[1], "nothing lost, in order"


async def test_an_update_handed_out_as_polling_stops_is_applied_not_lost(zbot: ZaloBot) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(zbot.runtime.poll(stop))
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(task, 10)
    # The long poll under way is still open on the platform's side, which hands it the next update.
    zbot.fake.push(text_update("p4", zbot.world.codes["X1"]))
    await zbot.updates.close()
    await zbot.fake.until(lambda: len(zbot.fake.texts("p4")) == 1)
    assert "Chào mừng" in zbot.fake.texts("p4")[0]


async def test_sending_429_waits_403_is_permanent_and_documents_are_refused(fake_zalo: FakeZaloBot) -> None:
    client = ZaloBotClient(TOKEN, api_base=fake_zalo.base_url)
    try:
        assert await client.send("u1", RenderedMessage("Xin chào")) is not None
        fake_zalo.fail("sendMessage", 429, retry_after=7)
        with pytest.raises(DeliveryError) as limited:
            await client.send("u1", RenderedMessage("Xin chào"))
        assert limited.value.retry_after == 7.0 and not limited.value.permanent
        fake_zalo.fail("sendMessage", 403)
        with pytest.raises(DeliveryError) as blocked:
            await client.send("u1", RenderedMessage("Xin chào"))
        assert blocked.value.permanent
        fake_zalo.fail("sendMessage", 502)
        with pytest.raises(DeliveryError) as down:
            await client.send("u1", RenderedMessage("Xin chào"))
        assert not down.value.permanent and down.value.retry_after is None
        with pytest.raises(DeliveryError) as refused:
            await client.send_document("u1", RenderedDocument("a.docx", b"x"))
        assert refused.value.permanent
    finally:
        await client.close()


async def test_a_refused_token_and_no_token_are_said_clearly(fake_zalo: FakeZaloBot) -> None:
    with pytest.raises(ZaloBotUnavailable) as missing:
        ZaloBotClient("", api_base=fake_zalo.base_url)
    assert missing.value.reason == "token_missing"
    client = ZaloBotClient("123:wrong", api_base=fake_zalo.base_url)
    try:
        with pytest.raises(ZaloBotUnavailable) as refused:
            await client.me()
        assert refused.value.reason == "token_refused" and client.health.token_valid is False
    finally:
        await client.close()
    nowhere = ZaloBotClient(TOKEN, api_base="http://127.0.0.1:9")
    try:
        with pytest.raises(ZaloBotUnavailable) as unreachable:
            await nowhere.me()
        assert unreachable.value.reason == "unreachable"
    finally:
        await nowhere.close()


async def test_answers_flat_or_wrapped_are_both_read(database_url: str) -> None:
    with FakeZaloBot(flat=True) as flat:
        client = ZaloBotClient(TOKEN, api_base=flat.base_url)
        try:
            assert (await client.me())["account_name"] == "bot.baocao"
            flat.push(text_update("u9", "xin chào"))
            [update] = await client.get_updates(None, 1)
            assert update.message is not None and update.message.text == "xin chào"
            assert await client.get_updates(None, 1) == [], "408: nothing came"
        finally:
            await client.close()
