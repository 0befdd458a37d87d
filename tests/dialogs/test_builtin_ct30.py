"""The built-in outline ct30-20nam, version 1, follows Plan 88-KH/TU, part II, item by item and word for word.

Version 1 stays shipped for the campaigns opened on it; version 2 is in test_builtin_ct30_v2.py.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from dialogs.builtin import builtin_outlines, get_outline
from dialogs.conditions import compile_condition
from dialogs.outline import Outline, Question, QuestionType

PLAN = Path(__file__).parent / "fixtures" / "ke-hoach-88-KH-TU-muc-II.md"
NARRATIVE_NUMBERS = [
    "1.1",
    "1.2",
    "1.3",
    "1.4",
    "1.5",
    "2.1",
    "2.2",
    "2.3",
    "3.1",
    "3.2",
    "3.3",
    "4.1",
    "4.2",
    "5",
]


@dataclass(frozen=True)
class PlanItem:
    number: str
    text: str


@dataclass(frozen=True)
class PlanSection:
    number: str
    title: str
    items: tuple[PlanItem, ...]


def read_plan() -> list[PlanSection]:
    """Sections II.1–II.5 of the plan with their sub-items, as printed (italics and page breaks removed)."""
    sections: list[tuple[str, str, list[list[str]]]] = []
    for paragraph in PLAN.read_text(encoding="utf-8").split("\n\n"):
        paragraph = paragraph.strip().replace("*", "")
        if not paragraph or paragraph.startswith(("<!--", "II.")):
            continue
        if match := re.fullmatch(r"(\d)\. (.+)", paragraph):
            sections.append((match[1], match[2], []))
        elif match := re.fullmatch(r"(\d\.\d)\.? (.+)", paragraph, flags=re.S):
            sections[-1][2].append([match[1], match[2]])
        elif sections[-1][2]:
            sections[-1][2][-1][1] += " " + paragraph  # the text runs on over a page break
        else:
            sections[-1][2].append([sections[-1][0], paragraph])  # section 5 has no sub-items
    return [
        PlanSection(number, title, tuple(PlanItem(n, " ".join(t.split())) for n, t in items))
        for number, title, items in sections
    ]


@pytest.fixture(scope="module")
def outline() -> Outline:
    return get_outline("ct30-20nam", 1)


def narrative(outline: Outline) -> list[Question]:
    return [q for q in outline.questions() if q.type is QuestionType.TEXT]


def test_the_plan_fixture_reads_as_five_sections_and_fourteen_items() -> None:
    plan = read_plan()
    assert [s.number for s in plan] == ["1", "2", "3", "4", "5"]
    assert [item.number for s in plan for item in s.items] == NARRATIVE_NUMBERS


def test_the_outline_is_shipped_and_found_by_id_and_version(outline: Outline) -> None:
    assert "ct30-20nam" in builtin_outlines()
    assert get_outline("ct30-20nam", 1) == outline
    assert outline.version == 1
    assert builtin_outlines()["ct30-20nam"].version == 2  # the latest, for new campaigns
    assert outline.title.get("vi") == (
        "Tổng kết 20 năm thực hiện Chỉ thị số 30-CT/TW về xây dựng và thực hiện quy chế dân chủ ở cơ sở"
    )
    with pytest.raises(KeyError):
        get_outline("ct30-20nam", 3)
    with pytest.raises(KeyError):
        get_outline("khong-co")


def test_the_sections_carry_the_plans_own_titles(outline: Outline) -> None:
    assert [s.title.get("vi") for s in outline.sections] == [s.title for s in read_plan()]
    assert [s.title.get("vi") for s in outline.sections] == [
        "Công tác lãnh đạo, chỉ đạo, triển khai thực hiện",
        "Kết quả thực hiện Quy chế dân chủ ở cơ sở trong các loại hình",
        "Những hạn chế, khuyết điểm, nguyên nhân và bài học kinh nghiệm",
        "Phương hướng, nhiệm vụ và giải pháp tiếp tục thực hiện Chỉ thị số 30-CT/TW",
        "Kiến nghị, đề xuất",
    ]


def test_one_narrative_question_per_sub_item_in_the_plans_order(outline: Outline) -> None:
    questions = narrative(outline)
    assert [q.label.get("vi").split(" ", 1)[0].rstrip(".") for q in questions] == NARRATIVE_NUMBERS
    for question in questions:
        number = question.label.get("vi").split(" ", 1)[0].rstrip(".")
        assert outline.section_number(question.id) == int(number[0]), question.id


def test_each_narrative_hint_is_the_plans_wording_word_for_word(outline: Outline) -> None:
    plan = {item.number: item.text for section in read_plan() for item in section.items}
    for question in narrative(outline):
        number = question.label.get("vi").split(" ", 1)[0].rstrip(".")
        assert question.hint is not None
        assert question.hint.get("vi") == plan[number], number


def test_a_few_phrases_an_official_would_look_for(outline: Outline) -> None:
    hints = {q.id: q.hint.get("vi") for q in narrative(outline) if q.hint}
    assert "Dân biết, dân bàn, dân làm, dân kiểm tra, giám sát" in hints["kq_hieu_qua"]
    assert "Pháp lệnh số 34/2007/PL-UBTVQH11, ngày 05/4/2007" in hints["kq_loai_hinh"]
    assert (
        "Nghị quyết Trung ương 4 khóa XI, khóa XII về xây dựng và chỉnh đốn Đảng" in hints["kq_gan_nhiem_vu"]
    )
    assert "hương ước, thôn, bản, tổ dân phố..." in hints["tt_van_ban"]  # joined across the page break
    assert outline.question("tt_tuyen_truyen").label.get("vi") == (
        "1.1. Công tác tuyên truyền, phổ biến, quán triệt Chỉ thị 30-CT/TW: đơn vị đã làm gì, kết quả ra sao?"
    )


def test_narratives_one_to_four_are_required_and_recommendations_optional(outline: Outline) -> None:
    for question in narrative(outline):
        assert question.required is (outline.section_number(question.id) != 5), question.id


def test_the_figures_a_review_tallies_are_non_negative_counts_with_units(outline: Outline) -> None:
    counts = [q for q in outline.questions() if q.is_numeric]
    assert len(counts) >= 15
    for question in counts:
        assert question.min == 0 and question.max is not None and question.max > 0, question.id
        assert question.unit is not None and question.unit.get("vi") and question.unit.get("en"), question.id
    by_section = {q.id: outline.section_number(q.id) for q in counts}
    assert by_section["so_hoi_nghi_tt"] == 1 and by_section["luot_nguoi_tham_du"] == 1
    assert by_section["so_van_ban"] == 1 and by_section["so_huong_uoc"] == 1
    assert by_section["so_lan_kien_toan_bcd"] == 1 and by_section["so_cuoc_kiem_tra"] == 1
    assert by_section["so_cuoc_doi_thoai"] == 2 and by_section["luot_tiep_cong_dan"] == 2
    assert by_section["don_nhan"] == 2 and by_section["don_da_giai_quyet"] == 2
    assert by_section["so_cong_trinh_gs"] == 2
    assert any(not q.required for q in counts) and any(q.required for q in counts)


def test_resolved_letters_are_asked_only_after_some_were_received(outline: Outline) -> None:
    resolved = outline.question("don_da_giai_quyet")
    assert resolved.when is not None
    condition = compile_condition(resolved.when)
    assert condition.names == {"don_nhan"}
    assert condition.evaluate({"don_nhan": 14})
    assert not condition.evaluate({"don_nhan": 0})
    assert not condition.evaluate({})


def test_every_condition_reads_only_earlier_questions(outline: Outline) -> None:
    order = [q.id for q in outline.questions()]
    conditional = [q for q in outline.questions() if q.when]
    assert len(conditional) >= 3
    for question in conditional:
        for name in compile_condition(question.when or "").names:
            assert order.index(name) < order.index(question.id), question.id


def test_size_ids_and_both_languages(outline: Outline) -> None:
    items = [q for _, q in outline.items()]
    assert 35 <= len(items) <= 40
    ids = [q.id for q in items]
    assert len(set(ids)) == len(ids)
    for question in items:
        # "<action>:<question id>:<choice>" must fit Telegram's 64-byte callback data.
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,23}", question.id)
        for text in (question.label, question.hint, question.unit):
            if text is None:
                continue
            assert set(text.texts) == {"vi", "en"}, question.id
            for value in text.texts.values():
                assert value.strip() == value and value, question.id
                assert unicodedata.is_normalized("NFC", value)
    vietnamese = " ".join(q.label.get("vi") for q in items)
    assert "đ" in vietnamese and "ư" in vietnamese and "ệ" in vietnamese  # full diacritics
