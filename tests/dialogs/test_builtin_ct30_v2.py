"""Version 2 of ct30-20nam: the plan's full wording, asked per kind of unit, with part III of the plan.

Version 1 stays loadable beside it: campaigns opened on it keep it (tests/bot/test_outline_versions.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dialogs.builtin import builtin_outlines, get_outline
from dialogs.conditions import compile_condition
from dialogs.events import Answer
from dialogs.loader import validate_outline_file
from dialogs.outline import QuestionType
from dialogs.plan import plan_of
from tests.dialogs.conftest import Cadre
from tests.dialogs.test_builtin_ct30 import NARRATIVE_NUMBERS, read_plan

V2_FILE = Path(__file__).resolve().parents[2] / "dialogs" / "outlines" / "ct30-20nam-v2.yaml"
V2 = get_outline("ct30-20nam", 2)
KINDS = ["xa", "co_quan", "doanh_nghiep", "loai_hinh_moi", "cap_tren"]


def label(question_id: str) -> str:
    return V2.question(question_id).label.get("vi")


def number_of(text: str) -> str:
    return text.split(" ", 1)[0].rstrip(".")


def test_version_2_is_valid_and_is_what_new_campaigns_get() -> None:
    assert validate_outline_file(V2_FILE) == []
    assert builtin_outlines()["ct30-20nam"] is V2
    assert get_outline("ct30-20nam") is V2
    assert V2.version == 2
    assert get_outline("ct30-20nam", 1).version == 1  # still there, for the campaigns opened on it
    assert V2.title == get_outline("ct30-20nam", 1).title


def test_the_five_sections_of_the_plan_then_part_three() -> None:
    titles = [s.title.get("vi") for s in V2.sections]
    assert titles[:5] == [s.title for s in read_plan()]
    assert titles[5] == "Hình thức, thời gian tổng kết và đề nghị khen thưởng"


def test_every_narrative_item_of_the_plan_in_order_its_hint_word_for_word() -> None:
    plan = {item.number: item.text for section in read_plan() for item in section.items}
    narratives = [q for q in V2.questions() if q.type is QuestionType.TEXT and q.id != "de_nghi_khen_thuong"]
    numbers = [number_of(q.label.get("vi")) for q in narratives]
    # 2.1 is asked once per kind of unit; every other item once.
    assert numbers == NARRATIVE_NUMBERS[:5] + ["2.1"] * 4 + NARRATIVE_NUMBERS[6:]
    for question, number in zip(narratives, numbers, strict=True):
        assert question.hint is not None and question.hint.get("vi") == plan[number], number
        assert V2.section_number(question.id) == int(number[0]), question.id


def test_the_labels_say_what_the_plan_stresses() -> None:
    restored = "nhận thức, trách nhiệm của các cấp, các ngành, cán bộ, đảng viên và Nhân dân"
    assert restored in label("tt_tuyen_truyen")
    assert "Pháp lệnh số 34/2007/PL-UBTVQH11" in label("kq_xa")
    for agency_or_enterprise in ("kq_co_quan", "kq_doanh_nghiep"):
        assert "các Nghị định của Chính phủ" in label(agency_or_enterprise)
        assert "Pháp lệnh" not in label(agency_or_enterprise)  # the Ordinance governs communes
    assert "và các Nghị định của Chính phủ" in label("kq_loai_hinh_moi")
    assert "quy chế, quy định, quy ước, hương ước thực hiện dân chủ" in label("hc_han_che")
    assert "hương ước dân chủ" not in label("hc_han_che")
    assert "của người đứng đầu" in label("hc_nguyen_nhan")


def test_the_unit_kind_is_asked_first_with_the_plans_four_kinds_and_the_levels_above() -> None:
    first = next(V2.questions())
    assert first.id == "loai_hinh" and first.type is QuestionType.CHOICE and first.required
    assert [c.value for c in first.choices] == KINDS
    assert [c.label.get("vi") for c in first.choices] == [
        "Xã, phường, thị trấn",
        "Cơ quan, đơn vị sự nghiệp",
        "Doanh nghiệp",
        "Loại hình mới",
        "Cấp huyện, cấp tỉnh (báo cáo chung các loại hình)",
    ]


def test_every_kind_named_in_a_condition_is_a_choice_of_the_unit_kind() -> None:
    # A misspelt kind would silently never match: the loader cannot know, so this test does.
    for question in V2.questions():
        if question.when and "loai_hinh" in compile_condition(question.when).names:
            named = re.findall(r"'([a-z_]+)'", question.when)
            assert named and set(named) <= set(KINDS), question.id


def walk(kind: str, count: str = "3") -> tuple[list[str], Cadre]:
    """The questions a cadre of this kind is asked, answering everything, counts with `count`."""
    cadre = Cadre(V2)
    cadre.send("/baocao")
    asked: list[str] = []
    for _ in range(300):
        question_id = cadre.state.question_id
        if question_id is None:
            break
        question = V2.question(question_id)
        if not asked or asked[-1] != question_id:
            asked.append(question_id)
        if question_id == "loai_hinh":
            cadre.send(str(KINDS.index(kind) + 1))
        elif question.type is QuestionType.CHOICE:
            cadre.send("1")
        elif question.is_numeric:
            cadre.send(count)
        elif question.type is QuestionType.DATE:
            cadre.send("15/06/2018")
        elif cadre.state.parts:
            cadre.send("tiếp")
        else:
            cadre.send("Đơn vị đã triển khai đầy đủ.")
    return asked, cadre


COMMUNE_ONLY = {
    "so_thon_to_dp",
    "so_thon_co_huong_uoc",
    "kq_xa",
    "so_cuoc_doi_thoai",
    "so_cong_khai_xa",
    "so_dan_ban_xa",
    "so_ban_gsdtcd",
    "so_cong_trinh_gs",
    "dan_dong_gop",
}
WORKPLACE = {"so_doi_thoai_cq", "so_cong_khai_cq", "so_tham_gia_y_kien_cq"}
NOT_ASKED = {
    "xa": {"kq_co_quan", "kq_doanh_nghiep", "kq_loai_hinh_moi", "so_hoi_nghi_cbccvc", "so_hoi_nghi_nld"}
    | WORKPLACE,
    "co_quan": COMMUNE_ONLY | {"kq_doanh_nghiep", "kq_loai_hinh_moi", "so_hoi_nghi_nld"},
    "doanh_nghiep": COMMUNE_ONLY
    | {"kq_co_quan", "kq_loai_hinh_moi", "so_hoi_nghi_cbccvc", "luot_tiep_cong_dan"},
    "loai_hinh_moi": COMMUNE_ONLY
    | {"kq_co_quan", "kq_doanh_nghiep", "so_hoi_nghi_cbccvc", "luot_tiep_cong_dan"},
    "cap_tren": set(),
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_unit_is_asked_what_applies_to_it(kind: str) -> None:
    asked, cadre = walk(kind)
    everything = [q.id for q in V2.questions()]
    assert asked == [q for q in everything if q not in NOT_ASKED[kind]]
    assert "engine.complete.ready" in cadre.ids  # and nothing required was left behind
    assert "Đề nghị xem lại toàn bộ trước khi nộp" in cadre.text


def test_a_commune_that_answers_zero_is_not_asked_the_parts_of_nothing() -> None:
    asked, _ = walk("xa", count="0")
    for part in (
        "luot_nguoi_tham_du",
        "so_thon_co_huong_uoc",
        "so_to_chuc_vi_pham",
        "so_ca_nhan_vi_pham",
        "so_kien_nghi_ttnd",
        "don_thuoc_tham_quyen",
        "don_tq_da_giai_quyet",
        "so_cong_trinh_gs",
        "de_nghi_khen_thuong",
    ):
        assert part not in asked, part
    assert "so_thon_to_dp" in asked and "don_nhan" in asked


def test_item_2_1_is_split_by_kind_so_a_district_can_compile_each() -> None:
    parts = {"kq_xa", "kq_co_quan", "kq_doanh_nghiep", "kq_loai_hinh_moi"}
    plan = plan_of(V2)
    shown = {kind: sorted(parts - plan.hidden({"loai_hinh": kind})) for kind in KINDS}
    assert shown == {
        "xa": ["kq_xa"],
        "co_quan": ["kq_co_quan"],
        "doanh_nghiep": ["kq_doanh_nghiep"],
        "loai_hinh_moi": ["kq_loai_hinh_moi"],
        "cap_tren": ["kq_co_quan", "kq_doanh_nghiep", "kq_loai_hinh_moi", "kq_xa"],
    }


# --- item 13: recommendations --------------------------------------------------------------------


def at_recommendations() -> Cadre:
    """A commune cadre who has answered everything up to item 5 (as stored earlier)."""
    cadre = Cadre(V2)
    cadre.answers["loai_hinh"] = Answer("xa")
    for question in V2.questions():
        if question.id in cadre.answers or question.id == "kien_nghi_de_xuat":
            continue
        if V2.section_number(question.id) >= 5:
            break
        cadre.answers[question.id] = Answer(3 if question.is_numeric else "Đơn vị đã triển khai đầy đủ.")
    return cadre


def test_recommendations_are_required_and_say_how_to_answer_none() -> None:
    question = V2.question("kien_nghi_de_xuat")
    assert question.required
    assert label("kien_nghi_de_xuat").endswith("Nếu không có, anh/chị ghi “Không có kiến nghị”.")


def test_khong_co_kien_nghi_is_an_answer() -> None:
    cadre = at_recommendations()
    text = cadre.send("báo cáo")
    assert cadre.state.question_id == "kien_nghi_de_xuat" and "5. Đơn vị có kiến nghị" in text
    cadre.send("Không có kiến nghị")
    assert cadre.value("kien_nghi_de_xuat") == "Không có kiến nghị"
    assert "Đã lưu nội dung câu" in cadre.text
    cadre.send("tiếp")
    assert cadre.state.question_id == "tk_hinh_thuc"


def test_recommendations_cannot_be_skipped() -> None:
    cadre = at_recommendations()
    cadre.send("báo cáo")
    cadre.send("bỏ qua")
    assert cadre.value("kien_nghi_de_xuat") is None
    assert cadre.state.question_id == "kien_nghi_de_xuat"


# --- item 14: the numbers ------------------------------------------------------------------------


def test_one_unit_per_count() -> None:
    units = {q.id: q.unit.get("vi") for q in V2.questions() if q.is_numeric and q.unit}
    assert len(units) == len([q for q in V2.questions() if q.is_numeric])
    assert "hội nghị, buổi" not in units.values() and "tổ chức, cá nhân" not in units.values()
    assert units["so_hoi_nghi_qt"] == "hội nghị" and units["so_buoi_tt"] == "buổi"
    assert units["so_to_chuc_vi_pham"] == "tổ chức" and units["so_ca_nhan_vi_pham"] == "cá nhân"
    assert units["so_cong_trinh_gs"] == "công trình, dự án"
    assert "công trình, dự án" in label("so_cong_trinh_gs")
    assert units["so_quy_che"] == "văn bản"


def test_the_covenants_are_counted_at_the_same_moment_as_the_villages() -> None:
    assert "hiện có" in label("so_thon_to_dp") and "hiện có" in label("so_thon_co_huong_uoc")
    assert V2.question("so_thon_co_huong_uoc").max_of == "so_thon_to_dp"


def test_letters_received_then_within_competence_then_resolved() -> None:
    bounded = {q.id: q.max_of for q in V2.questions() if q.max_of}
    assert bounded == {
        "so_thon_co_huong_uoc": "so_thon_to_dp",
        "don_thuoc_tham_quyen": "don_nhan",
        "don_tq_da_giai_quyet": "don_thuoc_tham_quyen",
    }
    order = [q.id for q in V2.questions()]
    assert order.index("don_nhan") + 1 == order.index("don_thuoc_tham_quyen")
    assert order.index("don_thuoc_tham_quyen") + 1 == order.index("don_tq_da_giai_quyet")
    assert "thuộc thẩm quyền" in label("don_thuoc_tham_quyen")
    assert "thuộc thẩm quyền đã giải quyết xong" in label("don_tq_da_giai_quyet")


def test_more_resolved_than_within_competence_is_refused() -> None:
    cadre = Cadre(V2)
    cadre.answers.update(
        {"loai_hinh": Answer("xa"), "don_nhan": Answer(20), "don_thuoc_tham_quyen": Answer(12)}
    )
    cadre.send(f"sửa {V2.number('don_tq_da_giai_quyet')}")
    cadre.send("13")
    assert cadre.value("don_tq_da_giai_quyet") is None
    assert "engine.bound.above" in cadre.ids
    cadre.send("12")
    assert cadre.value("don_tq_da_giai_quyet") == 12


def test_the_people_know_and_the_people_discuss_are_counted() -> None:
    assert label("so_cong_khai_xa").startswith("Dân biết: ")
    assert label("so_dan_ban_xa").startswith("Dân bàn: ")
    for question_id in ("so_cong_khai_xa", "so_dan_ban_xa", "so_cong_khai_cq", "so_tham_gia_y_kien_cq"):
        assert V2.section_number(question_id) == 2 and V2.question(question_id).required


# --- item 15: part III ---------------------------------------------------------------------------


def test_how_and_when_the_unit_held_its_review_and_its_commendation_proposals() -> None:
    form = V2.question("tk_hinh_thuc")
    assert [(c.value, c.label.get("vi")) for c in form.choices] == [
        ("hoi_nghi", "Tổ chức hội nghị"),
        ("van_ban", "Bằng văn bản"),
    ]
    assert form.hint is not None and "gắn với công tác thi đua, khen thưởng" in form.hint.get("vi")
    day = V2.question("tk_ngay")
    assert day.type is QuestionType.DATE and day.required
    assert day.hint is not None and "trước ngày 30/6/2018" in day.hint.get("vi")
    assert V2.question("so_tap_the_de_nghi_kt").unit.get("vi") == "tập thể"  # type: ignore[union-attr]
    assert V2.question("so_ca_nhan_de_nghi_kt").unit.get("vi") == "cá nhân"  # type: ignore[union-attr]
    names = compile_condition(V2.question("de_nghi_khen_thuong").when or "")
    assert names.evaluate({"so_tap_the_de_nghi_kt": 0, "so_ca_nhan_de_nghi_kt": 2})
    assert not names.evaluate({"so_tap_the_de_nghi_kt": 0, "so_ca_nhan_de_nghi_kt": 0})
    assert {V2.section_number(q) for q in ("tk_hinh_thuc", "tk_ngay", "de_nghi_khen_thuong")} == {6}


def test_the_review_date_is_stored_as_typed() -> None:
    asked, cadre = walk("xa")
    assert asked[-4:] == ["tk_ngay", "so_tap_the_de_nghi_kt", "so_ca_nhan_de_nghi_kt", "de_nghi_khen_thuong"]
    assert cadre.value("tk_hinh_thuc") == "hoi_nghi"
    assert cadre.value("tk_ngay") == "2018-06-15"


def test_ids_fit_and_both_languages() -> None:
    for _, question in V2.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,23}", question.id)
        for text in (question.label, question.hint, question.unit):
            if text is not None:
                assert set(text.texts) == {"vi", "en"} and all(text.texts.values()), question.id


def test_sua_2_1_opens_the_part_for_the_units_own_kind() -> None:
    cadre = Cadre(V2)
    cadre.answers["loai_hinh"] = Answer("co_quan")
    cadre.send("sửa 2.1")
    assert cadre.state.question_id == "kq_co_quan"
