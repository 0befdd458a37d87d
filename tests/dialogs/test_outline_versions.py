"""A report submitted on ct30-20nam version 1 still loads, reviews and compiles once version 2 ships."""

from __future__ import annotations

from dialogs.builtin import get_outline
from dialogs.events import Answer
from dialogs.progress import Progress
from tests.dialogs.conftest import Cadre

V1 = get_outline("ct30-20nam", 1)
V2 = get_outline("ct30-20nam", 2)


def submitted_on_version_1() -> Cadre:
    cadre = Cadre(V1)
    for question in V1.questions():
        cadre.answers[question.id] = Answer(3 if question.is_numeric else "Đơn vị đã triển khai đầy đủ.")
    cadre.send("nộp")
    cadre.submit()  # "có", then the document's details
    assert cadre.submission.status == "submitted"
    return cadre


def test_a_report_submitted_on_version_1_is_reviewed_with_version_1s_questions() -> None:
    cadre = submitted_on_version_1()
    review = cadre.send("xem lại mục 1")
    assert "Số hội nghị, buổi tuyên truyền" in review  # version 1's wording, as it was answered
    assert "Đơn vị báo cáo thuộc loại hình nào?" not in review
    whole = cadre.send(f"xem câu {V1.number('don_da_giai_quyet')}")
    assert "Trong đó, số đơn thư đã giải quyết xong" in whole and "3 đơn" in whole


def test_its_answers_compile_against_the_version_it_was_made_on() -> None:
    cadre = submitted_on_version_1()
    progress = Progress.of(V1, cadre.answers)
    assert progress.answered_count == V1.question_count and not progress.missing
    # Every stored answer names a question of its version; some of them are gone from version 2,
    # so compiling must read the campaign's own version, never the latest.
    assert all(V1.has_question(question_id) for question_id in cadre.answers)
    assert {"so_hoi_nghi_tt", "so_vi_pham", "don_da_giai_quyet"} <= set(cadre.answers) - {
        q.id for q in V2.questions()
    }
