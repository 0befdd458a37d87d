"""Submitting with a receipt, and journey 3, "Revise": corrections after submitting, returned reports."""

from __future__ import annotations

import re
from datetime import date

from dialogs.events import DocumentDetails, Reopen, SaveAnswer, Submit
from dialogs.submitting import receipt_code
from tests.dialogs.conftest import DOCUMENT, Cadre, at

SIGNED = DocumentDetails(
    number="12-BC/ĐU",
    signed_on=date(2018, 6, 18),
    signer_title="T/M Đảng ủy, Bí thư",
    signer_name="Nguyễn Văn An",
    drafter_name="Lê Thị Bình",
    drafter_phone="0912345678",
)

ALL_ANSWERS = ("/baocao", "Tuyên truyền sâu rộng.", "tiếp", "12", "không", "1", "3", "1,2", "80", "bỏ qua",
               "Còn hình thức.", "tiếp", "28/6/2018", "bỏ qua")


def finished(cadre: Cadre) -> Cadre:
    cadre.answer_all(*ALL_ANSWERS)
    assert cadre.state.question_id is None
    return cadre


def test_submit_asks_for_confirmation_and_returns_a_receipt(cadre: Cadre) -> None:
    finished(cadre)
    asked = cadre.send("nộp")
    assert "Nộp báo cáo lần 1 của Xã Hải Ba? Đã trả lời 11/11 câu." in asked
    assert "[✅ Nộp] [Chưa]" in asked
    assert cadre.effects == () and cadre.state.mode == "confirm_submit"

    asked = cadre.press("Nộp")
    assert cadre.effects == () and cadre.state.mode == "document"
    assert "(1/7) Số, ký hiệu văn bản" in asked
    for detail in DOCUMENT:
        assert cadre.send(detail) and cadre.effects == ()  # nothing stored before the last detail
    receipt = cadre.send("bỏ qua")
    assert cadre.effects == (Submit(SIGNED),)
    assert "✅ Đã nộp báo cáo." in receipt
    assert "Đơn vị: Xã Hải Ba" in receipt
    assert "Lần nộp: 1" in receipt
    assert "Thời gian: 09:05 20/06/2018" in receipt  # Asia/Ho_Chi_Minh
    assert f"Mã biên nhận: {receipt_code(7, 1)}" in receipt
    assert "Văn bản: số 12-BC/ĐU, ngày 18/06/2018" in receipt
    assert "Người ký: T/M Đảng ủy, Bí thư — Nguyễn Văn An" in receipt
    assert "Người soạn thảo: Lê Thị Bình, điện thoại 0912345678" in receipt
    assert "Bản đã ký, đóng dấu: chưa gửi" in receipt
    assert "Nếu cần sửa, gõ “sửa” kèm số câu" in receipt
    assert cadre.submission.status == "submitted"


def test_typing_yes_confirms_and_not_yet_does_not(cadre: Cadre) -> None:
    finished(cadre)
    cadre.send("/nop")
    assert "Chưa nộp." in cadre.send("chưa")
    assert cadre.effects == () and cadre.submission.status == "draft"
    cadre.send("/nop")
    assert "Anh/chị có nộp báo cáo không?" in cadre.send("để tôi xem")
    assert cadre.effects == ()
    cadre.send("dong y")
    assert cadre.effects == () and cadre.state.mode == "document"
    cadre.submit(*DOCUMENT, "bỏ qua")
    assert cadre.effects == (Submit(SIGNED),)


def test_submit_lists_missing_required_questions(cadre: Cadre) -> None:
    cadre.answer_all("/baocao", "A.", "tiếp", "3")
    reply = cadre.send("nộp")
    assert "Chưa nộp được" in reply
    assert "• Câu 3: Đơn vị đã kiện toàn Ban Chỉ đạo QCDC chưa?" in reply
    assert "• Câu 9" not in reply  # optional
    assert "[Trả lời câu 3]" in reply
    assert cadre.effects == ()
    assert "Câu 3/12" in cadre.press("Trả lời câu 3")


