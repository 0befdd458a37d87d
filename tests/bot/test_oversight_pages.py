"""The supervisor's pages, rendered from hand-made views: each fits one message of every channel."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.channels.base import Capabilities
from bot.channels.telegram import CAPABILITIES as TELEGRAM
from bot.oversight import pages
from bot.oversight.actions import Act, Pressed, action, parse
from bot.oversight.state import OversightState, Reading
from bot.render import render
from dialogs.events import Answer
from dialogs.text import utf16_len
from storage.oversight import (
    Change,
    Contact,
    Counts,
    MissingGroup,
    MissingPage,
    MissingUnit,
    ProgressReport,
    ReviewView,
    SectionCount,
)
from storage.units import UnitView
from tests.bot.oversight_world import SMALL

ZALO = Capabilities(buttons=False, files=True, edits=False, max_length=2000)
TODAY = date(2026, 6, 20)
NOW = datetime(2026, 6, 20, 3, 0, tzinfo=UTC)
LONG = "Đảng ủy xã Quảng Phú Cầu, huyện Ứng Hòa, thành phố Hà Nội — Đảng bộ cơ sở kiểu mẫu " * 3
UNDER = UnitView(7, "HUYEN-UNG-HOA-2025", LONG, "huyen", 1, "/1/7/", 1)


def worst_unit(n: int) -> MissingUnit:
    return MissingUnit(
        unit_id=100 + n,
        code=f"XA-QUANG-PHU-CAU-{n:04d}",
        name=LONG,
        parent_code=UNDER.code,
        level="xa",
        status="returned",
        answered=1234,
        required=5678,
        overdue=True,
        due_on=date(2026, 6, 1),
        last_activity=NOW - timedelta(days=12),
        contacts=tuple(
            Contact("Nguyễn Thị Phương Thảo Hoàng Minh Châu " * 2, "reporter", "zalo_oa") for _ in range(5)
        ),
        returned_comment="Đề nghị bổ sung số liệu về hội nghị, kiến nghị và đơn thư " * 10,
    )


@pytest.mark.parametrize(("channel", "capabilities"), [("zalo_oa", ZALO), ("telegram", TELEGRAM)])
def test_a_full_missing_page_with_long_names_fits_one_message(
    channel: str, capabilities: Capabilities
) -> None:
    page = MissingPage(
        under=UNDER,
        rows=tuple(worst_unit(n) for n in range(pages.missing_page_size(channel))),
        total_missing=123_456,
        page=4,
        pages=20_576,
    )
    reply = pages.missing_reply(page, LONG, TODAY, None, top_unit_id=1, asked_page=9)
    messages = render(reply, "vi", capabilities)
    assert len(messages) == 1, [utf16_len(m.text) for m in messages]
    text = messages[0].text
    assert "quá hạn (01/06/2026)" in text and "12 ngày trước" in text and "và 3 người khác" in text
    assert "không còn trang 10; dưới đây là trang 5" in text
    for row in messages[0].buttons:
        for button in row:
            assert len(button.action.encode()) <= 64


def test_groups_units_and_what_to_type_without_buttons() -> None:
    group = MissingGroup(8, "H1", "Huyện Một", missing=3, total=10, overdue=2)
    unit = MissingUnit(
        9, "X9", "Xã Chín", "H", "xa", "not_started", 0, 12, False, date(2026, 6, 30), None, (), None
    )
    page = MissingPage(UnitView(5, "H", "Huyện", "huyen", 1, "/1/5/", 1), (group, unit), 4, 0, 2)
    reply = pages.missing_reply(page, "Đợt 1", TODAY, None, top_unit_id=1)
    typed = render(reply, "vi", ZALO)[0].text
    assert "▸ Huyện Một (H1): 3/10 đơn vị chưa nộp, 2 quá hạn" in typed
    assert "• Xã Chín (X9) — chưa bắt đầu, đã trả lời 0/12; hạn 30/06/2026" in typed
    assert "chưa có hoạt động nào; liên hệ: chưa có ai tham gia" in typed
    assert "▸ Gõ “/chuanop H1”\n" in typed and "▸ Gõ “/donvi X9”\n" in typed
    assert "▸ Gõ “/chuanop H 2”: Trang sau ▶" in typed
    assert "Gõ mã" in typed  # the typed variant of the hint
    buttons = [b.action for row in reply.buttons for b in row]
    assert buttons == ["ov:m:8:0", "ov:r:9:0", "ov:m:5:1", "ov:m:1:0"]  # drill, open, next, up


def test_activity_is_counted_in_local_days() -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    late_yesterday_utc = datetime(2026, 6, 19, 18, 0, tzinfo=UTC)  # 01:00 on the 20th in Hà Nội
    assert pages.activity(late_yesterday_utc, TODAY, zone).id == "oversight.activity.today"
    assert pages.activity(late_yesterday_utc, TODAY, UTC).id == "oversight.activity.yesterday"
    assert pages.activity(NOW - timedelta(days=3), TODAY, zone).params == {"days": 3}


def test_progress_with_many_children_is_paged() -> None:
    child = Counts(3, "X", "Xã", 1, 0, 1, 0, 0, 0)
    report = ProgressReport(
        Counts(1, "H", "Huyện", 25, 5, 10, 6, 4, 2),
        1,
        tuple(Counts(10 + i, f"X{i}", f"Xã {i}", 1, 0, 1, 0, 0, 0) for i in range(25)) + (child,),
        (SectionCount("chung", SMALL.sections[0].title, 5), SectionCount("kien_nghi", "Kiến nghị", 0)),
    )
    first = pages.progress_reply(report, "Huyện", "Đợt 1", SMALL)
    text = render(first, "vi", ZALO)[0].text
    assert "Đã nộp 5/25 · đang làm 10 · chưa bắt đầu 6 · bị trả lại 4 · quá hạn 2" in text
    assert "Xã 9 (X9)" in text and "Xã 10 (X10)" not in text
    assert "• Mục 1. Đánh giá chung: 5/25 (20%)" in text and "• Mục 2. Kiến nghị: 0/25 (0%)" in text
    assert "/tiendo H 2" in text
    last = pages.progress_reply(report, "Huyện", "Đợt 1", SMALL, page=99)  # clamped
    assert "Xã 24 (X24)" in render(last, "vi", ZALO)[0].text


def test_review_shows_changes_and_unknown_figures() -> None:
    unit = UnitView(4, "X1", "Xã Một", "xa", 2, "/1/2/4/", 2)
    view = ReviewView(
        submission_id=1, unit=unit, campaign_id=1, status="submitted", version=2, submitted_version=2,
        submitted_at=NOW, submitted_by="Chị Lan", reviewed_by=None, reviewed_at=None, returned_comment=None,
        answers={"danh_gia": Answer("Tốt."), "so_hoi_nghi": Answer({"unknown": True})}, document=None,
    )  # fmt: skip
    changes = [
        Change("so_hoi_nghi", Answer(12), Answer({"unknown": True})),
        Change("kien_nghi", None, Answer("Có")),
    ]
    reply = pages.review_reply(view, SMALL, "Đợt 1", 0, read_version=1, changes=changes)
    text = render(reply, "vi", TELEGRAM)[0].text
    assert "Nộp lúc 10:00 20/06/2026, người nộp: Chị Lan." in text
    assert "Câu 2: 12 → chưa có số liệu" in text and "Câu 3: (trống) → Có" in text
    assert "→ chưa có số liệu" in text
    assert [b.action for row in reply.buttons for b in row] == ["ov:r:4:1", "ov:a:4:2", "ov:t:4:2"]
    typed = render(reply, "vi", ZALO)[0].text
    assert "/duyet X1" in typed and "/tralai X1" in typed and "/donvi X1 2" in typed


def test_actions_round_trip_and_reject_forgeries() -> None:
    assert parse(action(Act.MISSING, 12, 3)) == Pressed(Act.MISSING, 12, 3)
    assert parse(action(Act.SWITCH, 5)) == Pressed(Act.SWITCH, 5, 0)
    assert parse(action(Act.CANCEL)) == Pressed(Act.CANCEL)
    for forged in (
        "ov:",
        "ov:q:1",
        "ov:m",
        "ov:m:a",
        "ov:m:1:2:3",
        "ov:m:-1:0",
        "ov:n:1",
        "ov:m:99999999999999999999:0",
    ):
        assert parse(forged) is None, forged
    assert len(action(Act.REMOVE_YES, 2**31, 2**31).encode()) <= 64


def test_state_survives_json_and_garbage() -> None:
    state = OversightState(Reading(4, 2), awaiting_reason=True)
    assert OversightState.from_json(state.to_json()) == state
    assert OversightState.from_json('{"reading": 5}') == OversightState()
    assert OversightState.from_json("not json") == OversightState()
    assert OversightState().to_json() is None


def test_a_long_section_is_read_over_pages_that_each_fit_one_message(monkeypatch: pytest.MonkeyPatch) -> None:
    unit = UnitView(4, "X1", "Xã Một", "xa", 2, "/1/2/4/", 2)
    long_answer = "Đảng ủy xã đã lãnh đạo, chỉ đạo thực hiện quy chế dân chủ ở cơ sở. " * 60  # ~4,000
    view = ReviewView(
        submission_id=1, unit=unit, campaign_id=1, status="submitted", version=1, submitted_version=1,
        submitted_at=NOW, submitted_by="Chị Lan", reviewed_by=None, reviewed_at=None, returned_comment=None,
        answers={"danh_gia": Answer(long_answer), "so_hoi_nghi": Answer(12),
                 "kien_nghi": Answer(long_answer)},
        document=None,
    )  # fmt: skip
    parts = pages.review_parts(view, SMALL, "vi")
    assert [section for section, _ in parts] == [0, 1]  # a very long answer is cut: one page a section
    for page in range(len(parts)):
        reply = pages.review_reply(view, SMALL, "Đợt 1", page)
        messages = render(reply, "vi", ZALO)
        assert len(messages) == 1, (page, [utf16_len(m.text) for m in messages])
    first = render(pages.review_reply(view, SMALL, "Đợt 1", 0), "vi", ZALO)[0].text
    assert "cả câu trả lời dài 4.020 ký tự" in first and "Trang 1/2 của báo cáo (mục 1/2)" in first
    assert "/donvi X1 2" in first
    # Answers that are long together go over several pages of their section.
    monkeypatch.setattr(pages, "REVIEW_PAGE_CHARS", 600)
    assert [section for section, _ in pages.review_parts(view, SMALL, "vi")] == [0, 0, 1]
    second = render(pages.review_reply(view, SMALL, "Đợt 1", 1), "vi", ZALO)[0].text
    assert "Trang 2/3 của báo cáo (mục 1/2)" in second and "→ 12" in second and "Chị Lan" not in second
