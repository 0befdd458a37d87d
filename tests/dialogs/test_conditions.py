"""Skip logic: a question asked only when earlier answers say so, evaluated without eval()."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.conditions import ConditionError, compile_condition


def holds(expr: str, **answers: object) -> bool:
    return compile_condition(expr).evaluate(answers)


# --- what an outline author writes -----------------------------------------------------------------


def test_resolved_letters_are_asked_only_when_letters_were_received() -> None:
    assert holds("don_nhan > 0", don_nhan=12)
    assert not holds("don_nhan > 0", don_nhan=0)
    assert not holds("don_nhan > 0")  # not answered yet: the follow-up is not asked


def test_comparisons_of_numbers_texts_and_dates() -> None:
    assert holds("so_thon >= 10", so_thon=10)
    assert holds("so_thon < 10.5", so_thon=10)
    assert holds("so_thon != 3", so_thon=4)
    assert holds("0 < so_thon <= 50", so_thon=50)
    assert not holds("0 < so_thon <= 50", so_thon=51)
    assert holds("loai_hinh == 'xa'", loai_hinh="xa")
    assert holds("ngay >= '2018-01-01'", ngay="2018-06-30")  # dates are ISO strings
    assert holds("nhiet_do > -5", nhiet_do=0)


def test_a_single_choice_among_values_and_a_ticked_multi_choice() -> None:
    assert holds("loai_hinh in ['xa', 'phuong']", loai_hinh="phuong")
    assert not holds("loai_hinh in ('xa', 'phuong')", loai_hinh="co_quan")
    assert holds("loai_hinh not in ['xa']", loai_hinh="co_quan")
    assert holds("'khac' in linh_vuc", linh_vuc=["dat_dai", "khac"])
    assert not holds("'khac' in linh_vuc", linh_vuc=["dat_dai"])
    assert holds("'khac' not in linh_vuc", linh_vuc=[])


def test_yes_no_answers_with_and_or_not_and_lowercase_words() -> None:
    assert holds("co_bcd", co_bcd=True)
    assert holds("not co_bcd", co_bcd=False)
    assert holds("co_bcd == true", co_bcd=True)
    assert holds("co_bcd == True and (so_thon > 0 or loai_hinh == 'xa')", co_bcd=True, loai_hinh="xa")
    assert not holds("co_bcd == false", co_bcd=True)
    assert not holds("co_bcd == 1", co_bcd=True)  # a yes is not the number 1


def test_unanswered_questions_are_none_and_compare_false() -> None:
    for expr in (
        "x > 0",
        "x < 0",
        "x == 5",
        "x != 5",
        "x in [1, 2]",
        "x not in [1, 2]",
        "'a' in x",
        "'a' not in x",
        "x == y",
        "x",
    ):
        assert holds(expr) is False, expr
    assert holds("x == None")
    assert holds("x == none")
    assert not holds("x != None")
    assert holds("x != None", x=0)
    assert holds("not (x > 0)")  # `not` flips the False of an unanswered comparison


def test_values_of_another_kind_compare_false_rather_than_crash() -> None:
    assert not holds("x > 5", x="năm")
    assert not holds("x > 'a'", x=5)
    assert not holds("'a' in x", x=3)
    assert not holds("x in 'abc'", x=1)
    assert holds("x in 'abc'", x="b")


def test_names_lists_the_questions_a_condition_reads() -> None:
    condition = compile_condition("don_nhan > 0 and (loai_hinh == 'xa' or co_bcd == true)")
    assert condition.names == frozenset({"don_nhan", "loai_hinh", "co_bcd"})
    assert compile_condition("true").names == frozenset()


def test_compiled_conditions_are_cached() -> None:
    assert compile_condition("a > 1") is compile_condition("a > 1")


# --- what is refused ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr",
    [
        "__import__('os').system('ls')",
        "open('/etc/passwd')",
        "x.__class__",
        "x.real > 0",
        "x[0] == 'a'",
        "(lambda: 1)()",
        "lambda: True",
        "x + 1 > 2",
        "-x > 1",
        "x is None",
        "x is not None",
        "[y for y in x]",
        "(y := 1)",
        "f'{x}' == 'a'",
        "1 if x else 0",
        "{'a': 1}",
        "{'a'} == x",
        "b'a' == x",
        "1j == x",
        "x in [*y]",
        "x in [y]",
        "... == x",
    ],
)
def test_anything_but_comparisons_and_logic_is_refused(expr: str) -> None:
    with pytest.raises(ConditionError) as caught:
        compile_condition(expr)
    assert caught.value.message_id.startswith("outline.error.condition_")
    assert caught.value.params.get("text")


def test_a_list_is_only_allowed_after_in() -> None:
    with pytest.raises(ConditionError) as caught:
        compile_condition("[1, 2] == x")
    assert caught.value.message_id == "outline.error.condition_list_position"
    assert caught.value.params == {"text": "[1, 2]"}


def test_syntax_errors_empty_and_overlong_conditions() -> None:
    with pytest.raises(ConditionError) as caught:
        compile_condition("don_nhan >")
    assert caught.value.message_id == "outline.error.condition_syntax"
    assert isinstance(caught.value.params["position"], int)
    with pytest.raises(ConditionError) as caught:
        compile_condition("   ")
    assert caught.value.message_id == "outline.error.condition_empty"
    with pytest.raises(ConditionError) as caught:
        compile_condition(" or ".join(["x > 1"] * 200))
    assert caught.value.message_id == "outline.error.condition_too_long"
    with pytest.raises(ConditionError):
        compile_condition("(" * 90 + "x" + ")" * 90 + " and x\0")


# --- never an exception at evaluation time ---------------------------------------------------------

NAMES = ("a", "b", "c")

answer_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.sampled_from(["xa", "khac", "dat_dai", ""]), max_size=3),
)
answer_maps = st.dictionaries(st.sampled_from(NAMES), answer_values)

constants = st.one_of(
    st.integers(min_value=-100, max_value=100).map(str),
    st.floats(min_value=-100, max_value=100, allow_nan=False).map(repr),
    st.sampled_from(["'xa'", "'khac'", "''", "True", "False", "None", "true", "false", "none"]),
)
operands = st.one_of(st.sampled_from(NAMES), constants)
comparisons = st.one_of(
    st.tuples(operands, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), operands).map(" ".join),
    st.tuples(
        operands,
        st.sampled_from(["in", "not in"]),
        st.one_of(
            st.sampled_from(NAMES),
            st.lists(constants, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        ),
    ).map(" ".join),
    operands,
)
conditions = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        inner.map(lambda e: f"not ({e})"),
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(expr=conditions, answers=answer_maps)
def test_any_allowed_condition_evaluates_to_a_bool_on_any_answers(
    expr: str, answers: dict[str, object]
) -> None:
    result = compile_condition(expr).evaluate(answers)
    assert isinstance(result, bool)


@settings(max_examples=300, deadline=None)
@given(expr=conditions)
def test_nothing_answered_yet_never_raises(expr: str) -> None:
    assert isinstance(compile_condition(expr).evaluate({}), bool)


@settings(max_examples=300, deadline=None)
@given(expr=st.text(max_size=60))
def test_any_text_either_compiles_or_is_a_condition_error(expr: str) -> None:
    try:
        condition = compile_condition(expr)
    except ConditionError as error:
        assert error.message_id.startswith("outline.error.condition_")
    else:
        assert isinstance(condition.evaluate({}), bool)