def test_edit_after_submit_starts_version_2(cadre: Cadre) -> None:
    finished(cadre)
    cadre.send("nộp")
    cadre.submit()

    shown = cadre.send("sửa 2")
    assert "Báo cáo đã nộp lần 1. Nếu sửa, báo cáo sẽ thành lần 2" in shown
    assert cadre.effects == ()

    reply = cadre.send("14")
    assert cadre.effects == (Reopen(), SaveAnswer("so_van_ban", cadre.answers["so_van_ban"]))
    assert "Đã mở bản sửa lần 2 (bản lần 1 đã nộp vẫn được lưu giữ)" in reply
    assert "gõ “nộp” để nộp lại" in reply  # a correction, not a first report:
    assert "Đề nghị xem lại toàn bộ" not in reply
    assert cadre.submission.status == "draft" and cadre.submission.version == 2

    cadre.send("sửa 1")
    cadre.send("Bổ sung sau khi nộp.")
    assert Reopen() not in cadre.effects  # only once

    assert "Nộp báo cáo lần 2" in cadre.send("nộp")
    offered = cadre.send("có")
    assert "Lần 1 đã nộp với thông tin văn bản sau:" in offered and "số 12-BC/ĐU" in offered
    assert cadre.effects == ()
    receipt = cadre.send("có")  # keep them
    assert cadre.effects == (Submit(SIGNED),)
    assert "Lần nộp: 2" in receipt and f"Mã biên nhận: {receipt_code(7, 2)}" in receipt


def test_a_submitted_report_says_so_when_she_comes_back(cadre: Cadre) -> None:
    finished(cadre)
    cadre.send("nộp")
    cadre.submit()
    reply = cadre.send("/baocao")
    assert f"Báo cáo đã được nộp (lần 1, mã biên nhận {receipt_code(7, 1)})." in reply
    assert "Báo cáo đã được nộp" in cadre.send("nộp")
    assert cadre.effects == ()


def test_old_confirm_button_does_not_submit_unconfirmed(cadre: Cadre) -> None:
    finished(cadre)
    cadre.send("nộp")
    old_confirm = cadre.button("Nộp")
    cadre.send("chưa")
    reply = cadre.click(old_confirm)
    assert "Nút xác nhận này đã cũ nên chưa nộp gì." in reply
    assert "Nộp báo cáo lần 1 của Xã Hải Ba?" in reply  # asked again
    assert cadre.effects == ()


def test_returned_report_shows_the_comment_first(cadre: Cadre) -> None:
    finished(cadre)
    cadre.send("nộp")
    cadre.submit()
    cadre.supervisor_returns("Đề nghị bổ sung số liệu đối thoại năm 2017.")
    reply = cadre.send("/baocao")
    assert reply.startswith("↩️ Báo cáo lần 1 đã được cấp trên trả lại để bổ sung, sửa chữa.")
    assert "Ý kiến của cấp trên:\nĐề nghị bổ sung số liệu đối thoại năm 2017." in reply
    cadre.send("sửa 6")
    cadre.send("5")
    assert Reopen() not in cadre.effects  # a returned report is already open for changes
    cadre.send("nộp")
    assert "Giữ nguyên thông tin văn bản này" in cadre.send("có")
    assert "✅ Đã nộp báo cáo." in cadre.press("Giữ nguyên")


def test_a_confirmation_is_left_by_any_command(cadre: Cadre) -> None:
    finished(cadre)
    cadre.send("nộp")
    cadre.send("sửa 2")
    at(cadre, 2)
    assert cadre.state.mode == "answering"
    cadre.send("có")  # now an answer to question 2? No: it is not a number.
    assert cadre.effects == ()


def test_the_receipt_code_is_not_a_document_number() -> None:
    codes = {receipt_code(submission, version) for submission in range(1, 400) for version in range(1, 6)}
    assert len(codes) == 399 * 5  # one per submitted version
    for code in codes:
        assert re.fullmatch(r"BN-[2-9A-Z]{4}-[2-9A-Z]{4}", code), code
        assert "/" not in code and "BC" not in code.split("-")[0]
