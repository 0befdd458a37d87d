"""What a supervisor reads of a reminder that could not be delivered, for each kind of person."""

from __future__ import annotations

from bot.i18n import translate
from bot.reminders.messages import undelivered_line
from storage.reminders import Undelivered


def test_a_member_who_blocked_the_bot_is_named_with_the_reason() -> None:
    line = translate(
        undelivered_line([Undelivered("Nguyễn Văn A", "telegram", "Forbidden: bot was blocked")]), "vi"
    )
    assert line == "⚠ Không gửi được nhắc nhở: Nguyễn Văn A (đã chặn bot)"


def test_a_member_who_gave_no_name_is_said_by_channel_not_as_a_question_mark() -> None:
    found = [Undelivered("", "zalo_oa", "user has not interacted with the OA in the last 48 hours")]
    line = translate(undelivered_line(found), "vi")
    assert (
        line == "⚠ Không gửi được nhắc nhở: một cán bộ chưa có tên trên Zalo (quá 48 giờ chưa nhắn cho bot)"
    )
    assert "?" not in line
