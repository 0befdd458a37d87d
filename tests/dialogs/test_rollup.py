"""The roll-up draft, pure: narratives under each unit's name, figures summed only where the sum is
the whole truth of the reports in, the unit's own choices and hidden questions left alone."""

from __future__ import annotations

from dialogs.events import Answer, unknown_value
from dialogs.rollup import ByHand, ChildReport, build_draft
from tests.dialogs.rollup_outline import ROLLUP


def commune(name: str, **answers: object) -> ChildReport:
    return ChildReport(name, {"loai": Answer("xa"), **{k: Answer(v) for k, v in answers.items()}})  # type: ignore[arg-type]


HAI_BA = commune("Xã Hải Ba", danh_gia="Làm tốt.", don_nhan=5, don_giai_quyet=4, so_thon=3, co_khen=True)
HAI_QUY = commune("Xã Hải Quy", danh_gia="Còn chậm.", don_nhan=7, don_giai_quyet=7, so_thon=6, co_khen=False)
DISTRICT = {"loai": Answer("cap_tren")}


def reasons(draft: object) -> dict[str, tuple[str, int]]:
    return {h.question_id: (h.reason, h.units) for h in draft.by_hand}  # type: ignore[attr-defined]


def test_two_communes_5_and_7_make_12_and_both_narratives_under_their_names() -> None:
    draft = build_draft(ROLLUP, DISTRICT, [HAI_BA, HAI_QUY], 3)
    answers = draft.answers
    assert answers["don_nhan"].value == 12
    assert answers["don_giai_quyet"].value == 11
    assert answers["danh_gia"].value == "Xã Hải Ba: Làm tốt.\n\nXã Hải Quy: Còn chậm."
    assert (draft.reported, draft.units) == (2, 3)
    # The district's kind is its own; a yes/no is not a sum; a question no unit answered stays open.
    assert "loai" not in answers
    assert reasons(draft)["co_khen"] == ("own", 0)
    assert reasons(draft)["so_hoi_nghi"] == ("none", 0)


def test_a_question_hidden_for_the_district_is_neither_filled_nor_listed() -> None:
    draft = build_draft(ROLLUP, DISTRICT, [HAI_BA, HAI_QUY], 2)
    # "Số thôn" is asked of communes only: the district (cấp huyện) does not answer it.
    assert "so_thon" not in draft.answers
    assert "so_thon" not in reasons(draft)


def test_with_the_kind_unanswered_the_questions_it_decides_wait_for_it() -> None:
    draft = build_draft(ROLLUP, {}, [HAI_BA, HAI_QUY], 2)
    assert "so_thon" not in draft.answers
    assert reasons(draft)["so_thon"] == ("waiting", 0)
    assert reasons(draft)["loai"] == ("own", 0)  # never guessed from the communes'
    assert draft.answers["don_nhan"].value == 12


def test_an_unknown_figure_is_not_summed_silently() -> None:
    unknown = commune("Xã Hải Lâm", danh_gia="Chưa thống kê.", don_nhan=unknown_value())
    draft = build_draft(ROLLUP, DISTRICT, [HAI_BA, HAI_QUY, unknown], 3)
    assert "don_nhan" not in draft.answers  # 12 would read as the district's whole count
    assert reasons(draft)["don_nhan"] == ("unknown", 1)
    # Its "trong đó" part is asked only once the total is in: it waits for the district's own figure.
    assert "don_giai_quyet" not in draft.answers
    assert reasons(draft)["don_giai_quyet"] == ("waiting", 0)


def test_a_part_above_its_total_is_left_unfilled_and_flagged() -> None:
    wrong = commune("Xã Hải Sơn", danh_gia="…", don_nhan=1, don_giai_quyet=9)  # stored before bounds
    draft = build_draft(ROLLUP, DISTRICT, [HAI_BA, wrong], 2)
    assert draft.answers["don_nhan"].value == 6
    assert "don_giai_quyet" not in draft.answers
    assert reasons(draft)["don_giai_quyet"] == ("bound", 2)


def test_a_sum_outside_the_question_range_is_left_unfilled() -> None:
    big = [commune(f"Xã {i}", danh_gia=".", don_nhan=60_000) for i in range(2)]
    draft = build_draft(ROLLUP, DISTRICT, big, 2)
    assert "don_nhan" not in draft.answers
    assert reasons(draft)["don_nhan"] == ("range", 2)


def test_answers_already_given_are_kept_unless_replacing() -> None:
    own = {**DISTRICT, "don_nhan": Answer(20), "danh_gia": Answer("Của huyện.")}
    kept = build_draft(ROLLUP, own, [HAI_BA, HAI_QUY], 2)
    assert "don_nhan" not in kept.answers and "danh_gia" not in kept.answers
    assert kept.answers["don_giai_quyet"].value == 11  # 11 ≤ the district's own 20
    replaced = build_draft(ROLLUP, own, [HAI_BA, HAI_QUY], 2, replace=True)
    assert replaced.answers["don_nhan"].value == 12


def test_a_skipped_optional_answer_and_an_empty_narrative_are_not_written() -> None:
    skipped = ChildReport("Xã Hải Ba", {"loai": Answer("xa"), "so_hoi_nghi": Answer(None, skipped=True)})
    draft = build_draft(ROLLUP, DISTRICT, [skipped, HAI_QUY], 2)
    assert draft.answers["danh_gia"].value == "Xã Hải Quy: Còn chậm."
    assert "so_hoi_nghi" not in draft.answers


def test_narratives_too_long_together_are_left_to_the_official() -> None:
    long = [commune(f"Xã {i}", danh_gia="chữ " * 9000) for i in range(2)]
    draft = build_draft(ROLLUP, DISTRICT, long, 2)
    assert "danh_gia" not in draft.answers
    assert ByHand("danh_gia", "too_long", 2) in draft.by_hand


def test_decimal_sums_read_as_written() -> None:
    from dialogs.loader import load_outline

    outline = load_outline(
        """
format: 1
id: t
version: 1
title: {vi: T, en: T}
languages: [vi, en]
sections:
  - id: s
    title: {vi: S, en: S}
    questions:
      - {id: kinh_phi, type: decimal, label: {vi: Kinh phí, en: Funds}, min: 0, max: 1000}
"""
    )
    children = [ChildReport("A", {"kinh_phi": Answer(0.1)}), ChildReport("B", {"kinh_phi": Answer(0.2)})]
    assert build_draft(outline, {}, children, 2).answers["kinh_phi"].value == 0.3


def test_every_roll_up_message_is_in_both_catalogs() -> None:
    import re
    from pathlib import Path
    from typing import get_args

    from dialogs.rollup import Reason
    from tests.dialogs.conftest import catalog

    root = Path(__file__).resolve().parents[2]
    used = set()
    for path in (root / "dialogs" / "drafting.py", root / "bot" / "cli" / "rollup.py"):
        used |= set(re.findall(r"""["'](rollup\.[a-z_.]+[a-z_])["']""", path.read_text("utf-8")))
    used |= {f"rollup.why.{reason}" for reason in get_args(Reason) if reason != "waiting"}
    for locale in ("vi", "en"):
        assert not used - set(catalog(locale)), locale
