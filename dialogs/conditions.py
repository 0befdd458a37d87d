"""Skip logic: the `when:` condition of a question, parsed and evaluated safely (never eval()).

A condition is a small Python-like expression over the answers to earlier questions::

    don_nhan > 0
    loai_hinh in ['xa', 'phuong'] and not co_bcd
    'khac' in linh_vuc                      # a value ticked in a multi-choice answer
    0 < so_thon <= 50 or ghi_chu != None

Allowed: question ids; constants (numbers, 'strings', True/False/None, also written true/false/none);
comparisons == != < <= > >= (chains too); `in` / `not in` with a list of constants or a multi-choice
answer on the right; `and`, `or`, `not`; parentheses; a minus sign before a number. Nothing else:
no calls, attributes, subscripts, arithmetic or lambdas.

An unanswered (or skipped) question is None. A comparison involving None is False (so is `not in`),
except `== None` / `!= None`; values that cannot be ordered against each other (a number and a
text) compare False too. A bare question id is true when its answer is truthy (yes, a non-zero
number, a non-empty text or list). Evaluation never raises.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

MAX_LENGTH = 500  # long enough for any sane rule; keeps ast.parse away from pathological nesting

# Lower-case literals, because outline authors write YAML, where true/false/null are lower-case.
_LITERAL_WORDS: Mapping[str, object] = {"true": True, "false": False, "none": None}
RESERVED_WORDS = frozenset(_LITERAL_WORDS)

_Value = object
_Getter = Callable[[Mapping[str, object]], _Value]


class ConditionError(Exception):
    """A condition that cannot be used; `message_id` and `params` say why, for the catalogs."""

    def __init__(self, message_id: str, params: Mapping[str, object] | None = None) -> None:
        super().__init__(message_id, dict(params or {}))
        self.message_id = message_id
        self.params: dict[str, object] = dict(params or {})


@dataclass(frozen=True)
class Condition:
    """A compiled `when:` condition."""

    expr: str
    names: frozenset[str]  # the question ids it reads
    _test: Callable[[Mapping[str, object]], bool] = field(compare=False, repr=False)

    def evaluate(self, values: Mapping[str, object]) -> bool:
        """Whether the condition holds for these answers (missing ids count as unanswered)."""
        return self._test(values)


@lru_cache(maxsize=4096)
def compile_condition(expr: str) -> Condition:
    """Parse and check a condition; raises ConditionError if it is not allowed."""
    source = expr.strip()
    if not source:
        raise ConditionError("outline.error.condition_empty")
    if len(source) > MAX_LENGTH:
        raise ConditionError("outline.error.condition_too_long", {"max": MAX_LENGTH})
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise ConditionError("outline.error.condition_syntax", {"position": error.offset or 1}) from None
    except (ValueError, RecursionError, MemoryError):
        raise ConditionError("outline.error.condition_syntax", {"position": 1}) from None
    names: set[str] = set()
    test = _Compiler(source, names).boolean(tree.body)
    return Condition(expr=expr, names=frozenset(names), _test=test)


# --- compiling: each allowed node becomes a closure; everything else is rejected -----------------


_CONSTANT_TYPES = (int, float, str, bool, type(None))


class _Compiler:
    """Turns an allowed syntax tree into nested closures; anything else raises ConditionError."""

    def __init__(self, source: str, names: set[str]) -> None:
        self.source = source
        self.names = names

    def forbidden(
        self, node: ast.AST, message_id: str = "outline.error.condition_forbidden"
    ) -> ConditionError:
        """The error for a construct that is not allowed, quoting it as written."""
        text = ast.get_source_segment(self.source, node) or type(node).__name__
        return ConditionError(message_id, {"text": text})

    def boolean(self, node: ast.expr) -> Callable[[Mapping[str, object]], bool]:
        """A node used as a truth value."""
        if isinstance(node, ast.BoolOp):
            parts = tuple(self.boolean(value) for value in node.values)
            if isinstance(node.op, ast.And):
                return lambda values: all(part(values) for part in parts)
            return lambda values: any(part(values) for part in parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.boolean(node.operand)
            return lambda values: not inner(values)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, (ast.Name, ast.Constant, ast.UnaryOp)):
            getter = self.operand(node)
            return lambda values: _truthy(getter(values))
        raise self.forbidden(node)

    def compare(self, node: ast.Compare) -> Callable[[Mapping[str, object]], bool]:
        """A (possibly chained) comparison."""
        operands = (node.left, *node.comparators)
        getters: list[_Getter] = [self.operand(node.left)]
        checks: list[Callable[[object, object], bool]] = []
        for i, (op, right_node) in enumerate(zip(node.ops, node.comparators, strict=True)):
            if type(op) not in _OPERATORS:
                raise ConditionError(
                    "outline.error.condition_forbidden", {"text": _OP_WORDS.get(type(op), "?")}
                )
            if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right_node, (ast.List, ast.Tuple)):
                getters.append(self.constant_list(right_node))
            else:
                getters.append(self.operand(right_node))
            if isinstance(op, (ast.Eq, ast.NotEq)) and (
                _is_none_literal(operands[i]) or _is_none_literal(operands[i + 1])
            ):
                # `x == None` / `x != None` is how an author asks "unanswered?": plain equality.
                checks.append(_equal if isinstance(op, ast.Eq) else _not_equal)
            else:
                checks.append(_OPERATORS[type(op)])
        frozen_getters = tuple(getters)
        frozen_checks = tuple(checks)

        def test(values: Mapping[str, object]) -> bool:
            a = frozen_getters[0](values)
            for check, right in zip(frozen_checks, frozen_getters[1:], strict=True):
                b = right(values)
                if not check(a, b):
                    return False
                a = b
            return True

        return test

    def operand(self, node: ast.expr) -> _Getter:
        """A question's answer or a constant."""
        if isinstance(node, ast.Name):
            if node.id in _LITERAL_WORDS:
                literal = _LITERAL_WORDS[node.id]
                return lambda values: literal
            name = node.id
            self.names.add(name)
            return lambda values: values.get(name)
        constant = self.constant(node)
        return lambda values: constant

    def constant(self, node: ast.expr) -> object:
        """A literal value: number, text, True/False/None, or a signed number."""
        if isinstance(node, ast.Constant) and isinstance(node.value, _CONSTANT_TYPES):
            return node.value
        if isinstance(node, ast.Name) and node.id in _LITERAL_WORDS:
            return _LITERAL_WORDS[node.id]
        if (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, (ast.USub, ast.UAdd))
            and isinstance(node.operand, ast.Constant)
            and _is_number(node.operand.value)
        ):
            number = node.operand.value
            return -number if isinstance(node.op, ast.USub) else number
        if isinstance(node, (ast.List, ast.Tuple)):
            raise self.forbidden(node, "outline.error.condition_list_position")
        raise self.forbidden(node)

    def constant_list(self, node: ast.List | ast.Tuple) -> _Getter:
        """A list of literals, the right side of `in`."""
        items = [self.constant(element) for element in node.elts]
        if any(isinstance(item, (list, tuple)) for item in items):  # pragma: no cover - constant() refuses
            raise self.forbidden(node)
        frozen = list(items)
        return lambda values: frozen


