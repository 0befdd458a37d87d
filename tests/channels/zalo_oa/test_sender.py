"""Sending through the OA: text split to 2,000 UTF-16 units, buttons, files, and every error Zalo answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.channels.base import DeliveryError, RenderedButton, RenderedDocument, RenderedMessage
from bot.channels.zalo_oa import CAPABILITIES
from bot.channels.zalo_oa.client import ZaloOAClient
from bot.channels.zalo_oa.mapping import pressed_action
from bot.channels.zalo_oa.sender import ZaloOASender
from bot.channels.zalo_oa.tokens import TokenManager
from bot.render import render
from dialogs.events import Msg, Reply
from dialogs.text import utf16_len
from storage.db import Database
from storage.zalo_oa import TokenPair, load_pair, store_pair
from tests.channels.zalo_oa.fake_oa import APP_ID, APP_SECRET, FakeOA

USER = "2468458835291979"


def client_for(fake: FakeOA) -> ZaloOAClient:
    return ZaloOAClient(
        app_id=APP_ID, app_secret=APP_SECRET, api_base=fake.base_url, oauth_base=fake.base_url
    )


@pytest.fixture
async def sender(database: Database, fake_oa: FakeOA) -> AsyncIterator[ZaloOASender]:
    access, refresh = fake_oa.issue_pair()
    now = datetime.now(UTC)
    await store_pair(database, APP_ID, TokenPair(access, refresh, now + timedelta(hours=25)), now)
    client = client_for(fake_oa)
    sender = ZaloOASender(client, TokenManager(database, client))
    yield sender
    await sender.close()


def _text(n: int) -> str:
    return ("Ủy ban nhân dân xã đã triển khai. " * (n // 30 + 1))[:n]


async def _send_rendered(sender: ZaloOASender, text: str) -> list[RenderedMessage]:
    messages = render(Reply(body=(Msg("engine.lines", {"lines": text}),)), "vi", CAPABILITIES)
    for message in messages:
        await sender.send(USER, message)
    return messages


async def test_a_5000_character_answer_arrives_in_three_messages(
    sender: ZaloOASender, fake_oa: FakeOA
) -> None:
    text = _text(5000)
    await _send_rendered(sender, text)
    texts = fake_oa.texts(USER)
    assert len(texts) == 3
    assert all(utf16_len(piece) <= 2000 for piece in texts)
    assert " ".join(texts).split() == text.split()  # every word, in order, none cut


async def test_vietnamese_text_of_exactly_2000_units_is_one_message_and_2001_is_two(
    sender: ZaloOASender, fake_oa: FakeOA
) -> None:
    exact = _text(2000)
    assert utf16_len(exact) == 2000
    await _send_rendered(sender, exact)
    assert fake_oa.texts(USER) == [exact.rstrip()] or fake_oa.texts(USER) == [exact]
    await _send_rendered(sender, exact + "x")
    assert len(fake_oa.texts(USER)) == 3


async def test_an_emoji_across_the_split_point_is_never_cut_in_half(
    sender: ZaloOASender, fake_oa: FakeOA
) -> None:
    # 1,999 units of letters then an emoji (2 UTF-16 units): it cannot fit in the first message.
    text = "a" * 1999 + "😀" + "b" * 10
    await _send_rendered(sender, text)
    texts = fake_oa.texts(USER)
    assert texts == ["a" * 1999, "😀" + "b" * 10]
    assert all(utf16_len(t) <= 2000 for t in texts)


async def test_buttons_go_as_query_show_and_come_back_as_their_action(
    sender: ZaloOASender, fake_oa: FakeOA
) -> None:
    buttons = tuple((RenderedButton(f"Lựa chọn {i}", f"ch:q{i}:{i}"),) for i in range(7))
    await sender.send(USER, RenderedMessage("Chọn một:", buttons))
    sent = fake_oa.messages(USER)
    assert len(sent) == 2  # five buttons under the question, two more under a short message
    assert sent[0].text == "Chọn một:" and len(sent[0].buttons) == 5 and len(sent[1].buttons) == 2
    for button in sent[0].buttons + sent[1].buttons:
        assert button["type"] == "oa.query.show"
    assert [pressed_action(b["payload"]) for b in sent[0].buttons] == [f"ch:q{i}:{i}" for i in range(5)]
    # Typed text is never taken for a press.
    assert pressed_action("ch:q1:1") is None and pressed_action("#1") is None


async def test_a_refused_access_token_is_refreshed_and_the_message_sent_once(
    database: Database, sender: ZaloOASender, fake_oa: FakeOA
) -> None:
    before = await load_pair(database, APP_ID)
    fake_oa.expire_access()  # Zalo revoked it early: -216
    await sender.send(USER, RenderedMessage("Xin chào"))
    assert fake_oa.texts(USER) == ["Xin chào"]
    after = await load_pair(database, APP_ID)
    assert after is not None and before is not None
    assert after.refresh_token != before.refresh_token  # the new pair was stored
    assert fake_oa.presented == [before.refresh_token]


async def test_a_token_refused_again_after_the_refresh_is_not_retried_forever(
    sender: ZaloOASender, fake_oa: FakeOA
) -> None:
    fake_oa.fail("/v3.0/oa/message/cs", -216, "Access token is invalid", count=2)
    with pytest.raises(DeliveryError) as failure:
        await sender.send(USER, RenderedMessage("Xin chào"))
    assert not failure.value.permanent
    assert len(fake_oa.presented) == 1


async def test_the_token_is_refreshed_before_it_expires(database: Database, fake_oa: FakeOA) -> None:
    access, refresh = fake_oa.issue_pair()
    now = datetime.now(UTC)
    await store_pair(database, APP_ID, TokenPair(access, refresh, now + timedelta(minutes=5)), now)
    client = client_for(fake_oa)
    sender = ZaloOASender(client, TokenManager(database, client))
    try:
        await sender.send(USER, RenderedMessage("Xin chào"))
    finally:
        await sender.close()
    assert fake_oa.presented == [refresh]  # five minutes left: renewed first, Zalo never refused
    assert [r for r in fake_oa.refused if r["request"] == "message"] == []


@pytest.mark.parametrize("code", [-213, -230, -201])
async def test_outside_the_messaging_window_is_undeliverable_and_not_retried(
    sender: ZaloOASender, fake_oa: FakeOA, code: int
) -> None:
    fake_oa.fail("/v3.0/oa/message/cs", code, "User has not interacted with the OA in the past 7 days")
    with pytest.raises(DeliveryError) as failure:
        await sender.send(USER, RenderedMessage("Nhắc nộp báo cáo"))
    assert failure.value.permanent
    assert "undeliverable" in failure.value.reason
    assert fake_oa.presented == []  # not a token problem: nothing refreshed


@pytest.mark.parametrize("code", [-32, -211])
async def test_over_the_rate_backs_off(sender: ZaloOASender, fake_oa: FakeOA, code: int) -> None:
    fake_oa.fail("/v3.0/oa/message/cs", code, "Exceeded rate limit")
    with pytest.raises(DeliveryError) as failure:
        await sender.send(USER, RenderedMessage("x"))
    assert failure.value.retry_after is not None and failure.value.retry_after > 0
    assert not failure.value.permanent


async def test_zalo_failing_itself_is_transient_and_an_unknown_error_permanent(
    sender: ZaloOASender, fake_oa: FakeOA
) -> None:
    fake_oa.fail("/v3.0/oa/message/cs", -1, "Internal error")
    with pytest.raises(DeliveryError) as failure:
        await sender.send(USER, RenderedMessage("x"))
    assert not failure.value.permanent and failure.value.retry_after is None
    fake_oa.fail("/v3.0/oa/message/cs", -999, "Something new")
    with pytest.raises(DeliveryError) as failure:
        await sender.send(USER, RenderedMessage("x"))
    assert failure.value.permanent


async def test_a_refresh_token_refused_as_used_tells_to_authorise_again(
    database: Database, fake_oa: FakeOA
) -> None:
    now = datetime.now(UTC)
    await store_pair(
        database, APP_ID, TokenPair("acc-old", "ref-already-used", now - timedelta(hours=1)), now
    )
    client = client_for(fake_oa)
    sender = ZaloOASender(client, TokenManager(database, client))
    try:
        with pytest.raises(DeliveryError) as failure:
            await sender.send(USER, RenderedMessage("x"))
    finally:
        await sender.close()
    assert "oa-auth" in failure.value.reason
    assert not failure.value.permanent  # the message waits until an operator authorises again
    assert fake_oa.texts(USER) == []


async def test_a_docx_is_uploaded_and_sent_by_its_token(sender: ZaloOASender, fake_oa: FakeOA) -> None:
    await sender.send_document(
        USER, RenderedDocument("Bao_cao_X1.docx", b"PK\x03\x04docx", "Báo cáo tổng hợp")
    )
    assert [(kind, name) for kind, name, _ in fake_oa.uploads] == [("file", "Bao_cao_X1.docx")]
    sent = fake_oa.messages(USER)
    assert sent[0].text == "Báo cáo tổng hợp"
    assert sent[-1].message["attachment"] == {"type": "file", "payload": {"token": "ft1"}}


async def test_the_chart_goes_as_an_image(sender: ZaloOASender, fake_oa: FakeOA) -> None:
    await sender.send_document(USER, RenderedDocument("bieu_do.png", b"\x89PNG....", "Biểu đồ"))
    assert [kind for kind, _, _ in fake_oa.uploads] == ["image"]
    payload = fake_oa.messages(USER)[-1].message["attachment"]["payload"]
    assert payload["template_type"] == "media" and payload["elements"][0]["media_type"] == "image"


async def test_a_file_zalo_cannot_take_is_refused_without_a_request(
    sender: ZaloOASender, fake_oa: FakeOA
) -> None:
    with pytest.raises(DeliveryError) as failure:
        await sender.send_document(USER, RenderedDocument("so_lieu.xlsx", b"PK..."))
    assert failure.value.permanent
    with pytest.raises(DeliveryError):
        await sender.send_document(USER, RenderedDocument("big.pdf", b"x" * (5 * 1024 * 1024 + 1)))
    assert fake_oa.uploads == []
