"""The report as a document (issue 7, items 8, 10 and the submit texts of 16): the deadline of the
member's level wherever it matters, and, at submission, the details that let the level above file it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from dialogs.events import Attachment, DocumentDetails, Incoming, Submit
from tests.dialogs.conftest import DOCUMENT, Cadre

ALL_ANSWERS = (
    "/baocao",
    "Tuyên truyền sâu rộng.",
    "tiếp",
    "12",
    "không",
    "1",
    "3",
    "1,2",
    "80",
    "bỏ qua",
    "Còn hình thức.",
    "tiếp",
    "28/6/2018",
    "bỏ qua",
)
JUNE_25 = datetime(2018, 6, 25, 2, 5, tzinfo=UTC)  # 09:05 on 25/6 in Hà Nội
DEADLINE = date(2018, 6, 30)


def finished(cadre: Cadre) -> Cadre:
    cadre.answer_all(*ALL_ANSWERS)
    assert cadre.state.question_id is None
    return cadre


def submitted(cadre: Cadre) -> Cadre:
    finished(cadre)
    cadre.send("nộp")
    cadre.submit()
    assert cadre.submission.status == "submitted"
    return cadre


def submits(cadre: Cadre) -> list[Submit]:
    return [e for e in cadre.effects if isinstance(e, Submit)]


def details_step(cadre: Cadre, step: str) -> Cadre:
    """Finished, "nộp" confirmed, and the details typed up to `step`."""
    finished(cadre)
    cadre.answer_all("nộp", "có")
    for name, text in zip(
        ("number", "signed_on", "signer_title", "signer_name", "drafter_name", "drafter_phone"),
        DOCUMENT,
        strict=True,
    ):
        if name == step:
            break
        cadre.send(text)
    assert cadre.state.mode == "document" and cadre.state.step == step
    return cadre


# --- 8. the deadline ----------------------------------------------------------------------------


def test_the_welcome_and_the_first_question_show_the_deadline_with_the_days_left() -> None:
    cadre = Cadre(now=JUNE_25, deadline=DEADLINE)
    reply = cadre.send("/baocao")
    assert "Hạn nộp: 30/06/2018 (còn 5 ngày)" in reply
    assert reply.index("Báo cáo gồm") < reply.index("Hạn nộp") < reply.index("Câu 1/12")


def test_resuming_shows_the_deadline_too() -> None:
    cadre = Cadre(now=JUNE_25, deadline=DEADLINE)
    cadre.answer_all("/baocao", "Tuyên truyền sâu rộng.", "tiếp", "tạm dừng")
    assert "Hạn nộp: 30/06/2018 (còn 5 ngày)" in cadre.send("/baocao")


@pytest.mark.parametrize(
    ("now", "said"),
    [
        (datetime(2018, 6, 30, 1, 0, tzinfo=UTC), "Hạn nộp: 30/06/2018 (hôm nay)"),
        (datetime(2018, 7, 2, 1, 0, tzinfo=UTC), "Hạn nộp: 30/06/2018 (đã quá hạn 2 ngày)"),
        (datetime(2018, 6, 29, 1, 0, tzinfo=UTC), "Hạn nộp: 30/06/2018 (còn 1 ngày)"),
    ],
)
def test_the_deadline_says_today_or_overdue(now: datetime, said: str) -> None:
    assert said in Cadre(now=now, deadline=DEADLINE).send("/baocao")


def test_days_are_counted_in_the_local_date_not_utc() -> None:
    late_evening_utc = datetime(2018, 6, 29, 18, 0, tzinfo=UTC)  # already 01:00 on 30/6 in Hà Nội
    assert "(hôm nay)" in Cadre(now=late_evening_utc, deadline=DEADLINE).send("/baocao")
    in_utc = Cadre(now=late_evening_utc, deadline=DEADLINE, zone=ZoneInfo("UTC"))
    assert "(còn 1 ngày)" in in_utc.send("/baocao")  # Settings.timezone decides


def test_without_a_deadline_none_is_shown(cadre: Cadre) -> None:
    assert "Hạn nộp" not in cadre.send("/baocao")


def test_the_confirmation_and_the_receipt_show_the_deadline_and_say_what_really_happens() -> None:
    cadre = finished(Cadre(now=JUNE_25, deadline=DEADLINE))
    asked = cadre.send("nộp")
    assert "Hạn nộp: 30/06/2018 (còn 5 ngày)" in asked
    assert "cấp trên sẽ nhận được báo cáo" not in asked  # no promise the bot does not keep
    assert "lần 1 được ghi nhận là bản đã nộp của đơn vị, kèm thời gian nộp" in asked
    assert "Bot không nhắn tin riêng cho cấp trên." in asked
    receipt = cadre.submit()
    assert "✅ Đã nộp báo cáo." in receipt and "Hạn nộp: 30/06/2018 (còn 5 ngày)" in receipt


# --- 10. the document's details ------------------------------------------------------------------


def test_after_yes_each_detail_is_asked_and_nothing_is_stored_before_the_last(cadre: Cadre) -> None:
    finished(cadre)
    cadre.send("nộp")
    asked = cadre.send("có")
    assert "(1/7) Số, ký hiệu văn bản, ghi như trên văn bản, ví dụ: 12-BC/ĐU" in asked
    assert "(2/7) Ngày ký văn bản" in cadre.send("12-BC/ĐU")
    assert "Ngày ký: 18/06/2018." in cadre.send("18/6/2018")
    assert "(3/7) Thẩm quyền và chức vụ người ký" in cadre.text
    assert "(4/7) Họ và tên người ký" in cadre.send("T/M Đảng ủy, Bí thư")
    assert "(5/7) Họ và tên người soạn thảo" in cadre.send("Nguyễn Văn An")
    assert "(6/7) Số điện thoại" in cadre.send("Lê Thị Bình")
    assert "(7/7) Nếu có, anh/chị gửi ảnh chụp hoặc tệp PDF" in cadre.send("0912 345 678")
    assert "[Nộp không kèm ảnh]" in cadre.text
    assert cadre.submission.status == "draft"
    assert not any(isinstance(effect, Submit) for turn in cadre.history for effect in turn.effects)
    receipt = cadre.press("Nộp không kèm ảnh")
    (submit,) = submits(cadre)
    assert submit.document == DocumentDetails(
        "12-BC/ĐU", date(2018, 6, 18), "T/M Đảng ủy, Bí thư", "Nguyễn Văn An", "Lê Thị Bình", "0912345678"
    )
    assert "Văn bản: số 12-BC/ĐU, ngày 18/06/2018" in receipt
    code = receipt.split("Mã biên nhận: ")[1].split("\n")[0]
    assert code.startswith("BN-") and "/" not in code  # a receipt, not a số văn bản


def test_the_number_is_taken_as_written_on_the_paper(cadre: Cadre) -> None:
    details_step(cadre, "number")
    cadre.send("Số: 12-BC/ĐU")
    assert cadre.state.details == (("number", "12-BC/ĐU"),)


@pytest.mark.parametrize("typed", ["12", "báo cáo tổng kết", "BC-12", "12-BC"])
def test_a_number_that_is_not_a_document_number_is_refused(cadre: Cadre, typed: str) -> None:
    details_step(cadre, "number")
    reply = cadre.send(typed)
    assert (
        f"“{typed}” chưa đúng dạng số, ký hiệu văn bản; xin gõ lại như trên văn bản, ví dụ: 12-BC/ĐU."
        in reply
    )
    assert cadre.state.step == "number" and cadre.state.details == () and cadre.effects == ()


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("hôm qua", "“hôm qua” không phải là một ngày; xin gõ ngày/tháng/năm, ví dụ: 25/6/2018."),
        ("31/2/2018", "Không có ngày “31/2/2018”; xin kiểm tra lại ngày và tháng."),
        ("25/7/2018", "Ngày “25/7/2018” ở sau hôm nay; xin gõ ngày đã ký trên văn bản."),
    ],
)
def test_a_date_must_be_a_date_and_not_after_today(cadre: Cadre, typed: str, said: str) -> None:
    details_step(cadre, "signed_on")
    assert said in cadre.send(typed)
    assert cadre.state.step == "signed_on" and len(cadre.state.details) == 1


def test_today_is_a_date(cadre: Cadre) -> None:
    details_step(cadre, "signed_on")
    cadre.send("hôm nay")
    assert cadre.state.details[-1] == ("signed_on", "2018-06-20")


@pytest.mark.parametrize("typed", ["An", "0912345678", "Bí thư 2"])
def test_a_name_must_be_a_full_name(cadre: Cadre, typed: str) -> None:
    details_step(cadre, "signer_name")
    assert f"“{typed}” chưa phải là họ và tên" in cadre.send(typed)
    assert cadre.state.step == "signer_name"


@pytest.mark.parametrize("typed", ["12345", "0912 345", "Lê Thị Bình", "09123456789012"])
def test_a_phone_must_be_a_phone(cadre: Cadre, typed: str) -> None:
    details_step(cadre, "drafter_phone")
    reply = cadre.send(typed)
    assert f"“{typed}” không phải là số điện thoại; xin gõ 10 chữ số, ví dụ: 0912 345 678." in reply
    assert cadre.state.step == "drafter_phone"


@pytest.mark.parametrize("typed", ["+84 912 345 678", "0912.345.678", "0233 3851 111"])
def test_phones_as_people_write_them(cadre: Cadre, typed: str) -> None:
    details_step(cadre, "drafter_phone")
    cadre.send(typed)
    assert cadre.state.details[-1][0] == "drafter_phone"
    assert cadre.state.details[-1][1] in ("0912345678", "02333851111")


def test_a_photo_of_the_signed_paper_is_kept_and_shown_on_the_receipt(cadre: Cadre) -> None:
    details_step(cadre, "drafter_phone")
    cadre.send("0912 345 678")
    receipt = cadre.attach("anh-ban-ky")
    (submit,) = submits(cadre)
    assert submit.document is not None and submit.document.attachment == Attachment("photo", "anh-ban-ky")
    assert "Bản đã ký, đóng dấu: đã gửi ảnh" in receipt


def test_a_pdf_is_taken_and_a_word_file_is_not(cadre: Cadre) -> None:
    details_step(cadre, "drafter_phone")
    cadre.send("0912 345 678")
    reply = cadre._step(Incoming(attachment=Attachment("document", "f1", "bao-cao.docx", 1000)))
    assert "Chỉ nhận ảnh hoặc tệp PDF của bản đã ký, đóng dấu" in reply and cadre.effects == ()
    receipt = cadre._step(Incoming(attachment=Attachment("document", "f2", "bao-cao.pdf", 1000)))
    assert "Bản đã ký, đóng dấu: đã gửi tệp bao-cao.pdf" in receipt and submits(cadre)


def test_a_file_sent_before_the_last_step_is_not_kept(cadre: Cadre) -> None:
    details_step(cadre, "number")
    reply = cadre.attach("som")
    assert "Ảnh, tệp bản đã ký được nhận ở bước cuối" in reply
    assert cadre.state.step == "number" and cadre.effects == ()


def test_not_yet_during_the_details_submits_nothing(cadre: Cadre) -> None:
    details_step(cadre, "signer_title")
    reply = cadre.send("chưa")
    assert "Chưa nộp." in reply and cadre.effects == ()
    assert cadre.state.mode == "idle" and cadre.state.details == ()
    assert cadre.submission.status == "draft"


def test_a_command_during_the_details_leaves_them(cadre: Cadre) -> None:
    details_step(cadre, "signer_name")
    reply = cadre.send("tạm dừng")
    assert "Chưa nộp; thông tin văn bản vừa nhập chưa được lưu." in reply
    assert cadre.state.mode != "document" and cadre.effects == ()


def test_a_second_press_of_the_confirmation_does_not_skip_a_detail(cadre: Cadre) -> None:
    finished(cadre)
    cadre.send("nộp")
    confirm = cadre.button("Nộp")
    cadre.click(confirm)
    reply = cadre.click(confirm)  # a double tap
    assert "(1/7) Số, ký hiệu văn bản" in reply and cadre.effects == ()


def test_resubmitting_offers_the_previous_details_to_keep_or_to_enter_again(cadre: Cadre) -> None:
    submitted(cadre)
    cadre.answer_all("sửa 2", "14")
    cadre.send("nộp")
    offered = cadre.send("có")
    assert "Lần 1 đã nộp với thông tin văn bản sau:" in offered
    assert "Văn bản: số 12-BC/ĐU, ngày 18/06/2018" in offered
    assert "[Giữ nguyên] [Nhập lại]" in offered
    assert "(1/7) Số, ký hiệu văn bản" in cadre.send("không")  # enter them again
    cadre.answer_all("15-BC/ĐU", *DOCUMENT[1:])
    receipt = cadre.send("bỏ qua")
    (submit,) = submits(cadre)
    assert submit.document is not None and submit.document.number == "15-BC/ĐU"
    assert "Lần nộp: 2" in receipt and "số 15-BC/ĐU" in receipt


def test_english_words_work_through_the_details() -> None:
    cadre = finished(Cadre())
    cadre.answer_all("submit", "yes", *DOCUMENT, "skip")
    assert submits(cadre) and cadre.submission.status == "submitted"
