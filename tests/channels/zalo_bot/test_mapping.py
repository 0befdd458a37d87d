"""The pure mapping: a Zalo Bot update, flat or wrapped, to our values."""

from __future__ import annotations

import json

import pytest

from bot.channels.zalo_bot import mapping
from tests.channels.zalo_bot.fake_bot import other_update, text_update, wrapped


def test_a_text_message_flat_or_wrapped_is_the_same_inbound() -> None:
    update = text_update("u-42", "báo cáo", message_id="abc123", name="Chị Lan")
    flat = mapping.inbound_from_update(mapping.parse_update(json.dumps(update).encode()))
    inside = mapping.inbound_from_update(mapping.parse_update(json.dumps(wrapped(update)).encode()))
    assert flat == inside
    assert flat is not None
    assert (flat.channel, flat.user_id, flat.chat_id, flat.update_id) == (
        "zalo_bot",
        "u-42",
        "u-42",
        "m:abc123",
    )
    assert flat.incoming.text == "báo cáo" and flat.display_name == "Chị Lan"


def test_numeric_ids_are_read_as_strings() -> None:
    update = text_update("1", "x")
    update["message"]["from"]["id"] = 987654321
    update["message"]["message_id"] = 55
    inbound = mapping.inbound_from_update(mapping.parse_update(update))
    assert inbound is not None and inbound.user_id == "987654321" and inbound.update_id == "m:55"


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b'"text"', b'{"ok": true}', b'{"message": {}}', b"\xff\xfe"]
)
def test_a_body_that_is_not_an_update_is_refused(body: bytes) -> None:
    with pytest.raises(mapping.NotAnUpdate):
        mapping.parse_update(body)


def test_a_photo_is_kept_as_an_attachment_with_its_caption() -> None:
    update = other_update(
        "u1", "message.image.received", photo_url="https://zalo.example/p.jpg", caption="Bản ký"
    )
    inbound = mapping.inbound_from_update(mapping.parse_update(update))
    assert inbound is not None and inbound.incoming.attachment is not None
    assert inbound.incoming.attachment.file_id == "https://zalo.example/p.jpg"
    assert inbound.incoming.text == "Bản ký"


def test_a_sticker_is_answered_not_applied_and_unknown_events_are_ignored() -> None:
    sticker = mapping.parse_update(other_update("u1", "message.sticker.received", sticker="s1"))
    assert mapping.inbound_from_update(sticker) is None
    notice = mapping.notice_for(sticker)
    assert notice is not None and notice.text_id == "zalo_bot.notice.unsupported"
    unknown = mapping.parse_update(other_update("u1", "message.reaction.received"))
    assert mapping.inbound_from_update(unknown) is None and mapping.notice_for(unknown) is None


def test_groups_and_the_bots_own_messages_are_ignored() -> None:
    group = text_update("u1", "ai chưa nộp")
    group["message"]["chat"]["chat_type"] = "GROUP"
    own = text_update("u1", "xin chào")
    own["message"]["from"]["is_bot"] = True
    for update in (group, own):
        parsed = mapping.parse_update(update)
        assert mapping.inbound_from_update(parsed) is None and mapping.notice_for(parsed) is None
