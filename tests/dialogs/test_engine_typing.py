"""Typing on a phone (issue 7, items 4–7): near-commands, "dung", the plan's numbering, the review."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.builtin import get_outline
from dialogs.commands import _COMMAND_WORDS, Command, near_command, recognise
from dialogs.events import SaveAnswer, Submit
from dialogs.text import clean
from tests.dialogs.conftest import DOCUMENT_SKIP_FILE, Cadre, at

WRITTEN = "Đảng ủy xã đã quán triệt Chỉ thị."


def writing() -> Cadre:
    """A cadre half way through the first narrative answer of the small outline (required)."""
    cadre = Cadre()
    cadre.answer_all("/baocao", WRITTEN)
    assert cadre.value("tuyen_truyen") == WRITTEN
    return cadre


def ct30() -> Cadre:
    return Cadre(get_outline("ct30-20nam", 1))


# --- 4. near-commands in a narrative answer -------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("tiepp", "tiếp"),
        ("Tiếp ạ", "tiếp"),
        ("xong roi", "tiếp"),
        ("ok", "tiếp"),
        ("boqua", "bỏ qua"),
        ("xemlai", "xem lại"),
        ("Nộp bc", "nộp"),
        ("thoat", "tạm dừng"),
        ("huỷ bỏ", "tạm dừng"),
    ],
)
def test_a_near_command_is_asked_about_not_written_into_the_answer(typed: str, meant: str) -> None:
    cadre = writing()
    reply = cadre.send(typed)
    assert f"Ý anh/chị là “{meant}”?" in reply
    assert f"Tin nhắn “{typed}” chưa được lưu vào câu 1" in reply
    assert f"[Có, “{meant}”] [Không, lưu vào câu trả lời]" in reply
    assert cadre.effects == ()
    assert cadre.value("tuyen_truyen") == WRITTEN


@pytest.mark.parametrize("yes", ["có", "co", "ok", "dung", "Đúng rồi"])
def test_yes_runs_the_command_it_looked_like(yes: str) -> None:
    cadre = writing()
    cadre.send("tiepp")
    reply = cadre.send(yes)
    assert "Mục 1/3 · Câu 2/12" in reply  # "tiếp": on to the next question
    assert cadre.value("tuyen_truyen") == WRITTEN


def test_the_yes_button_runs_the_command_and_no_keeps_the_words() -> None:
    cadre = writing()
    cadre.send("thoat")
    assert "⏸ Đã tạm dừng ở câu 1" in cadre.press("Có, “tạm dừng”")
    assert cadre.value("tuyen_truyen") == WRITTEN

    cadre = writing()
    cadre.send("Tiếp ạ")
    saved = cadre.press("Không, lưu vào câu trả lời")
    assert "✅ Đã lưu nội dung câu 1" in saved
    assert cadre.value("tuyen_truyen") == f"{WRITTEN}\n\nTiếp ạ"


def test_no_typed_stores_the_message_as_part_of_the_answer() -> None:
    cadre = writing()
    cadre.send("ok")
    cadre.send("không")
    assert cadre.value("tuyen_truyen") == f"{WRITTEN}\n\nok"
    assert cadre.state.mode == "answering"
    cadre.send("Các chi bộ sinh hoạt chuyên đề.")  # still writing the same answer
    assert cadre.value("tuyen_truyen") == f"{WRITTEN}\n\nok\n\nCác chi bộ sinh hoạt chuyên đề."


def test_writing_on_instead_of_answering_keeps_the_new_words_and_says_the_short_one_was_not_kept() -> None:
    cadre = writing()
    cadre.send("xong roi")
    reply = cadre.send("Các chi bộ sinh hoạt chuyên đề hằng quý.")
    assert "Tin nhắn “xong roi” trước đó chưa được lưu." in reply
    assert cadre.value("tuyen_truyen") == f"{WRITTEN}\n\nCác chi bộ sinh hoạt chuyên đề hằng quý."


def test_a_command_instead_of_answering_runs_the_command() -> None:
    cadre = writing()
    cadre.send("boqua")
    assert "Mục 1/3 · Câu 2/12" in cadre.send("tiếp")
    assert cadre.value("tuyen_truyen") == WRITTEN


def test_the_yes_button_of_an_old_question_is_refused() -> None:
    cadre = writing()
    cadre.send("tiepp")
    yes = cadre.button("Có, “tiếp”")
    cadre.send("tiếp")
    reply = cadre.click(yes)
    assert "không còn dùng được" in reply and cadre.effects == ()
    at(cadre, 2)


@pytest.mark.parametrize(
    "text",
    [
        "Tiếp tục duy trì hội nghị đối thoại với Nhân dân hằng năm.",
        "Xong kế hoạch, nộp báo cáo đúng hạn",
        "Không có",
        "Chưa có kiến nghị",
        "Bản đầu.",  # one letter from "bắt đầu" without diacritics, but typed with them: a draft
        "Họp",
    ],
)
def test_a_longer_message_is_an_answer_as_before(text: str) -> None:
    cadre = writing()
    cadre.send(text)
    assert cadre.value("tuyen_truyen") == f"{WRITTEN}\n\n{text}"


def test_near_commands_are_asked_about_only_in_a_narrative_answer() -> None:
    cadre = writing()
    cadre.send("tiếp")
    reply = cadre.send("ok")  # a count: not a number, explained as before; nothing asked, nothing stored
    assert "Ý anh/chị là" not in reply and cadre.effects == ()


@pytest.mark.parametrize(
    "invisible",
    ["\u200c", "\u034f", "\u115f", "\u3164", "\u2800", "\u200c\u3164 \u2800\n\u115f\u034f"],
    ids=["zwnj", "cgj", "choseong-filler", "hangul-filler", "braille-blank", "mixed"],
)
def test_a_message_of_invisible_characters_is_empty(invisible: str) -> None:
    assert clean(invisible) == ""
    cadre = writing()
    reply = cadre.send(invisible)
    assert "Tin nhắn trống nên chưa có gì được lưu." in reply
    assert cadre.effects == ()
    assert cadre.value("tuyen_truyen") == WRITTEN
    fresh = Cadre()
    fresh.send("/baocao")
    fresh.send(invisible)
    assert fresh.effects == () and fresh.value("tuyen_truyen") is None


def test_invisible_characters_inside_an_answer_are_dropped() -> None:
    cadre = writing()
    cadre.send("Quán\u200c triệt\u3164")
    assert cadre.value("tuyen_truyen") == f"{WRITTEN}\n\nQuán triệt"


# The property: no single edit of a command word, and no command word with a particle, is ever
# written into a narrative answer.
_WORDS = sorted({w for words in _COMMAND_WORDS.values() for w in words} | {"sửa", "edit"})
_LETTERS = "abcdeghiklmnopqrstuvxyđăâêôơưáàảãạấầẩẫậếềểễệốồổỗộớờởỡợứừửữựíìỉĩịúùủũụýỳỷỹỵ .,!?-'"
_PARTICLES = ("ạ", "à", "rồi", "nhé", "nha", "bc", "luôn", "a", "roi", "nhe")


@st.composite
def near_commands(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(_WORDS))
    if draw(st.booleans()):
        word = draw(st.sampled_from((word, word.upper(), word.capitalize())))
        return f"{word} {draw(st.sampled_from(_PARTICLES))}"
    kind = draw(st.sampled_from(("delete", "insert", "substitute", "swap")))
    at_ = draw(st.integers(0, len(word) - (0 if kind == "insert" else 1)))
    char = draw(st.sampled_from(_LETTERS))
    if kind == "delete":
        return word[:at_] + word[at_ + 1 :]
    if kind == "insert":
        return word[:at_] + char + word[at_:]
    if kind == "substitute":
        return word[:at_] + char + word[at_ + 1 :]
    at_ = min(at_, len(word) - 2)
    return word[:at_] + word[at_ + 1] + word[at_] + word[at_ + 2 :]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(near_commands())
def test_no_near_command_reaches_a_narrative_answer(typed: str) -> None:
    cadre = writing()
    cadre.send(typed)
    assert cadre.value("tuyen_truyen") == WRITTEN, typed
    assert not [e for e in cadre.effects if isinstance(e, SaveAnswer) and e.question_id == "tuyen_truyen"]


def test_every_command_word_is_its_own_near_command() -> None:
    for word in _WORDS:
        assert recognise(word) is not None or near_command(word) is not None, word
    assert near_command("tiepp") is Command.NEXT and near_command("Nộp bc") is Command.SUBMIT


# --- 5. "dung" at the submit confirmation, and other folds decided by state -------------------------

FULL = (
    "/baocao",
    "A.",
    "tiếp",
    "1",
    "không",
    "1",
    "0",
    "1",
    "50",
    "bỏ qua",
    "B.",
    "tiếp",
    "1/6/2018",
    "bỏ qua",
)


def confirming() -> Cadre:
    cadre = Cadre()
    cadre.answer_all(*FULL)
    assert "Nộp báo cáo lần 1" in cadre.send("nộp")
    assert cadre.state.mode == "confirm_submit"
    return cadre


@pytest.mark.parametrize(
    "typed", ["dung", "đúng rồi", "nộp luôn", "ok nộp", "Dung", "đúng", "dạ", "Nộp luôn nhé"]
)
def test_yes_words_submit_at_the_confirmation(typed: str) -> None:
    cadre = confirming()
    reply = cadre.send(typed)
    # Confirmed: the document's details come next, then the version is submitted with them.
    assert "(1/7) Số, ký hiệu văn bản" in reply and "Đã tạm dừng" not in reply
    assert cadre.state.mode == "document"
    for text in DOCUMENT_SKIP_FILE:
        reply = cadre.send(text)
    assert "✅ Đã nộp báo cáo." in reply
    assert any(isinstance(e, Submit) for e in cadre.effects)


@pytest.mark.parametrize("typed", ["dừng", "chưa", "chua", "không nộp"])
def test_no_words_and_stop_do_not_submit(typed: str) -> None:
    cadre = confirming()
    reply = cadre.send(typed)
    assert "✅ Đã nộp" not in reply
    assert not any(isinstance(e, Submit) for e in cadre.effects)


def test_dung_answers_a_yes_no_question_yes_and_still_pauses_elsewhere() -> None:
    cadre = Cadre()
    cadre.answer_all("/baocao", "A.", "tiếp", "2")
    cadre.send("dung")  # "đúng" without diacritics, to "Đơn vị đã kiện toàn Ban Chỉ đạo QCDC chưa?"
    assert cadre.value("co_bcd") is True
    cadre = Cadre()
    cadre.answer_all("/baocao", "A.", "tiếp")
    assert "⏸ Đã tạm dừng ở câu 2" in cadre.send("dung")  # at a count, "dung" is "dừng"


@pytest.mark.parametrize("typed", ["/tamdung", "/huy", "tạm dừng", "tam dung", "/tam_dung"])
def test_pause_is_tamdung_and_huy_still_works(typed: str) -> None:
    cadre = writing()
    assert "⏸ Đã tạm dừng ở câu 1" in cadre.send(typed)
    assert cadre.effects == ()


def test_help_names_tamdung() -> None:
    cadre = writing()
    reply = cadre.send("trợ giúp")
    assert "/tamdung — “tạm dừng”" in reply and "/huy —" not in reply


# --- 6. one numbering: the plan's number names the question ---------------------------------------


def test_the_plan_s_number_names_the_question() -> None:
    cadre = ct30()
    first = cadre.send("/baocao")
    assert "Mục 1/5 · Câu 1.1 (1/35)" in first
    cadre.send("Quán triệt.")
    assert "Mục 1/5 · Câu 2/35" in cadre.send("tiếp")  # a count without a plan number keeps its place
    shown = cadre.send("sửa 3.1")
    assert "Mục 3/5 · Câu 3.1 (30/35)" in shown
    assert "Câu 30/35" not in shown


def test_sua_5_says_which_question_it_took() -> None:
    cadre = ct30()
    cadre.answer_all("/baocao", "Quán triệt.")
    shown = cadre.send("sửa 5")
    assert "“5” được hiểu là câu thứ 5 của báo cáo: “Số văn bản" in shown
    assert "Nếu anh/chị muốn mục 5 của đề cương (câu 35), gõ “sửa 35”." in shown
    assert "Mục 1/5 · Câu 5/35" in shown
    assert cadre.effects == ()
    assert "Mục 5/5 · Câu 35/35" in cadre.send("sửa 35") and "5. Đơn vị có kiến nghị" in cadre.text


def test_xem_5_says_which_question_it_took() -> None:
    cadre = ct30()
    cadre.answer_all("/baocao", "Quán triệt.")
    shown = cadre.send("xem 5")
    assert "“5” được hiểu là câu thứ 5 của báo cáo" in shown and "gõ “xem câu 35”" in shown


def test_a_number_that_is_only_a_place_says_nothing_more() -> None:
    cadre = ct30()
    cadre.answer_all("/baocao", "Quán triệt.")
    assert "được hiểu là" not in cadre.send("sửa 7")


def test_buttons_and_typed_words_use_the_plan_s_number() -> None:
    cadre = ct30()
    cadre.answer_all("/baocao", "Quán triệt.")
    see = cadre.button("Xem lại câu này")
    assert see.command.params == {"number": "1.1"}  # type: ignore[union-attr]
    assert "Quán triệt." in cadre.send("xem câu 1.1")


# --- 7. the review: one screen first, then a section --------------------------------------------------


def test_review_is_one_screen_of_sections_first() -> None:
    cadre = ct30()
    cadre.answer_all("/baocao", "Đã tổ chức nhiều hội nghị quán triệt. " * 50, "tiếp", "5")
    review = cadre.send("xem lại")
    assert len(review) < 1500  # a phone screen, not ~7,000 characters
    assert "Đã tổ chức nhiều hội nghị" not in review  # answers come per section
    assert "📂 Mục 1. Công tác lãnh đạo, chỉ đạo, triển khai thực hiện: đã trả lời 2/14 câu" in review
    assert "còn thiếu câu 3, 1.2, 5, 1.3, 1.4, 11, …" in review
    assert "📂 Mục 3. Những hạn chế" in review and "còn thiếu câu 3.1, 3.2, 3.3" in review
    assert "[Mục 1] [Mục 2] [Mục 3] [Mục 4] [Mục 5] [Tiếp tục báo cáo] [Nộp báo cáo]" in review
    assert cadre.effects == ()


@pytest.mark.parametrize(
    "typed", ["xem lại mục 2", "xem lai muc 2", "/xemlai 2", "Xem lại mục 2.", "xem mục 2"]
)
def test_review_one_section_typed(typed: str) -> None:
    cadre = ct30()
    cadre.answer_all("/baocao", "Quán triệt.")
    shown = cadre.send(typed)
    assert "📂 Mục 2. Kết quả" in shown
    assert "2.1. " in shown and "→ (chưa trả lời)" in shown
    assert "Mục 2/5: đã trả lời 0/10 câu." in shown
    assert "📂 Mục 1." not in shown and "Quán triệt." not in shown
    assert "[◀ Mục 1] [Mục 3 ▶] [Xem lại] [Tiếp tục báo cáo] [Nộp báo cáo]" in shown


def test_review_one_section_by_button_and_move_on() -> None:
    cadre = ct30()
    cadre.answer_all("/baocao", "Quán triệt.")
    cadre.send("xem lại")
    first = cadre.press("Mục 1")
    assert "1.1. Công tác tuyên truyền" in first and "→ Quán triệt." in first
    assert "Câu 1.1: 1.1." not in first  # the plan's number once, not twice
    assert "Câu 2: Số hội nghị" in first
    assert "📂 Mục 2. Kết quả" in cadre.press("Mục 2 ▶")
    assert "📂 Mục 1." in cadre.send("xem lại")  # and back to the summary
    assert cadre.state.question_id == "tt_tuyen_truyen" and cadre.state.parts == 1  # still writing


def test_review_of_a_section_that_does_not_exist_is_explained() -> None:
    cadre = ct30()
    cadre.send("/baocao")
    assert "Báo cáo có các mục từ 1 đến 5" in cadre.send("xem lại mục 9")
    assert cadre.effects == ()
