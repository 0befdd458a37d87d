"""The webhook: only events Zalo signed, fresh, once; everything else refused and nothing stored."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import func, select

from storage.models import Member, ProcessedUpdate
from tests.channels.zalo_oa.conftest import Cadre, OABot
from tests.channels.zalo_oa.fake_oa import follow_event, now_ms, signed, text_event


async def _stored(bot: OABot) -> tuple[int, int]:
    async with bot.runtime.db.session() as session:
        members = await session.scalar(select(func.count()).select_from(Member))
        updates = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
    return int(members or 0), int(updates or 0)


async def test_a_stranger_who_types_a_code_joins_and_is_answered(oa: OABot) -> None:
    cadre = Cadre(oa, "2468458835291979")
    said = await cadre.says(oa.world.codes["X1"])
    assert "Xã Một" in said


async def test_missing_signature_is_refused_and_nothing_stored(oa: OABot) -> None:
    body, _ = signed(text_event("1001", oa.world.codes["X1"]))
    response = await oa.http.post("/zalo/oa/webhook", content=body)
    assert response.status_code == 401
    assert await _stored(oa) == (0, 0)


async def test_wrong_signature_is_refused(oa: OABot) -> None:
    event = text_event("1001", oa.world.codes["X1"])
    body, headers = signed(event, secret="not-the-oa-secret")
    response = await oa.http.post("/zalo/oa/webhook", content=body, headers=headers)
    assert response.status_code == 401
    assert await _stored(oa) == (0, 0)


async def test_a_body_changed_after_signing_is_refused(oa: OABot) -> None:
    body, headers = signed(text_event("1001", "xin chào"))
    changed = body.replace(b"xin", b"XIN")
    response = await oa.http.post("/zalo/oa/webhook", content=changed, headers=headers)
    assert response.status_code == 401
    # Reformatting the JSON (same data, other bytes) breaks the signature too: the raw bytes count.
    spaced = json.dumps(json.loads(body), indent=2).encode()
    response = await oa.http.post("/zalo/oa/webhook", content=spaced, headers=headers)
    assert response.status_code == 401
    assert await _stored(oa) == (0, 0)


async def test_an_old_or_future_timestamp_is_refused(oa: OABot) -> None:
    for at in (now_ms() - 24 * 3600 * 1000, now_ms() + 3600 * 1000):
        response = await oa.post(text_event("1001", oa.world.codes["X1"], at=at))
        assert response.status_code == 401
    assert await _stored(oa) == (0, 0)


async def test_a_body_that_is_not_json_is_400(oa: OABot) -> None:
    response = await oa.http.post(
        "/zalo/oa/webhook", content=b"<xml>hello</xml>", headers={"X-ZEvent-Signature": "mac=00"}
    )
    assert response.status_code == 400
    assert await _stored(oa) == (0, 0)


async def test_a_10_mb_body_is_refused_without_being_read(oa: OABot) -> None:
    big = b"{" + b" " * (10 * 1024 * 1024) + b"}"
    response = await oa.http.post("/zalo/oa/webhook", content=big)
    assert response.status_code == 413

    chunks_read = 0

    async def stream():  # no content-length: the cap stops the reading
        nonlocal chunks_read
        for _ in range(160):
            chunks_read += 1
            yield b" " * 65536

    response = await oa.http.post("/zalo/oa/webhook", content=stream())
    assert response.status_code == 413
    assert chunks_read < 40  # about 1 MB of the 10 read, then refused
    assert await _stored(oa) == (0, 0)


async def test_a_replayed_event_is_applied_once(oa: OABot) -> None:
    cadre = Cadre(oa, "1002")
    event = text_event("1002", oa.world.codes["X1"])
    await cadre.send(event)
    before = len(oa.fake.messages("1002"))
    again = await oa.post(event)
    assert again.status_code == 200
    await oa.settle()
    assert len(oa.fake.messages("1002")) == before
    assert (await _stored(oa))[0] == 1


async def test_unknown_events_and_our_own_echoes_are_ignored(oa: OABot) -> None:
    for name in ("oa_send_text", "user_reacted_message", "something_new"):
        event = text_event("1003", "x")
        event["event_name"] = name
        assert (await oa.post(event)).status_code == 200
    await oa.settle()
    assert oa.fake.sent == []
    assert await _stored(oa) == (0, 0)


async def test_follow_greets_and_asks_for_the_code_once(oa: OABot) -> None:
    event = follow_event("1004")
    assert (await oa.post(event)).status_code == 200
    assert (await oa.post(event)).status_code == 200  # Zalo sent it twice
    await oa.fake.until(lambda: len(oa.fake.messages("1004")) >= 1)
    await oa.settle()
    texts = oa.fake.texts("1004")
    assert len(texts) == 1
    assert "mã mời" in texts[0]


async def test_unfollow_is_recorded_without_a_reply(oa: OABot) -> None:
    from storage.zalo_oa import following

    assert (await oa.post(follow_event("1005", "unfollow"))).status_code == 200
    await oa.settle()
    assert oa.fake.texts("1005") == []
    assert await following(oa.runtime.db, "1005") is False


async def test_ids_are_strings_even_when_zalo_sends_numbers(oa: OABot) -> None:
    event = text_event("1006", oa.world.codes["X2"])
    event["sender"]["id"] = 1006  # a number, as a careless client might send
    cadre = Cadre(oa, "1006")
    said = "\n".join(s.text for s in await cadre.send(event))
    assert "Xã Hai" in said


async def test_health_tells_token_and_last_event(oa: OABot) -> None:
    adapter = oa.runtime.channels["zalo_oa"]
    assert adapter.health is not None
    before = await adapter.health()
    assert before["token_valid"] is True and before["last_event_at"] is None
    await Cadre(oa, "1007").says(oa.world.codes["X1"])
    after = await adapter.health()
    assert after["last_event_at"] is not None


async def test_the_webhook_route_is_served_by_the_app(oa: OABot) -> None:
    assert isinstance(oa.http, httpx.AsyncClient)
    response = await oa.http.get("/zalo/oa/webhook")
    assert response.status_code == 405
