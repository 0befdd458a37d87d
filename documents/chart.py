"""The progress chart: one stacked horizontal bar per child unit, as a PNG a supervisor reads on a phone.

Drawn on a `matplotlib.figure.Figure` with the Agg canvas, never through pyplot, so that no figure
or setting is left behind in a long-running process (pyplot keeps every figure it makes until closed).

Overdue is not a fifth slice of the bar: `overdue` counts units that are also in progress, not
started or returned (storage.oversight.Counts), so stacking it would count them twice and make the
bar longer than the unit has units. It is drawn as red hatching laid over the not-submitted part of
the bar, from its left end, and named in the legend and in the figures at the bar's end.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

# More bars than this do not read on a phone screen: the units with the fewest missing reports
# beyond it are summed into one bar, "khác".
MAX_BARS = 25
_NAME_CHARS = 30  # a longer unit name is cut with "…" so the bars keep their width
_WIDTH_PX = 1080  # a phone screen's width; Telegram and Zalo keep photos up to 1280 px
_DPI = 120

# (attribute, legend label, colour): the statuses that add up to a unit's total.
_SERIES = (
    ("submitted", "Đã nộp", "#2e7d32"),
    ("in_progress", "Đang làm", "#f9a825"),
    ("not_started", "Chưa bắt đầu", "#9e9e9e"),
    ("returned", "Bị trả lại", "#6a1b9a"),
)
_OVERDUE = ("Quá hạn", "#c62828")


class HasCounts(Protocol):
    """What the chart reads of a child unit: storage.oversight.Counts has it, so does ChildProgress."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def submitted(self) -> int: ...
    @property
    def in_progress(self) -> int: ...
    @property
    def not_started(self) -> int: ...
    @property
    def returned(self) -> int: ...
    @property
    def overdue(self) -> int: ...


@dataclass(frozen=True)
class ChildProgress:
    """A child unit's grassroots units by status; overdue is part of the ones not submitted."""

    code: str
    name: str
    submitted: int = 0
    in_progress: int = 0
    not_started: int = 0
    returned: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.submitted + self.in_progress + self.not_started + self.returned


def total_of(child: HasCounts) -> int:
    """The units of a child: every status but overdue, which is counted within them."""
    return child.submitted + child.in_progress + child.not_started + child.returned


def bars(children: Sequence[HasCounts], limit: int = MAX_BARS) -> list[ChildProgress]:
    """The bars to draw, in the children's order: all of them, or, past `limit`, the `limit - 1`
    with the most units not submitted and one bar "khác (N đơn vị)" summing the rest."""
    rows = [
        ChildProgress(c.code, c.name, c.submitted, c.in_progress, c.not_started, c.returned, c.overdue)
        for c in children
    ]
    if len(rows) <= limit:
        return rows
    # A supervisor opens the chart to see who is behind: those keep their own bar.
    by_missing = sorted(range(len(rows)), key=lambda i: (-(rows[i].total - rows[i].submitted), i))
    kept = set(by_missing[: limit - 1])
    rest = [row for i, row in enumerate(rows) if i not in kept]
    other = ChildProgress(
        "",
        f"khác ({len(rest)} đơn vị)",
        sum(r.submitted for r in rest),
        sum(r.in_progress for r in rest),
        sum(r.not_started for r in rest),
        sum(r.returned for r in rest),
        sum(r.overdue for r in rest),
    )
    return [row for i, row in enumerate(rows) if i in kept] + [other]


def _short(name: str) -> str:
    return name if len(name) <= _NAME_CHARS else name[: _NAME_CHARS - 1].rstrip() + "…"


def write_chart(title: str, when: date, children: Sequence[HasCounts]) -> bytes:
    """The PNG: a stacked bar per child unit (at most MAX_BARS), the campaign title and date above."""
    rows = bars(children)
    height_in = 1.9 + 0.42 * max(len(rows), 1)
    figure = Figure(figsize=(_WIDTH_PX / _DPI, height_in), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    # The first child at the top, as a list reads.
    positions = list(range(len(rows)))[::-1]
    left = [0] * len(rows)
    for attribute, label, colour in _SERIES:
        values = [getattr(row, attribute) for row in rows]
        axes.barh(positions, values, left=left, color=colour, height=0.7, label=label)
        left = [a + b for a, b in zip(left, values, strict=True)]
    overdue_label, overdue_colour = _OVERDUE
    axes.barh(
        positions,
        [row.overdue for row in rows],
        left=[row.submitted for row in rows],
        height=0.7,
        fill=False,
        hatch="///",
        edgecolor=overdue_colour,
        linewidth=0,
    )
    widest = max((row.total for row in rows), default=0)
    for position, row in zip(positions, rows, strict=True):
        figures = f"{row.submitted}/{row.total}"
        if row.overdue:
            figures += f" · {row.overdue} quá hạn"
        axes.text(row.total + widest * 0.01, position, figures, va="center", fontsize=10)
    axes.set_yticks(positions, [_short(row.name) for row in rows], fontsize=11)
    axes.set_xlim(0, max(widest * 1.35, 1))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # units are counted whole
    axes.set_xlabel("Số đơn vị cơ sở", fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    handles, _ = axes.get_legend_handles_labels()
    handles.append(Patch(facecolor="white", edgecolor=overdue_colour, hatch="///", label=overdue_label))
    axes.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=5,
        fontsize=9,
        frameon=False,
        handlelength=1.2,
        columnspacing=0.8,
    )
    figure.suptitle(
        f"{title}\nTiến độ ngày {when:%d/%m/%Y}" if title else f"Tiến độ ngày {when:%d/%m/%Y}",
        fontsize=12,
        wrap=True,
    )
    if not rows:
        axes.text(0.5, 0.5, "Chưa có đơn vị nào", transform=axes.transAxes, ha="center", va="center")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()