# --- evaluating: total functions, None-safe -------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _truthy(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    try:
        return bool(value)
    except Exception:  # an odd value in the answers must not break a turn
        return False


def _orderable(a: object, b: object) -> bool:
    return (_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str))


def _equal(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) != isinstance(b, bool):
        return False  # yes/no answers are not the numbers 1 and 0
    try:
        return bool(a == b)
    except Exception:
        return False


def _contains(a: object, b: object) -> bool:
    if a is None or b is None:
        return False
    if isinstance(b, str):
        return isinstance(a, str) and a in b
    if isinstance(b, (list, tuple, set, frozenset)):
        return any(_equal(a, item) for item in b)
    return False


def _ordered(check: Callable[[object, object], bool]) -> Callable[[object, object], bool]:
    def compare(a: object, b: object) -> bool:
        return _orderable(a, b) and check(a, b)

    return compare


def _not_equal(a: object, b: object) -> bool:
    return not _equal(a, b)


def _answered(check: Callable[[object, object], bool]) -> Callable[[object, object], bool]:
    """The comparison, False as soon as either side is None (an unanswered question)."""

    def compare(a: object, b: object) -> bool:
        return a is not None and b is not None and check(a, b)

    return compare


def _is_none_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return node.value is None
    return isinstance(node, ast.Name) and node.id == "none"


_OPERATORS: Mapping[type[ast.cmpop], Callable[[object, object], bool]] = {
    ast.Eq: _answered(_equal),
    ast.NotEq: _answered(_not_equal),
    ast.Lt: _ordered(lambda a, b: a < b),  # type: ignore[operator]
    ast.LtE: _ordered(lambda a, b: a <= b),  # type: ignore[operator]
    ast.Gt: _ordered(lambda a, b: a > b),  # type: ignore[operator]
    ast.GtE: _ordered(lambda a, b: a >= b),  # type: ignore[operator]
    ast.In: _answered(_contains),
    ast.NotIn: _answered(lambda a, b: not _contains(a, b)),
}

_OP_WORDS: Mapping[type[ast.cmpop], str] = {ast.Is: "is", ast.IsNot: "is not"}
