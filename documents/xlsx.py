"""The XLSX workbook of a compilation: every unit's answers, the totals per child unit, the progress.

Written with openpyxl's write-only workbook, which streams rows to the file instead of keeping a
cell object per value: a province's 10,000 units × 40 questions stay within a few hundred MB.

Text a unit typed is never run as a formula. openpyxl turns a string starting with "=" into a
formula, and a spreadsheet re-reads a cell starting with "=", "+", "-" or "@" as one when it is
edited or the sheet is exported to CSV. Such text is written as a string cell (data type "s") with
quotePrefix set, Excel's own mark for "typed with a leading apostrophe": it shows the text as typed
and keeps it text on editing. Characters XML cannot hold (control characters) are removed, else
Excel asks to repair the file.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dialogs.outline import QuestionType
from dialogs.plan import Item, plan_of
from dialogs.progress import is_unknown
from documents.chart import HasCounts, total_of
from documents.model import Compilation, UnitReport
from documents.totals import Total, number_items, rate, rows

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

DISPLAY_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UNKNOWN_TEXT = "chưa có số liệu"
STATUS_TEXT = {
    "submitted": "Đã nộp",
    "approved": "Đã duyệt",
    "returned": "Bị trả lại",
    "draft": "Đang làm",
    "none": "Chưa bắt đầu",
}
# A spreadsheet cell holds at most 32,767 characters; a longer answer is cut and says so.
_CELL_CHARS = 32_767
_CUT = " …(còn tiếp)"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# How often the progress callback hears about the "Trả lời" sheet: about 20 times a run, and at
# least every 100 units ("Đang tổng hợp 40/120 đơn vị…" moves, the caller throttles its edits).
_PROGRESS_TIMES, _PROGRESS_MOST = 20, 100
# A column heading longer than this is cut (the whole of it in the cell's comment).
_HEADING_CHARS = 90

# Column widths (in characters) by what the column holds.
_WIDTHS = {
    QuestionType.TEXT: 60,
    QuestionType.INTEGER: 14,
    QuestionType.DECIMAL: 14,
    QuestionType.CHOICE: 28,
    QuestionType.MULTI: 36,
    QuestionType.YESNO: 12,
    QuestionType.DATE: 13,
}


def write_xlsx(
    compilation: Compilation,
    progress_counts: Sequence[HasCounts] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    zone: ZoneInfo | None = None,
) -> bytes:
    """The workbook's bytes: sheets "Trả lời", "Chỉ tiêu" and "Tiến độ".

    `progress_counts`: the supervisor's counts per child unit (storage.oversight.Counts) for the
    "Tiến độ" sheet; without them it counts the compilation's own units. `progress(done, total)`
    is called as the units are written. Times are shown in `zone` (None: Asia/Ho_Chi_Minh).
    """
    workbook = Workbook(write_only=True)
    _answers_sheet(workbook, compilation, progress, zone or DISPLAY_TZ)
    _totals_sheet(workbook, compilation)
    _progress_sheet(workbook, compilation, progress_counts)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def text_cell(sheet: WriteOnlyWorksheet, text: str) -> str | WriteOnlyCell:
    """Text as a cell value that no spreadsheet runs as a formula, without characters XML cannot hold."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > _CELL_CHARS:
        text = text[: _CELL_CHARS - len(_CUT)] + _CUT
    if not text.startswith(_FORMULA_START):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl made "=…" a formula: it is the unit's text
    cell.quotePrefix = True
    return cell


def item_heading(item: Item) -> str:
    """A question's full heading: the plan's numbering and the label ("1.1. Công tác tuyên truyền…")."""
    label = " ".join(item.question.label.get("vi").split())
    if label.startswith(item.name + ".") or label.startswith(item.name + " "):
        return label
    return f"{item.name}. {label}"


