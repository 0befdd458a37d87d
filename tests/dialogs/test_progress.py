"""Progress: the one definition of a visible, answered and missing question, as the cadre's "x/y" shows it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.builtin import get_outline
from dialogs.events import Answer, Attachment, Msg
from dialogs.outline import Question, QuestionType
from dialogs.plan import plan_of
from dialogs.progress import Progress
from tests.dialogs.conftest import Cadre

CT30 = get_outline("ct30-20nam", 1)  # the engine stories below were written on version 1
T = QuestionType


def an_answer(question: Question) -> st.SearchStrategy[Answer | None]:
    """Anything storage may hold for a question: nothing, skipped, empty, a file alone, or a value."""
    values: st.SearchStrategy[object]
    match question.type:
        case T.INTEGER:
            values = st.integers(0, 60)
        case T.DECIMAL:
            values = st.floats(0, 100, allow_nan=False)
        case T.CHOICE:
            values = st.sampled_from([c.value for c in question.choices])
        case T.MULTI:
            values = st.lists(st.sampled_from([c.value for c in question.choices]), max_size=3)
        case T.YESNO:
            values = st.booleans()
        case T.DATE:
            values = st.just("2018-06-15")
        case _:
            values = st.sampled_from(["", "Đã quán triệt Chỉ thị."])
    return st.one_of(
        st.none(),
        st.just(Answer(None, skipped=True)),
        st.just(Answer("", attachments=(Attachment("photo", "f1"),))),
        values.map(lambda v: Answer(v)),  # type: ignore[arg-type]
    )


answer_sets = st.fixed_dictionaries({q.id: an_answer(q) for q in CT30.questions()}).map(
    lambda found: {k: v for k, v in found.items() if v is not None}
)


def said(cadre: Cadre, message_id: str) -> Msg:
    assert cadre.turn is not None
    found = [m for r in cadre.turn.replies for m in r.body if m.id == message_id]
    assert found, (message_id, [m.id for r in cadre.turn.replies for m in r.body])
    return found[0]


@settings(max_examples=60, deadline=None)
@given(answers=answer_sets)
def test_every_question_that_applies_is_answered_missing_or_optional_and_open(
    answers: dict[str, Answer],
) -> None:
    progress = Progress.of(CT30, answers)
    applicable, answered, missing = set(progress.applicable), set(progress.answered), set(progress.missing)
    assert answered <= applicable and missing <= set(progress.required) <= applicable
    assert not answered & {item for item in missing}
    open_optional = {i for i in applicable - answered - missing}
    assert all(not item.required for item in open_optional)
    assert progress.answered_count == len(answered) and progress.applicable_count == len(applicable)
    assert progress.complete is (not missing)
    # What the conditions hide does not depend on the cache.
    plan = plan_of(CT30)
    values = {k: None if a.skipped else a.value for k, a in answers.items()}
    assert progress.hidden == plan.hidden(values)


@settings(max_examples=40, deadline=None)
@given(answers=answer_sets)
def test_the_cadre_reads_the_same_counts_as_progress(answers: dict[str, Answer]) -> None:
    progress = Progress.of(CT30, answers)
    cadre = Cadre(CT30)
    cadre.answers = dict(answers)
    cadre.send("nộp")
    if progress.missing:
        assert said(cadre, "engine.submit.missing").params["count"] == len(progress.missing)
    elif not progress.bound_problems:
        asked = said(cadre, "engine.submit.confirm").params
        assert (asked["answered"], asked["total"]) == (progress.answered_count, progress.applicable_count)
    cadre.send("/baocao")
    if progress.answered_count:
        assert said(cadre, "engine.start.resume").params["answered"] == progress.answered_count


def test_a_question_that_does_not_apply_is_neither_counted_nor_missing() -> None:
    plan = plan_of(CT30)
    conditional = next(item for item in plan.answerable if item.question.when == "so_hoi_nghi_tt > 0")
    none_held = Progress.of(CT30, {"so_hoi_nghi_tt": Answer(0)})
    some_held = Progress.of(CT30, {"so_hoi_nghi_tt": Answer(3)})
    assert not none_held.visible(conditional) and conditional not in none_held.missing
    assert some_held.visible(conditional) and conditional in some_held.missing
    assert none_held.applicable_count == some_held.applicable_count - 1
    assert none_held.total == some_held.total == 35


def test_a_skipped_optional_question_counts_as_answered_a_skipped_required_one_is_missing() -> None:
    plan = plan_of(CT30)
    optional = next(item for item in plan.answerable if not item.required)
    required = next(item for item in plan.answerable if item.required)
    skipped = Answer(None, skipped=True)
    progress = Progress.of(CT30, {optional.id: skipped, required.id: skipped})
    assert progress.is_answered(optional) and optional not in progress.missing
    assert not progress.is_answered(required) and required in progress.missing
    assert progress.answered_count == 1
