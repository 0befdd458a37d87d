"""The OA's pure mapping: events as Zalo documents them, the signature, freshness, button payloads."""

from __future__ import annotations

import hashlib

from bot.channels.zalo_oa import mapping
from tests.channels.zalo_oa.fake_oa import file_event, follow_event, image_event, text_event


def test_the_signature_is_sha256_of_app_id_body_timestamp_and_secret() -> None:
    body = b'{"event_name":"user_send_text"}'
    expected = hashlib.sha256(b"123" + body + b"1700000000000" + b"key").hexdigest()
    assert mapping.signature("123", body, "1700000000000", "key") == f"mac={expected}"
    assert mapping.signature_ok(f"mac={expected}", "123", body, "1700000000000", "key")
    assert not mapping.signature_ok(f"mac={expected}", "123", body + b" ", "1700000000000", "key")
    assert not mapping.signature_ok(None, "123", body, "1700000000000", "key")
    assert not mapping.signature_ok(f"mac={expected}", "123", body, "1700000000000", "")


def test_freshness_is_counted_in_milliseconds() -> None:
    now = 1_700_000_000_000
    assert mapping.fresh(str(now - 60_000), now)
    assert not mapping.fresh(str(now - 16 * 60_000), now)
    assert not mapping.fresh(str(now + 6 * 60_000), now)
    assert not mapping.fresh("yesterday", now)


def test_text_image_file_follow_and_others() -> None:
    event = mapping.parse_event(text_event("42", "xin chào", msg_id="m1"))
    assert (event.kind, event.user_id, event.event_id, event.text) == ("text", "42", "m1", "xin chào")

    image = mapping.parse_event(image_event("42", url="https://zalo.example/a.jpg"))
    assert image.kind == "image" and image.attachment is not None
    assert image.attachment.kind == "photo" and image.attachment.file_id == "https://zalo.example/a.jpg"

    pdf = mapping.parse_event(file_event("42", name="bc.pdf", size=1234, url="https://zalo.example/bc.pdf"))
    assert pdf.attachment is not None
    assert (pdf.attachment.kind, pdf.attachment.name, pdf.attachment.size) == ("document", "bc.pdf", 1234)
    inbound = mapping.inbound(pdf)
    assert inbound is not None and inbound.incoming.attachment == pdf.attachment

    follow = mapping.parse_event(follow_event("43"))
    assert follow.kind == "follow" and follow.user_id == "43" and follow.event_id.startswith("follow:43:")
    assert mapping.inbound(follow) is None

    for raw in (
        {"event_name": "oa_send_text"},
        {"event_name": "x"},
        [],
        "text",
        {"event_name": "user_send_text"},
    ):
        assert mapping.parse_event(raw).kind == "ignored"


def test_a_pressed_button_becomes_its_action_and_typed_text_stays_text() -> None:
    payload = mapping.button_payload("✅ Nộp", "sub")
    event = mapping.parse_event(text_event("42", payload))
    inbound = mapping.inbound(event)
    assert inbound is not None and inbound.incoming.action == "sub" and inbound.incoming.text == ""
    typed = mapping.inbound(mapping.parse_event(text_event("42", "sub")))
    assert typed is not None and typed.incoming.action is None and typed.incoming.text == "sub"


def test_error_codes() -> None:
    assert isinstance(mapping.delivery_error(-216, "x"), mapping.TokenRejected)
    window = mapping.delivery_error(-213, "x")
    assert not isinstance(window, mapping.TokenRejected) and window.permanent
    rate = mapping.delivery_error(-32, "x")
    assert not isinstance(rate, mapping.TokenRejected) and rate.retry_after