def shortened(heading: str, limit: int = _HEADING_CHARS) -> str:
    """A heading cut at a word, with "…", to at most `limit` characters."""
    if len(heading) <= limit:
        return heading
    return heading[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _header(sheet: WriteOnlyWorksheet, titles: Sequence[str], widths: Sequence[float]) -> None:
    """Column widths, the frozen header row, the header itself (before any other row: write-only).

    A heading longer than _HEADING_CHARS is cut, the whole of it in the cell's comment: the header
    row is frozen, and the plan's long labels wrapped in a narrow column would fill the screen.
    """
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    cells = []
    for title in titles:
        title = ILLEGAL_CHARACTERS_RE.sub("", title)
        cell = WriteOnlyCell(sheet, value=shortened(title))
        cell.data_type = "s"
        cell.font, cell.alignment = bold, wrap
        if len(title) > _HEADING_CHARS:
            cell.comment = Comment(title, "Báo cáo bot", width=400, height=160)
        cells.append(cell)
    sheet.append(cells)


def _name_width(names: Iterable[str], least: int, most: int = 50) -> int:
    """A column as wide as its longest name, within bounds."""
    return max(least, min(most, max((len(name) for name in names), default=0) + 2))


def _moment_cell(sheet: WriteOnlyWorksheet, moment: datetime | None, zone: ZoneInfo) -> WriteOnlyCell | None:
    if moment is None:
        return None
    # Excel has no time zones: the local time officials read, as a date and time cell.
    local = moment.astimezone(zone).replace(tzinfo=None) if moment.tzinfo else moment
    cell = WriteOnlyCell(sheet, value=local)
    cell.number_format = "DD/MM/YYYY HH:MM"
    return cell


def _answers_sheet(
    workbook: Workbook,
    compilation: Compilation,
    progress: Callable[[int, int], None] | None,
    zone: ZoneInfo,
) -> None:
    sheet = workbook.create_sheet("Trả lời")
    items = plan_of(compilation.outline).answerable
    names = {unit.code: unit.name for unit in compilation.units}
    headings = [item_heading(item) for item in items]
    _header(
        sheet,
        ["Mã", "Đơn vị", "Cấp trên", "Trạng thái", "Phiên bản", "Nộp lúc", *headings],
        [
            _name_width(names, 8),
            _name_width(names.values(), 30),
            _name_width((names.get(u.parent_code or "", u.parent_code or "") for u in compilation.units), 12),
            14,
            10,
            17,
            *(_WIDTHS.get(item.type, 20) for item in items),
        ],
    )
    labels = {item.id: _choice_labels(item) for item in items}
    count = len(compilation.units)
    every = max(1, min(_PROGRESS_MOST, count // _PROGRESS_TIMES))
    for done, unit in enumerate(compilation.units, start=1):
        parent = names.get(unit.parent_code or "", unit.parent_code or "")
        row: list[object] = [
            text_cell(sheet, unit.code),
            text_cell(sheet, unit.name),
            text_cell(sheet, parent),
            STATUS_TEXT.get(unit.status, unit.status),
            unit.version,
            _moment_cell(sheet, unit.submitted_at, zone),
        ]
        row += [_answer_value(sheet, item, unit, labels[item.id]) for item in items]
        sheet.append(row)
        if progress is not None and (done % every == 0 or done == count):
            progress(done, count)
    if progress is not None and not count:
        progress(0, 0)


def _choice_labels(item: Item) -> dict[str, str]:
    return {choice.value: choice.label.get("vi") for choice in item.question.choices}


def _answer_value(sheet: WriteOnlyWorksheet, item: Item, unit: UnitReport, labels: dict[str, str]) -> object:
    """What a unit answered, as a reader of the sheet reads it (numbers stay numbers, to sum)."""
    answer = unit.answers.get(item.id)
    if answer is None or answer.skipped or answer.value is None:
        return None
    if is_unknown(answer):
        return UNKNOWN_TEXT
    value = answer.value
    kind = item.type
    if kind in (QuestionType.INTEGER, QuestionType.DECIMAL) and isinstance(value, int | float):
        return value if not isinstance(value, bool) else int(value)
    if kind is QuestionType.YESNO and isinstance(value, bool):
        return "Có" if value else "Không"
    if kind is QuestionType.CHOICE and isinstance(value, str):
        return text_cell(sheet, labels.get(value, value))
    if kind is QuestionType.MULTI and isinstance(value, list):
        return text_cell(sheet, "; ".join(labels.get(str(v), str(v)) for v in value))
    if kind is QuestionType.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return text_cell(sheet, value)
    if isinstance(value, list):
        return text_cell(sheet, "; ".join(map(str, value)))
    return text_cell(sheet, str(value))


def _figure(total: Total) -> int | float | None:
    """A total as a cell: empty where no unit gave a figure (unknown is never 0)."""
    return total.value if total.given else None


def _totals_sheet(workbook: Workbook, compilation: Compilation) -> None:
    sheet = workbook.create_sheet("Chỉ tiêu")
    items = number_items(compilation)
    titles = ["Mã", "Đơn vị", "Đơn vị đã báo cáo", "Tổng số đơn vị"]
    widths: list[float] = [12, 32, 12, 12]
    for item in items:
        titles += [item_heading(item), f"{item.name}: số đơn vị chưa có số liệu"]
        widths += [22, 14]
        if item.high_of is not None:  # a "trong đó" part: its rate of the total it is part of
            titles.append(f"{item.name}: tỉ lệ so với {item.high_of.name}")
            widths.append(12)
    groups, overall = rows(compilation)
    widths[:2] = [_name_width((g.code for g in groups), 8), _name_width((g.name for g in groups), 30)]
    _header(sheet, titles, widths)
    for row, name in [*((g, g.name) for g in groups), (overall, f"Tổng cộng: {overall.name}")]:
        cells: list[object] = [text_cell(sheet, row.code), text_cell(sheet, name), row.reported, row.units]
        for item in items:
            total = row.totals[item.id]
            cells += [_figure(total), total.unknown or None]
            if item.high_of is not None:
                cells.append(_rate_cell(sheet, total, row.totals.get(item.high_of.id)))
        sheet.append(cells)


def _rate_cell(sheet: WriteOnlyWorksheet, part: Total, whole: Total | None) -> WriteOnlyCell | None:
    """42 of 50 as 84%; empty where either figure is missing or the total is 0, and where a unit has
    no figure for either: the sums would then be over different units, and the rate would mislead."""
    if whole is None or not part.given or not whole.given or part.unknown or whole.unknown:
        return None
    share = rate(part, whole)
    if share is None:
        return None
    cell = WriteOnlyCell(sheet, value=share)
    cell.number_format = "0.0%"
    return cell


def _progress_sheet(workbook: Workbook, compilation: Compilation, counts: Sequence[HasCounts] | None) -> None:
    sheet = workbook.create_sheet("Tiến độ")
    if counts is None:
        _header(sheet, ["Mã", "Đơn vị", "Tổng số đơn vị", "Đã báo cáo", "Chưa báo cáo"], [12, 32, 12, 12, 12])
        reported = {unit.code for unit in compilation.reported}
        lines = [
            (g.code, g.name, len(g.units), sum(code in reported for code in g.units))
            for g in compilation.groups
        ]
        lines.append(("", "Tổng cộng", len(compilation.units), len(reported)))
        for code, name, units, done in lines:
            sheet.append([text_cell(sheet, code), text_cell(sheet, name), units, done, units - done])
        return
    _header(
        sheet,
        ["Mã", "Đơn vị", "Tổng số đơn vị", "Đã nộp", "Đang làm", "Chưa bắt đầu", "Bị trả lại", "Quá hạn"],
        [12, 32, 12, 10, 10, 12, 10, 10],
    )
    fields = ("submitted", "in_progress", "not_started", "returned", "overdue")
    sums = [0] * (1 + len(fields))
    for child in counts:
        figures = [total_of(child), *(getattr(child, name) for name in fields)]
        sums = [a + b for a, b in zip(sums, figures, strict=True)]
        sheet.append([text_cell(sheet, child.code), text_cell(sheet, child.name), *figures])
    sheet.append(["", "Tổng cộng", *sums])
