"""The totals of every number in a compilation: per group and overall, unknown figures counted apart.

A unit that said it has no figure ("chưa có số liệu", `dialogs.progress.is_unknown`) is never a 0:
it is counted in `unknown`, and the total is the sum of the units that gave a figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dialogs.outline import QuestionType
from dialogs.plan import Item, plan_of
from dialogs.progress import is_unknown
from documents.model import Compilation, UnitReport

_NUMBERS = (QuestionType.INTEGER, QuestionType.DECIMAL)


@dataclass(frozen=True)
class Total:
    """One number summed over some units."""

    value: int | float  # the sum of the figures given
    given: int  # units that gave a figure
    unknown: int  # units that said they have none ("3 đơn vị chưa có số liệu")


@dataclass(frozen=True)
class Row:
    """A row of the annex: a group (or the whole) with the total of each number question."""

    code: str
    name: str
    reported: int  # units of the row whose report is in
    units: int  # units of the row
    totals: dict[str, Total]  # question id → total


def number_items(compilation: Compilation) -> tuple[Item, ...]:
    """The integer and decimal questions of the outline, in order."""
    return tuple(item for item in plan_of(compilation.outline).answerable if item.type in _NUMBERS)


def total(items: Iterable[Item], units: Iterable[UnitReport]) -> dict[str, Total]:
    """Each question's total over the units' answers."""
    items = tuple(items)
    sums: dict[str, list[int | float]] = {item.id: [0, 0, 0] for item in items}
    for unit in units:
        for item in items:
            answer = unit.answers.get(item.id)
            if answer is None or answer.skipped:
                continue
            row = sums[item.id]
            if is_unknown(answer):
                row[2] += 1
            elif isinstance(answer.value, int | float) and not isinstance(answer.value, bool):
                row[0] += answer.value
                row[1] += 1
    return {key: Total(value, int(given), int(unknown)) for key, (value, given, unknown) in sums.items()}


def rows(compilation: Compilation) -> tuple[tuple[Row, ...], Row]:
    """One row per group and the total row, over the reported units only."""
    items = number_items(compilation)
    reported = {u.code: u for u in compilation.reported}
    result = []
    for group in compilation.groups:
        members = [reported[code] for code in group.units if code in reported]
        result.append(Row(group.code, group.name, len(members), len(group.units), total(items, members)))
    overall = Row(
        compilation.unit_code,
        compilation.unit_name,
        len(reported),
        len(compilation.units),
        total(items, reported.values()),
    )
    return tuple(result), overall


def rate(part: Total, whole: Total) -> float | None:
    """A "trong đó" part over its total (42/50 → 0.84); None where the total is 0 or unknown."""
    if not whole.value:
        return None
    return part.value / whole.value
