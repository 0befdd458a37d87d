"""Every figure at the right scale (issue 7, items 1–3 and the number messages of 16).

A commune cadre types fast on a phone: "3 ngàn", "1,2 tỷ", "hơn 100", "không có", "chưa thống kê
được", or a sentence with a number in it. Nothing is stored at the wrong scale, in the wrong unit,
or from a sentence; what is stored is said back as understood.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.events import Answer, SaveAnswer, is_unknown_value, unknown_value
from dialogs.outline import Localized, Outline, Question, QuestionType, Section
from dialogs.plan import plan_of
from dialogs.progress import Progress, is_unknown
from dialogs.text import NumberError, Quantity, Reading, read_quantity
from tests.dialogs.conftest import Cadre


def _l(vi: str, en: str) -> Localized:
    return Localized({"vi": vi, "en": en})


T = QuestionType
FIGURES = Outline(
    id="so-lieu",
    version=1,
    title=_l("Số liệu tổng kết", "Figures"),
    sections=(
        Section(
            "so_lieu",
            _l("Số liệu", "Figures"),
            (
                Question("gioi_thieu", T.TEXT, _l("Tình hình chung", "Overview")),
                Question(
                    "so_hoi_nghi", T.INTEGER, _l("Số hội nghị quán triệt", "Meetings"),
                    unit=_l("hội nghị", "meetings"), min=0, max=100_000,
                ),
                Question(
                    "luot_nguoi", T.INTEGER, _l("Số lượt người tham dự", "Attendances"),
                    unit=_l("lượt người", "attendances"), min=0, max=10_000_000,
                ),
                Question(
                    "kinh_phi", T.DECIMAL, _l("Nhân dân đóng góp", "Contributions"),
                    unit=_l("triệu đồng", "million VND"), min=0, max=100_000_000,
                ),
                Question(
                    "kinh_phi_dong", T.INTEGER, _l("Kinh phí hỗ trợ", "Support"),
                    unit=_l("nghìn đồng", "thousand VND"), min=0, max=10_000_000_000,
                ),
                Question(
                    "don_nhan", T.INTEGER, _l("Số đơn thư nhận được", "Letters received"),
                    unit=_l("đơn", "letters"), min=0, max=100_000,
                ),
                Question(
                    "don_giai_quyet", T.INTEGER, _l("Trong đó, số đơn đã giải quyết", "Of which settled"),
                    unit=_l("đơn", "letters"), min=0, max=100_000, max_of="don_nhan",
                ),
                Question(
                    "cong_trinh", T.INTEGER, _l("Số công trình do dân giám sát", "Works"),
                    unit=_l("công trình", "works"), min=0, max=1000, when="so_hoi_nghi > 0",
                ),
                Question("ket_luan", T.TEXT, _l("Kết luận", "Conclusion")),
            ),
        ),
    ),
)
PLAN = plan_of(FIGURES)


def at(question_id: str, cadre: Cadre | None = None) -> Cadre:
    """A cadre at one question of FIGURES (gone to by its button, as "Trả lời câu N" does)."""
    cadre = cadre or Cadre(FIGURES)
    cadre.click(f"e:{PLAN.by_id[question_id].key}")
    assert cadre.state.question_id == question_id
    return cadre


def stored(cadre: Cadre, question_id: str) -> object:
    return cadre.value(question_id)


# --- 1. scale words ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question_id", "typed", "value", "said"),
    [
        ("luot_nguoi", "3 ngàn", 3000, "✅ Đã lưu câu 3: 3.000 lượt người"),
        ("luot_nguoi", "2 nghìn", 2000, "✅ Đã lưu câu 3: 2.000 lượt người"),
        ("kinh_phi", "1,2 tỷ", 1200, "✅ Đã lưu câu 4: 1.200 triệu đồng (1.200.000.000 đồng)"),
        ("kinh_phi", "500 nghìn đồng", 0.5, "✅ Đã lưu câu 4: 0,5 triệu đồng (500.000 đồng)"),
    ],
)
def test_the_quoted_scale_words_are_stored_at_their_scale(
    question_id: str, typed: str, value: float, said: str
) -> None:
    cadre = at(question_id)
    reply = cadre.send(typed)
    assert cadre.saved == [SaveAnswer(question_id, Answer(value))]
    assert said in reply


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("3 ngan", 3000),
        ("3 nghin", 3000),
        ("3k", 3000),
        ("3 K", 3000),
        ("1,5 nghìn", 1500),
        ("2 trăm", 200),
        ("2 tram", 200),
        ("1tr", 1_000_000),
        ("1 trieu", 1_000_000),
        ("2 triệu 500", 2_500_000),
        ("2 triệu 500 nghìn", 2_500_000),
        ("ba nghìn", 3000),
        ("3.000", 3000),
        ("3 000 lượt người", 3000),
        ("3 ngàn lượt", 3000),
        ("có 3 ngàn ạ", 3000),
        ("2 nghìn rưỡi", 2500),
    ],
)
def test_a_count_with_a_scale_word(typed: str, value: int) -> None:
    cadre = at("luot_nguoi")
    cadre.send(typed)
    assert cadre.saved == [SaveAnswer("luot_nguoi", Answer(value))]


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1,2 ty", 1200),
        ("1,2 tỉ", 1200),
        ("1 tỷ 2", 1200),
        ("500", 500),
        ("500 triệu", 500),
        ("500tr", 500),
        ("2 triệu đồng", 2),
        ("1.500.000 đồng", 1.5),
        ("1.500.000đ", 1.5),
        ("500k", 0.5),
        ("500 ng", 0.5),
        ("500 ngàn đồng", 0.5),
        ("0,5", 0.5),
        ("ba tỷ", 3000),
        ("3 triệu rưỡi", 3.5),
    ],
)
def test_money_is_converted_into_the_questions_unit(typed: str, value: float) -> None:
    cadre = at("kinh_phi")
    cadre.send(typed)
    assert cadre.saved == [SaveAnswer("kinh_phi", Answer(value))]


def test_money_that_does_not_come_out_whole_is_refused_for_a_whole_number_question() -> None:
    cadre = at("kinh_phi_dong")  # nghìn đồng, integer
    reply = cadre.send("1.500 đồng")
    assert cadre.effects == ()
    assert "“1.500 đồng” bằng 1,5 nghìn đồng, không phải số nguyên nên chưa lưu." in reply
    cadre.send("2 triệu")
    assert cadre.saved == [SaveAnswer("kinh_phi_dong", Answer(2000))]
    assert "2.000 nghìn đồng (2.000.000 đồng)" in cadre.text


def test_a_unit_foreign_to_the_question_is_refused() -> None:
    cadre = at("so_hoi_nghi")
    reply = cadre.send("12 người")
    assert cadre.effects == ()
    assert "“12 người” không tính bằng hội nghị nên chưa lưu. Đề nghị gõ số hội nghị, ví dụ 12." in reply
    assert "Câu 2/9" in reply  # the question again
    cadre.send("12 hội nghị")
    assert cadre.saved == [SaveAnswer("so_hoi_nghi", Answer(12))]


@pytest.mark.parametrize("typed", ["12 cuộc", "12 buổi", "12 hội nghị ạ", "12"])
def test_what_counts_meetings_answers_a_count_of_meetings(typed: str) -> None:
    cadre = at("so_hoi_nghi")
    cadre.send(typed)
    assert cadre.saved == [SaveAnswer("so_hoi_nghi", Answer(12))]


@pytest.mark.parametrize("typed", ["12 đồng", "12 triệu đồng", "12 văn bản"])
def test_other_units_do_not_answer_a_count_of_meetings(typed: str) -> None:
    cadre = at("so_hoi_nghi")
    cadre.send(typed)
    assert cadre.effects == ()
    assert "engine.number.foreign_unit" in cadre.ids


def test_money_in_a_count_unit_is_refused() -> None:
    cadre = at("kinh_phi")
    cadre.send("12 người")
    assert cadre.effects == () and "engine.number.foreign_unit" in cadre.ids


def test_ng_for_a_count_is_asked_not_guessed() -> None:
    cadre = at("luot_nguoi")
    reply = cadre.send("50 ng")
    assert cadre.effects == ()
    assert "Chưa rõ “50 ng” là 50 người hay 50.000." in reply


def test_a_scale_word_past_the_limit_is_refused_with_the_limit() -> None:
    cadre = at("so_hoi_nghi")
    reply = cadre.send("3 tỷ")
    assert cadre.effects == ()
    assert "Số 3.000.000.000 hội nghị nằm ngoài giới hạn của câu này. Số phải từ 0 đến 100.000." in reply


# --- 2. a sentence is not a number -----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "Năm 2018 không tổ chức",
        "Câu 3 tôi trả lời sau",
        "Thôn 5 chưa báo cáo",
        "Trong 20 năm đã tổ chức nhiều hội nghị",
    ],
)
def test_a_sentence_with_a_number_in_it_is_not_stored(typed: str) -> None:
    cadre = at("so_hoi_nghi")
    reply = cadre.send(typed)
    assert cadre.effects == ()
    assert f"“{typed}” không phải là một con số nên chưa được lưu. Đề nghị chỉ gõ số, ví dụ 12" in reply
    assert "Câu 2/9" in reply and cadre.state.question_id == "so_hoi_nghi"
    assert stored(cadre, "so_hoi_nghi") is None


@pytest.mark.parametrize(("typed", "value"), [("hơn 100", 100), ("dưới 50", 50), ("khoảng 300", 300)])
def test_an_approximation_is_stored_only_on_yes(typed: str, value: int) -> None:
    cadre = at("so_hoi_nghi")
    reply = cadre.send(typed)
    assert cadre.effects == ()
    assert f"“{typed}” chưa phải số chính xác. Lưu câu 2 là {value} hội nghị?" in reply
    assert "[Có, lưu số này] [Không, gõ lại]" in reply
    reply = cadre.send("có")
    assert cadre.saved == [SaveAnswer("so_hoi_nghi", Answer(value))]
    assert f"✅ Đã lưu câu 2: {value} hội nghị" in reply


@pytest.mark.parametrize("typed", ["hơn 100", "dưới 50", "khoảng 300"])
def test_an_approximation_refused_stores_nothing_and_asks_again(typed: str) -> None:
    cadre = at("so_hoi_nghi")
    cadre.send(typed)
    reply = cadre.send("không")
    assert cadre.effects == ()
    assert "Chưa lưu. Đề nghị gõ số chính xác cho câu 2." in reply
    assert cadre.state.question_id == "so_hoi_nghi" and cadre.state.mode == "answering"
    cadre.send("102")
    assert cadre.saved == [SaveAnswer("so_hoi_nghi", Answer(102))]


def test_an_approximation_by_buttons_and_an_exact_number_instead() -> None:
    cadre = at("so_hoi_nghi")
    cadre.send("khoảng 300")
    cadre.press("Có, lưu số này")
    assert cadre.saved == [SaveAnswer("so_hoi_nghi", Answer(300))]

    cadre = at("so_hoi_nghi")
    cadre.send("hơn 100")
    cadre.press("Không, gõ lại")
    assert cadre.effects == ()

    cadre = at("so_hoi_nghi")
    cadre.send("gần 40")
    cadre.send("38")  # the exact number instead of yes or no
    assert cadre.saved == [SaveAnswer("so_hoi_nghi", Answer(38))]
    assert stored(cadre, "so_hoi_nghi") == 38


def test_an_old_yes_button_stores_nothing() -> None:
    cadre = at("so_hoi_nghi")
    cadre.send("khoảng 300")
    yes = cadre.button("Có, lưu số này")
    cadre.send("310")
    assert stored(cadre, "so_hoi_nghi") == 310
    cadre.click(yes)
    assert not cadre.saved and stored(cadre, "so_hoi_nghi") == 310


def test_a_command_while_asked_lets_the_approximation_go() -> None:
    cadre = at("so_hoi_nghi")
    cadre.send("khoảng 300")
    cadre.send("xem lại")
    assert cadre.state.pending_number is None and cadre.effects == ()


def test_a_percentage_for_a_count_is_refused_with_a_sentence() -> None:
    cadre = at("so_hoi_nghi")
    reply = cadre.send("5%")
    assert cadre.effects == ()
    assert "“5%” là tỷ lệ phần trăm, còn câu này cần một con số cụ thể, ví dụ 12. Chưa lưu." in reply


# --- 3. none and unknown ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["không có", "ko co", "khong", "chưa có", "Không có ạ"])
def test_none_is_zero_for_a_count(typed: str) -> None:
    cadre = at("so_hoi_nghi")
    reply = cadre.send(typed)
    assert cadre.saved == [SaveAnswer("so_hoi_nghi", Answer(0))]
    assert "✅ Đã lưu câu 2: 0 hội nghị" in reply


@pytest.mark.parametrize(
    "typed",
    ["chưa thống kê được", "không có số liệu", "chua thong ke duoc", "khong co so lieu", "chưa có số liệu"],
)
def test_an_unknown_figure_is_stored_as_unknown_never_as_zero(typed: str) -> None:
    cadre = at("don_nhan")
    reply = cadre.send(typed)
    assert cadre.saved == [SaveAnswer("don_nhan", Answer(unknown_value()))]
    assert "✅ Đã lưu câu 6: chưa có số liệu" in reply
    answer = cadre.answers["don_nhan"]
    assert is_unknown(answer) and is_unknown_value(answer.value) and answer.value != 0
    progress = Progress(PLAN, cadre.answers)
    assert progress.is_answered(PLAN.by_id["don_nhan"])
    assert PLAN.by_id["don_nhan"] not in progress.missing
    assert progress.number(PLAN.by_id["don_nhan"]) is None  # never summed as 0


def test_an_unknown_total_bounds_nothing_and_the_review_says_so() -> None:
    cadre = at("don_nhan")
    cadre.send("chưa thống kê được")
    assert cadre.state.question_id == "don_giai_quyet"
    cadre.send("15")  # a part of an unknown total: nothing to check it against
    assert stored(cadre, "don_giai_quyet") == 15
    assert Progress(PLAN, cadre.answers).bound_problems == ()
    reply = cadre.send("xem lại mục 1")
    assert "chưa có số liệu" in reply
    assert "{'unknown': True}" not in reply


def test_an_unknown_count_in_a_condition_does_not_break_the_report() -> None:
    cadre = at("so_hoi_nghi")
    reply = cadre.send("không có số liệu")
    assert stored(cadre, "so_hoi_nghi") == unknown_value()
    assert "Câu 3/9" in reply
    assert PLAN.by_id["cong_trinh"].id in Progress(PLAN, cadre.answers).hidden  # unknown is not "> 0"


def test_an_unknown_value_is_shown_as_unknown_when_the_question_comes_back() -> None:
    cadre = at("don_nhan")
    cadre.send("không có số liệu")
    reply = at("don_nhan", cadre).text
    assert "chưa có số liệu" in reply


# --- 16. the number messages ------------------------------------------------------------------------


def test_an_ambiguous_comma_quotes_what_was_typed_and_both_readings() -> None:
    cadre = at("luot_nguoi")
    reply = cadre.send("2,500")
    assert cadre.effects == ()
    assert "Chưa rõ “2,500” là 2.500 hay 2,5. Đề nghị gõ lại đúng một trong hai số này." in reply
    assert "Nếu là một nghìn" not in reply
    reply = at("so_hoi_nghi", cadre).text
    reply = cadre.send("1,000")
    assert "Chưa rõ “1,000” là 1.000 hay 1." in reply


def test_the_limits_are_said_only_when_an_answer_breaks_them() -> None:
    cadre = Cadre(FIGURES)
    cadre.send("/baocao")
    cadre.send("Tình hình chung.")
    reply = cadre.send("tiếp")
    assert "Câu 2/9" in reply
    assert "Số phải từ" not in reply
    reply = cadre.send("200000")
    assert "Số 200.000 hội nghị nằm ngoài giới hạn của câu này. Số phải từ 0 đến 100.000." in reply
    reply = cadre.send("12")
    assert "Câu 3/9" in reply and "10.000.000" not in reply


def test_the_trong_do_warning_is_one_sentence_with_both_values_and_both_commands() -> None:
    cadre = at("don_nhan")
    cadre.send("20")
    cadre.send("15")
    reply = at("don_nhan", cadre).text
    reply = cadre.send("10")
    warning = (
        "⚠️ Câu 7 “Trong đó, số đơn đã giải quyết” (15 đơn) nay lớn hơn câu 6 (10 đơn): "
        "gõ “sửa 7” hoặc “sửa 6” để sửa trước khi nộp."
    )
    assert warning in reply
    assert warning.count(".") == 1


# --- property: no scale word stored at the wrong scale ---------------------------------------------

SCALES = {
    "nghìn": 1000, "nghin": 1000, "ngàn": 1000, "ngan": 1000, "k": 1000,
    "triệu": 10**6, "trieu": 10**6, "tr": 10**6,
    "tỷ": 10**9, "ty": 10**9, "tỉ": 10**9, "ti": 10**9,
    "trăm": 100, "tram": 100,
}


def _typed_number(number: Decimal) -> str:
    text = format(number, "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    return f"{whole},{fraction}" if fraction else whole


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    whole=st.integers(min_value=0, max_value=999),
    tenths=st.integers(min_value=0, max_value=9),
    scale=st.sampled_from(sorted(SCALES)),
    money=st.booleans(),
    space=st.booleans(),
    upper=st.booleans(),
    unit=st.sampled_from(["", " đồng", " dong"]),
)
def test_no_number_with_a_scale_word_is_stored_at_the_wrong_scale(
    whole: int, tenths: int, scale: str, money: bool, space: bool, upper: bool, unit: str
) -> None:
    number = Decimal(whole) + Decimal(tenths) / 10
    word = scale.upper() if upper else scale
    typed = f"{_typed_number(number)}{' ' if space else ''}{word}{unit if money else ''}"
    question_id = "kinh_phi" if money else "luot_nguoi"
    cadre = at(question_id)
    cadre.send(typed)
    amount = number * SCALES[scale]  # in đồng, or in lượt người
    saved = cadre.saved
    if not saved:  # refused: the question is asked again and nothing is stored
        assert cadre.state.question_id == question_id and cadre.effects == ()
        assert not money, typed  # every amount here converts exactly into triệu đồng, within range
        assert amount != amount.to_integral_value() or amount > 10_000_000, typed  # not whole, or too many
        return
    (save,) = saved
    expected = amount / 10**6 if money else amount
    assert Decimal(str(save.answer.value)) == expected, (typed, save.answer.value)


@pytest.mark.parametrize(
    ("typed", "value"),
    [("12 thôn", 12), ("12 tổ dân phố", 12), ("12 thôn, bản, tổ dân phố", 12), ("12 bản ạ", 12)],
)
def test_any_name_in_a_unit_of_several_names_answers_it(typed: str, value: int) -> None:
    outline = Outline(
        "thon",
        1,
        _l("Thôn", "Villages"),
        (
            Section(
                "s",
                _l("Mục", "Section"),
                (
                    Question(
                        "so_thon", T.INTEGER, _l("Số thôn, bản, tổ dân phố hiện có", "Villages"),
                        unit=_l("thôn, bản, tổ dân phố", "villages and groups"), min=0, max=10_000,
                    ),
                ),
            ),
        ),
    )
    cadre = Cadre(outline)
    cadre.send("/baocao")
    cadre.send(typed)
    assert cadre.saved == [SaveAnswer("so_thon", Answer(value))]


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("2 triệu 50", NumberError.SEVERAL),  # 2.050.000 or 2.500.000: asked, not guessed
        ("2 nghìn rưỡi 5", NumberError.SEVERAL),
        ("5 trăm 5", NumberError.SEVERAL),  # 505 or 550
        ("1 nghìn 2 triệu", NumberError.SEVERAL),  # scales must fall
        ("Năm 2018 không tổ chức", Reading.SENTENCE),
        ("tám", Quantity(Decimal(8), number=Decimal(8))),  # eight, not the hedge "tầm"
        ("không có số liệu", Reading.UNKNOWN),
        ("ko co", Reading.NONE),
    ],
)
def test_what_the_reader_refuses_to_guess(typed: str, read: object) -> None:
    assert read_quantity(typed) == read
