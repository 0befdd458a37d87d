"""Progress per section: the sections a supervisor's "tiến độ" counts as done for a unit."""

from __future__ import annotations

from hypothesis import given, settings

from dialogs.events import Answer
from dialogs.outline import Localized, Outline, Question, QuestionType, Section
from dialogs.plan import plan_of
from dialogs.progress import Progress
from tests.dialogs.test_progress import CT30, answer_sets

T = QuestionType


def _label(text: str) -> Localized:
    return Localized({"vi": text, "en": text})


def _outline() -> Outline:
    """I: two required numbers, the second only if the first is above zero; II: optional only;
    III: a note and one required text; IV: only a note."""
    return Outline(
        id="sections-mini",
        version=1,
        title=_label("Mẫu"),
        sections=(
            Section(
                "I",
                _label("Lãnh đạo"),
                (
                    Question("hoi_nghi", T.INTEGER, _label("Số hội nghị")),
                    Question("luot", T.INTEGER, _label("Số lượt"), when="hoi_nghi > 0"),
                ),
            ),
            Section(
                "II", _label("Ghi chú"), (Question("ghi_chu", T.TEXT, _label("Ghi chú"), required=False),)
            ),
            Section(
                "III",
                _label("Kiến nghị"),
                (
                    Question("huong_dan", T.NOTE, _label("Hướng dẫn")),
                    Question("kien_nghi", T.TEXT, _label("Kiến nghị")),
                ),
            ),
            Section("IV", _label("Hết"), (Question("het", T.NOTE, _label("Cảm ơn")),)),
        ),
    )


MINI = _outline()


def test_nothing_answered_is_no_section_done() -> None:
    assert Progress.of(MINI, {}).sections_answered == ()


def test_a_section_is_done_when_every_required_question_that_applies_is_answered() -> None:
    # No hội nghị: "số lượt" does not apply, so section I is done with one answer.
    assert Progress.of(MINI, {"hoi_nghi": Answer(0)}).sections_answered == ("I",)
    # Some hội nghị: "số lượt" applies and is missing, so section I is not done yet.
    assert Progress.of(MINI, {"hoi_nghi": Answer(3)}).sections_answered == ()
    both = {"hoi_nghi": Answer(3), "luot": Answer(120)}
    assert Progress.of(MINI, both).sections_answered == ("I",)


def test_a_section_of_optional_questions_is_done_once_one_is_answered_or_skipped_on_purpose() -> None:
    assert Progress.of(MINI, {"ghi_chu": Answer(None, skipped=True)}).sections_answered == ("II",)
    assert Progress.of(MINI, {"ghi_chu": Answer("Không có.")}).sections_answered == ("II",)


def test_a_skipped_required_question_leaves_its_section_open_and_notes_never_count() -> None:
    answers = {"kien_nghi": Answer(None, skipped=True), "hoi_nghi": Answer(0)}
    assert Progress.of(MINI, answers).sections_answered == ("I",)
    everything = {"hoi_nghi": Answer(0), "ghi_chu": Answer("Có."), "kien_nghi": Answer("Đề nghị…")}
    # IV holds only a note: nothing there to answer, so never counted as done.
    assert Progress.of(MINI, everything).sections_answered == ("I", "II", "III")


@settings(max_examples=60, deadline=None)
@given(answers=answer_sets)
def test_a_done_section_has_no_missing_question_and_an_answered_one(answers: dict[str, Answer]) -> None:
    progress = Progress.of(CT30, answers)
    plan = plan_of(CT30)
    done = set(progress.sections_answered)
    for index, section in enumerate(CT30.sections):
        applicable = [item for item in progress.applicable if item.section == index]
        missing = [item for item in progress.missing if item.section == index]
        answered = [item for item in applicable if progress.is_answered(item)]
        assert (section.id in done) is (bool(answered) and not missing)
    assert list(progress.sections_answered) == [s.id for s in CT30.sections if s.id in done]
    assert progress.complete is (not progress.missing)
    assert plan.sections == len(CT30.sections)
