"""Issue 7, item 16: one register — administrative, courteous, short — in what the cadre reads most."""

from __future__ import annotations

from pathlib import Path

from tests.dialogs.conftest import Cadre

LOCALES = Path(__file__).resolve().parents[2] / "locales"
OUTLINES = Path(__file__).resolve().parents[2] / "dialogs" / "outlines"


def test_a_saved_narrative_says_saved_not_how_many_characters(cadre: Cadre) -> None:
    cadre.send("/baocao")
    answer = "Đảng ủy đã ban hành kế hoạch tuyên truyền Chỉ thị 30-CT/TW tới 9 chi bộ xã."
    assert len(answer) == 75
    reply = cadre.send(answer)
    assert "✅ Đã lưu nội dung câu 1." in reply
    assert "(75 ký tự)" not in reply and "ký tự" not in reply


def test_the_next_message_will_replace_without_shouting(cadre: Cadre) -> None:
    cadre.answer_all("/baocao", "Bản đầu.", "tiếp")
    shown = cadre.send("sửa 1")
    assert "Tin nhắn tiếp theo sẽ thay thế câu trả lời đó" in shown
    assert "THAY THẾ" not in shown
    assert "✅ Đã thay nội dung câu 1." in cadre.send("Bản viết lại.")


def test_all_answered_asks_for_a_review_of_the_whole_before_submitting(cadre: Cadre) -> None:
    cadre.answer_all(
        "/baocao", "A.", "tiếp", "1", "không", "1", "0", "1", "50", "bỏ qua", "B.", "tiếp", "1/6/2018"
    )
    last = cadre.send("bỏ qua")
    assert "Đề nghị xem lại toàn bộ trước khi nộp." in last
    assert "🎉" not in last and "Mời xem lại" not in last


def test_khoa_is_spelt_one_way_throughout() -> None:
    # "khóa" (the common modern placement of the tone mark) everywhere the bot speaks.
    texts = [*LOCALES.glob("*/LC_MESSAGES/*.po"), *OUTLINES.glob("*.yaml")]
    assert texts
    for path in texts:
        text = path.read_text(encoding="utf-8")
        assert "khoá" not in text.lower(), path
    assert "khóa bí mật webhook" in (LOCALES / "vi" / "LC_MESSAGES" / "telegram.po").read_text("utf-8")
