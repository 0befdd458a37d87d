"""A commune cadre on a cheap phone, on the real ct30-20nam outline: short replies, no surprises."""

from __future__ import annotations

import pytest

from dialogs.builtin import get_outline
from dialogs.events import Answer, SubmissionView
from tests.dialogs.conftest import Cadre, render


@pytest.fixture
def cadre() -> Cadre:
    return Cadre(get_outline("ct30-20nam", 1))  # the stories below were written on version 1


def test_typing_the_see_this_answer_option_shows_that_answer_not_the_whole_report(cadre: Cadre) -> None:
    cadre.answer_all("/baocao", "Đảng ủy xã quán triệt Chỉ thị cho toàn thể đảng viên.")
    see = cadre.button("Xem lại câu này")
    assert render(see.command) == "xem câu 1.1"  # what Zalo Bot (no buttons) tells her to type
    assert render(see.command, "en") == "view 1.1"  # and an English member, in English

    for typed in ("xem câu 1.1", "xem câu 1", "xem cau 1", "/xem 1", "view 1"):
        reply = cadre.send(typed)
        assert "Đảng ủy xã quán triệt Chỉ thị cho toàn thể đảng viên." in reply
        assert "📋" not in reply and "Mục 2." not in reply  # not the review of all 35 questions
        assert "gửi tiếp để viết thêm" in reply  # and she knows her next message still adds to it
        assert cadre.effects == ()

    cadre.send("Các chi bộ sinh hoạt chuyên đề.")
    assert cadre.value("tt_tuyen_truyen") == (
        "Đảng ủy xã quán triệt Chỉ thị cho toàn thể đảng viên.\n\nCác chi bộ sinh hoạt chuyên đề."
    )


def test_she_can_name_a_question_by_the_plan_s_own_numbering(cadre: Cadre) -> None:
    cadre.answer_all("/baocao", "Quán triệt Chỉ thị.")
    shown = cadre.send("sửa 1.2")
    assert "Mục 1/5 · Câu 1.2 (4/35)" in shown and "1.2. Việc ban hành văn bản" in shown
    assert cadre.value("tt_tuyen_truyen") == "Quán triệt Chỉ thị."  # "sửa 1.2" is not an answer

    reply = cadre.send("sửa 9.9")
    assert "Không có câu 9.9 trong đề cương" in reply and cadre.effects == ()
    assert "Câu 1.2 (4/35)" in cadre.send("tiếp tục")


def test_a_quick_yes_after_a_refused_submit_is_not_written_into_the_answer(cadre: Cadre) -> None:
    cadre.answer_all("/baocao", "Quán triệt Chỉ thị.")
    refused = cadre.send("nộp")
    assert "Chưa nộp được: còn 19 câu bắt buộc chưa trả lời" in refused
    assert "… và 14 câu khác" in refused  # five listed: a phone screen, not a scroll
    assert refused.count("• ") == 5

    reply = cadre.send("có")  # typed straight after "nộp", before the reply arrived
    assert "chưa được lưu vào câu 1.1" in reply and cadre.effects == ()
    assert cadre.value("tt_tuyen_truyen") == "Quán triệt Chỉ thị."

    cadre.send("tiếp tục")
    cadre.send("Các chi bộ sinh hoạt chuyên đề.")  # writing again, as before
    assert cadre.value("tt_tuyen_truyen") == "Quán triệt Chỉ thị.\n\nCác chi bộ sinh hoạt chuyên đề."


def test_a_wrong_number_is_asked_again_briefly(cadre: Cadre) -> None:
    cadre.answer_all("/baocao", "Quán triệt Chỉ thị.", "tiếp")
    reply = cadre.send("-3")
    assert reply.startswith("Số không được là số âm (anh/chị gửi -3).")
    assert "Mục 1/5 · Câu 2/35\nSố hội nghị, buổi tuyên truyền" in reply  # the question again
    assert "Đơn vị tính: hội nghị, buổi." in reply  # what is expected
    assert "Số phải từ" not in reply  # the limits only when an answer breaks them
    assert "Trả lời bằng một số nguyên" not in reply  # not the whole prompt a second time
    assert reply.count("\n\n") <= 3


def test_when_a_question_does_not_apply_the_totals_do_not_count_it(cadre: Cadre) -> None:
    answers = {
        item.id: Answer(value="Có.")
        for s in cadre.outline.sections
        for item in s.questions
        if item.type == "text"
    }
    counts = {q.id: Answer(value=3) for s in cadre.outline.sections for q in s.questions if q.is_numeric}
    cadre.answers = {**answers, **counts, "don_nhan": Answer(value=0)}
    del cadre.answers["don_da_giai_quyet"]  # of no letters, none to settle: it does not apply
    reply = cadre.send("nộp")
    assert "Đã trả lời 34/34 câu." in reply


def test_a_correction_after_submitting_says_how_to_finish_without_fanfare(cadre: Cadre) -> None:
    cadre.answers = {
        q.id: Answer(value="Có." if q.type == "text" else 3)
        for s in cadre.outline.sections
        for q in s.questions
        if q.is_answerable
    }
    cadre.submission = SubmissionView(
        id=3, status="submitted", version=1, submitted_version=1, unit_name="Xã Hải Ba"
    )
    cadre.send("sửa 2")
    reply = cadre.send("12")
    assert "✏️ Đã mở bản sửa lần 2" in reply and "Đề nghị xem lại toàn bộ" not in reply
    assert "Báo cáo lần 2 đã đủ các câu bắt buộc" in reply and "gõ “nộp” để nộp lại" in reply
    assert "Nộp báo cáo lần 2" in cadre.send("nộp")
    assert "Lần nộp: 2" in cadre.submit()  # version 1's details were not kept here: asked anew


def test_english_command_words_work_for_a_member_who_reads_english(cadre: Cadre) -> None:
    cadre.answer_all("/baocao", "Dissemination meetings.")
    assert "Mục 1/5 · Câu 2/35" in cadre.send("next")
    assert "Mục 1/5 · Câu 1.1 (1/35)" in cadre.send("back")
    assert "Câu 1.2 (4/35)" in cadre.send("edit 4")
    assert "📋" in cadre.send("review")
    english = render(cadre.turn.replies[-1].body[-1], "en")  # type: ignore[union-attr]
    assert "“review section 2”" in english
    assert "📂 Mục 2." in cadre.send("review section 2")


def test_a_quick_no_after_pausing_at_a_number_is_not_taken_as_zero(cadre: Cadre) -> None:
    cadre.answer_all("/baocao", "Quán triệt Chỉ thị.", "tiếp", "tạm dừng")
    reply = cadre.send("không")
    assert "chưa được lưu vào câu 2" in reply and cadre.effects == ()
    cadre.send("tiếp tục")
    assert "✅ Đã lưu câu 2: 0 hội nghị, buổi" in cadre.send("không")  # asked, "không" is zero


def test_what_is_saved_is_named_by_the_plan_s_number_too(cadre: Cadre) -> None:
    cadre.send("/baocao")
    assert "✅ Đã lưu nội dung câu 1.1" in cadre.send("Quán triệt Chỉ thị.")
    cadre.send("tiếp")
    assert "✅ Đã lưu câu 2: 4 hội nghị, buổi" in cadre.send("4")  # no plan number: its place
