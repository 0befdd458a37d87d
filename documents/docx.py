"""The compiled report as a DOCX laid out as a Party report (Hướng dẫn 36-HD/VPTW).

A4; margins top and bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 14 pt. The header block is
a borderless two-column table (the committee over "*" and "Số …" at the left, "ĐẢNG CỘNG SẢN VIỆT NAM"
underlined and the place and date in italics at the right); then "BÁO CÁO" and the campaign's title,
an opening paragraph, the body in the outline's order grouped by its parts (`Outline.parts`), the units
that did not report, the signature block with "Nơi nhận", and an annex of the numbers per group.

Fast: python-docx's `add_paragraph` looks for the body's last element each time, so writing n
paragraphs that way takes time in n². Here the body's elements are built with lxml and appended in
constant time; python-docx only provides the package (styles, settings) and saves it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from babel.numbers import format_decimal
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree

from dialogs.outline import Outline, QuestionType, Section
from dialogs.plan import Item, plan_of
from dialogs.progress import is_unknown
from documents import totals
from documents.model import Compilation, UnitReport

FONT = "Times New Roman"
SIZE = 14  # pt, the body
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
A4_MM = (210, 297)
TWIPS_PER_MM = 1440 / 25.4
NO_FIGURES = "chưa có số liệu"
# What the annex puts side by side: the unit's name and this many numbers a table.
ANNEX_COLUMNS = 3

# Characters XML 1.0 cannot hold (C0 controls but tab/newline/return, lone surrogates, U+FFFE/FFFF):
# written, Word asks to repair the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINES = re.compile(r"\s*\n\s*")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV")
_PART_ORDINALS = ("nhất", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười")

_W = qn("w:p")
_PPR, _RPR, _R, _T = qn("w:pPr"), qn("w:rPr"), qn("w:r"), qn("w:t")
_JC, _IND, _SPACING, _KEEP = qn("w:jc"), qn("w:ind"), qn("w:spacing"), qn("w:keepNext")
_B, _I, _U, _SZ, _SZCS = qn("w:b"), qn("w:i"), qn("w:u"), qn("w:sz"), qn("w:szCs")
_VAL = qn("w:val")
_HOLD = qn("w:customXml")  # a scratch holder of built paragraphs, removed before saving
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

Progress = Callable[[int, int], None]


def clean(text: str) -> str:
    """A text Word can open: characters XML cannot hold removed."""
    return _NOT_XML.sub("", text)


def number_text(value: int | float) -> str:
    """A figure as Vietnamese officials write it: 1.234 and 12,5."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return format_decimal(value, locale="vi")
    return format_decimal(value, format="#,##0.##", locale="vi")


def rate_text(part: totals.Total, whole: totals.Total) -> str | None:
    """A "trong đó" part over its total: "42/50 = 84%" (None where the total is 0)."""
    share = totals.rate(part, whole)
    if share is None:
        return None
    percent = round(share * 100, 1)
    return f"{number_text(part.value)}/{number_text(whole.value)} = {number_text(percent)}%"


def date_line(place: str, signed_on: date | None) -> str:
    """ "Hải Lăng, ngày 30 tháng 7 năm 2018"; the day left blank to fill by hand when not set."""
    prefix = f"{place}, " if place else ""
    if signed_on is None:
        return f"{prefix}ngày     tháng     năm 20..."
    return f"{prefix}ngày {signed_on.day} tháng {signed_on.month} năm {signed_on.year}"


class _Body:
    """Paragraphs and tables appended to a body element in constant time each."""

    def __init__(self, parent: etree._Element) -> None:
        self.parent = parent

    def p(
        self,
        text: str | Sequence[tuple[str, str]] = "",
        *,
        style: str = "",
        align: str | None = None,
        indent: bool = True,
        size: float | None = None,
        keep_next: bool = False,
        after: int | None = None,
        parent: etree._Element | None = None,
    ) -> etree._Element:
        """A paragraph of runs; `text` is one run, or (text, flags) pairs where flags hold b/i/u.
        `style` gives the flags of a single run."""
        p = etree.SubElement(self.parent if parent is None else parent, _W)
        if align or not indent or keep_next or after is not None:
            ppr = etree.SubElement(p, _PPR)
            if keep_next:
                etree.SubElement(ppr, _KEEP)
            if after is not None:
                etree.SubElement(ppr, _SPACING).set(qn("w:after"), str(after))
            if not indent:
                etree.SubElement(ppr, _IND).set(qn("w:firstLine"), "0")
            if align:
                etree.SubElement(ppr, _JC).set(_VAL, align)
        runs = ((text, style),) if isinstance(text, str) else text
        for chunk, flags in runs:
            if not chunk:
                continue
            r = etree.SubElement(p, _R)
            if flags or size:
                rpr = etree.SubElement(r, _RPR)
                if "b" in flags:
                    etree.SubElement(rpr, _B)
                if "i" in flags:
                    etree.SubElement(rpr, _I)
                if size:  # the schema's order: b, i, sz, szCs, u
                    etree.SubElement(rpr, _SZ).set(_VAL, str(int(size * 2)))
                    etree.SubElement(rpr, _SZCS).set(_VAL, str(int(size * 2)))
                if "u" in flags:
                    etree.SubElement(rpr, _U).set(_VAL, "single")
            t = etree.SubElement(r, _T)
            t.text = clean(chunk)
            t.set(_SPACE, "preserve")
        return p

    def table(self, widths_mm: Sequence[float], *, borders: bool) -> etree._Element:
        """An empty table with fixed column widths; rows are added with `row`."""
        tbl = etree.SubElement(self.parent, qn("w:tbl"))
        tblpr = etree.SubElement(tbl, qn("w:tblPr"))
        width = etree.SubElement(tblpr, qn("w:tblW"))
        width.set(qn("w:w"), str(_twips(sum(widths_mm))))
        width.set(qn("w:type"), "dxa")
        if borders:
            edges = etree.SubElement(tblpr, qn("w:tblBorders"))
            for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
                line = etree.SubElement(edges, qn(f"w:{edge}"))
                line.set(_VAL, "single")
                line.set(qn("w:sz"), "4")
                line.set(qn("w:space"), "0")
                line.set(qn("w:color"), "000000")
        etree.SubElement(tblpr, qn("w:tblLayout")).set(qn("w:type"), "fixed")
        grid = etree.SubElement(tbl, qn("w:tblGrid"))
        for mm in widths_mm:
            etree.SubElement(grid, qn("w:gridCol")).set(qn("w:w"), str(_twips(mm)))
        return tbl

    def row(
        self, tbl: etree._Element, widths_mm: Sequence[float], header: bool = False
    ) -> list[etree._Element]:
        """A row of cells (each empty: fill them with `p(..., parent=cell)`)."""
        tr = etree.SubElement(tbl, qn("w:tr"))
        if header:
            trpr = etree.SubElement(tr, qn("w:trPr"))
            etree.SubElement(trpr, qn("w:tblHeader"))
        cells = []
        for mm in widths_mm:
            tc = etree.SubElement(tr, qn("w:tc"))
            tcpr = etree.SubElement(tc, qn("w:tcPr"))
            w = etree.SubElement(tcpr, qn("w:tcW"))
            w.set(qn("w:w"), str(_twips(mm)))
            w.set(qn("w:type"), "dxa")
            cells.append(tc)
        return cells


def _twips(mm: float) -> int:
    return round(mm * TWIPS_PER_MM)


def _setup(document: object) -> None:
    """A4, the margins, Times New Roman 14 pt justified with an indented first line."""
    section = document.sections[0]  # type: ignore[attr-defined]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(A4_MM[0]), Mm(A4_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    normal = document.styles["Normal"]  # type: ignore[attr-defined]
    normal.font.name = FONT
    normal.font.size = Pt(SIZE)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = etree.SubElement(rpr, qn("w:lang"))
    lang.set(_VAL, "vi-VN")
    fmt = normal.paragraph_format
    fmt.first_line_indent = Mm(10)
    fmt.space_after = Pt(6)
    fmt.space_before = Pt(0)
    fmt.line_spacing = 1.15
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def _roman(n: int) -> str:
    return _ROMAN[n - 1] if n <= len(_ROMAN) else str(n)


def _part_name(n: int) -> str:
    return f"Phần thứ {_PART_ORDINALS[n - 1]}" if n <= len(_PART_ORDINALS) else f"Phần {n}"


def _grouped_sections(outline: Outline) -> list[tuple[str | None, list[Section]]]:
    """The sections under their parts, then any section no part names (title None)."""
    by_id = {section.id: section for section in outline.sections}
    placed: set[str] = set()
    result: list[tuple[str | None, list[Section]]] = []
    for part in outline.parts:
        members = [by_id[s] for s in part.sections if s in by_id]
        placed.update(part.sections)
        result.append((part.title.get("vi"), members))
    rest = [section for section in outline.sections if section.id not in placed]
    if rest:
        result.append((None, rest))
    return result


def _paragraphs(text: str) -> list[str]:
    """A narrative answer's paragraphs (its line breaks), cleaned."""
    text = clean(text).strip()
    if "\n" not in text:
        return [text] if text else []
    return [line for line in _LINES.split(text) if line]


def write_docx(compilation: Compilation, *, progress: Progress | None = None) -> bytes:
    """The compiled report of the units' answers as DOCX bytes; `progress(done, total)` as each
    unit's answers are written (total: the number of units; saving the file follows the last call)."""
    outline = compilation.outline
    plan = plan_of(outline)
    header = compilation.header
    reported = compilation.reported
    count = len(compilation.units)

    document = Document()
    _setup(document)
    body_element = document.element.body
    sect_pr = body_element.sectPr
    body_element.remove(sect_pr)
    body = _Body(body_element)
    text_width = A4_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]

    # Unit by unit (the progress the member sees), each answer's paragraphs are built once into a
    # holder per question, inside the same document (moving them into place later is cheap); the
    # body then takes each question's paragraphs in turn, in the units' order.
    scratch = etree.SubElement(body_element, _HOLD)
    text_items = [item for item in plan.answerable if item.type is QuestionType.TEXT]
    date_items = [item for item in plan.answerable if item.type is QuestionType.DATE]
    choice_items = [
        item
        for item in plan.answerable
        if item.type in (QuestionType.CHOICE, QuestionType.MULTI, QuestionType.YESNO)
    ]
    holders = {item.id: etree.SubElement(scratch, _HOLD) for item in (*text_items, *date_items)}
    choices: dict[str, dict[str, int]] = {item.id: {} for item in choice_items}
    reported_codes = {unit.code for unit in reported}
    for done, unit in enumerate(compilation.units, 1):
        if unit.code in reported_codes:
            _write_unit(body, unit, text_items, date_items, choice_items, holders, choices)
        if progress is not None:
            progress(done, count)

    _header_block(body, compilation, text_width)
    body.p("BÁO CÁO", style="b", align="center", indent=False, size=15, after=0)
    body.p(compilation.campaign_title, style="b", align="center", indent=False, after=0)
    body.p("-----", align="center", indent=False)

    basis = f"Thực hiện {header.basis}, trên" if header.basis else "Trên"
    missing = compilation.missing
    opening = (
        f"{basis} cơ sở báo cáo của các đơn vị trực thuộc {compilation.unit_name} "
        f"({len(reported)}/{count} đơn vị đã báo cáo"
    )
    opening += f"; {len(missing)} đơn vị chưa báo cáo, danh sách ở cuối báo cáo)" if missing else ")"
    body.p(opening + ", kết quả tổng hợp như sau:")

    _, overall = totals.rows(compilation)
    number = 0
    for title, sections in _grouped_sections(outline):
        if title is not None:
            body.p(title, style="b", align="center", indent=False, keep_next=True)
            number = 0
        for section in sections:
            number += 1
            body.p(f"{_roman(number)}. {section.title.get('vi').upper()}", style="b", keep_next=True)
            for question in section.questions:
                if not question.is_answerable:
                    continue
                item = plan.by_id[question.id]
                _question(body, item, holders, choices, overall)

    if missing:
        body.p(f"DANH SÁCH ĐƠN VỊ CHƯA BÁO CÁO ({len(missing)} đơn vị)", style="b", keep_next=True)
        _missing(body, compilation, missing)

    _signature(body, compilation, text_width)
    _annex(body, compilation, text_width)

    body_element.remove(scratch)
    body_element.append(sect_pr)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _write_unit(
    body: _Body,
    unit: UnitReport,
    text_items: Iterable[Item],
    date_items: Iterable[Item],
    choice_items: Iterable[Item],
    holders: dict[str, etree._Element],
    choices: dict[str, dict[str, int]],
) -> None:
    """One unit's narratives and dates as paragraphs under its name; its choices counted."""
    answers = unit.answers
    name = clean(unit.name)
    p = body.p
    for item in text_items:
        answer = answers.get(item.id)
        if answer is None or answer.skipped or not isinstance(answer.value, str):
            continue
        lines = _paragraphs(answer.value)
        if lines:
            holder = holders[item.id]
            p(f"- {name}:", style="bu", keep_next=True, after=0, parent=holder)
            for line in lines:
                p(line, parent=holder)
    for item in date_items:
        answer = answers.get(item.id)
        if answer is None or answer.skipped or not isinstance(answer.value, str):
            continue
        try:
            shown = date.fromisoformat(answer.value).strftime("%d/%m/%Y")
        except ValueError:
            shown = clean(answer.value)
        p(f"- {name}: {shown}", after=0, parent=holders[item.id])
    for item in choice_items:
        answer = answers.get(item.id)
        if answer is None or answer.skipped or is_unknown(answer):
            continue
        values = answer.value if isinstance(answer.value, list) else [answer.value]
        counts = choices[item.id]
        for value in values:
            key = str(value)
            counts[key] = counts.get(key, 0) + 1


def _header_block(body: _Body, compilation: Compilation, width: float) -> None:
    header = compilation.header
    widths = (width * 0.42, width * 0.58)
    tbl = body.table(widths, borders=False)
    left, right = body.row(tbl, widths)
    if header.superior:
        body.p(header.superior, align="center", indent=False, after=0, parent=left)
    body.p(
        header.committee or compilation.unit_name.upper(),
        style="b",
        align="center",
        indent=False,
        after=0,
        parent=left,
    )
    body.p("*", align="center", indent=False, after=0, parent=left)
    body.p("ĐẢNG CỘNG SẢN VIỆT NAM", style="bu", align="center", indent=False, after=0, parent=right)
    left, right = body.row(tbl, widths)
    body.p(header.number, align="center", indent=False, after=0, parent=left)
    body.p(date_line(header.place, header.signed_on), style="i", align="right", indent=False, parent=right)


def _label(item: Item) -> str:
    return clean(item.question.label.get("vi"))


def _question(
    body: _Body,
    item: Item,
    holders: dict[str, etree._Element],
    choices: dict[str, dict[str, int]],
    overall: totals.Row,
) -> None:
    body.p(_label(item), style="bi", keep_next=True)
    question = item.question
    if item.type is QuestionType.TEXT:
        holder = holders[item.id]
        if len(holder):
            body.parent.extend(holder)  # moved, in the units' order
        else:
            body.p("(Chưa đơn vị nào trả lời.)", style="i")
    elif item.type in (QuestionType.INTEGER, QuestionType.DECIMAL):
        total = overall.totals[item.id]
        unit = f" {question.unit.get('vi')}" if question.unit else ""
        line = f"Tổng cộng: {number_text(total.value)}{unit} ({total.given} đơn vị có số liệu"
        if total.unknown:
            line += f"; {total.unknown} đơn vị {NO_FIGURES}"
        line += ")"
        if item.high_of is not None:
            shown = rate_text(total, overall.totals[item.high_of.id])
            if shown:
                line += f"; tỷ lệ {shown}"
        if not total.given:  # no figure at all: never a 0
            line = f"({total.unknown} đơn vị {NO_FIGURES})" if total.unknown else "(Chưa đơn vị nào trả lời.)"
            body.p(line, style="i")
        else:
            body.p(line + ".")
    elif item.type is QuestionType.DATE:
        body.parent.extend(holders[item.id])
    else:
        counts = choices[item.id]
        if item.type is QuestionType.YESNO:
            labels = [("True", "Có"), ("False", "Không")]
        else:
            labels = [(choice.value, choice.label.get("vi")) for choice in question.choices]
        for value, label in labels:
            body.p(f"- {clean(label)}: {counts.get(value, 0)} đơn vị", after=0)


def _missing(body: _Body, compilation: Compilation, missing: Sequence[UnitReport]) -> None:
    """The units that did not report, by name, under their group."""
    codes = {unit.code for unit in missing}
    names = {unit.code: clean(unit.name) for unit in missing}
    listed: set[str] = set()
    for group in compilation.groups:
        members = [code for code in group.units if code in codes]
        if not members or group.units == (group.code,):  # a row that is the unit itself: no heading
            continue
        listed.update(members)
        body.p([(f"{clean(group.name)}: ", "b"), (", ".join(names[c] for c in members) + ".", "")])
    rest = [unit.code for unit in missing if unit.code not in listed]
    if rest:
        body.p(", ".join(names[c] for c in rest) + ".")


def _signature(body: _Body, compilation: Compilation, width: float) -> None:
    header = compilation.header
    widths = (width * 0.5, width * 0.5)
    tbl = body.table(widths, borders=False)
    left, right = body.row(tbl, widths)
    body.p("Nơi nhận:", style="bui", indent=False, after=0, size=12, align="left", parent=left)
    for line in header.recipients:
        body.p(line, indent=False, after=0, size=12, align="left", parent=left)
    if not header.recipients:
        body.p("", parent=left)
    body.p(header.on_behalf, style="b", align="center", indent=False, after=0, parent=right)
    body.p(header.signer_title, style="b", align="center", indent=False, after=0, parent=right)
    for _ in range(4):
        body.p("", indent=False, after=0, parent=right)
    body.p(header.signer_name, style="b", align="center", indent=False, after=0, parent=right)


def _annex(body: _Body, compilation: Compilation, width: float) -> None:
    """The numbers per group and their total, a few numbers a table; rates for "trong đó" parts."""
    items = totals.number_items(compilation)
    if not items:
        return
    group_rows, overall = totals.rows(compilation)
    page_break = body.p("", indent=False)
    run = etree.SubElement(page_break, _R)
    etree.SubElement(run, qn("w:br")).set(qn("w:type"), "page")
    body.p("PHỤ LỤC", style="b", align="center", indent=False, after=0)
    body.p(
        f"SỐ LIỆU TỔNG HỢP CỦA {clean(compilation.unit_name).upper()}",
        style="b",
        align="center",
        indent=False,
    )
    body.p(
        f"(Kèm theo Báo cáo: {len(compilation.reported)}/{len(compilation.units)} đơn vị đã báo cáo; "
        f"đơn vị {NO_FIGURES} không tính là 0)",
        style="i",
        align="center",
        indent=False,
    )
    for start in range(0, len(items), ANNEX_COLUMNS):
        chunk = items[start : start + ANNEX_COLUMNS]
        fixed = (10.0, 40.0, 22.0)
        rest = (width - sum(fixed)) / len(chunk)
        widths = (*fixed, *([rest] * len(chunk)))
        tbl = body.table(widths, borders=True)
        cells = body.row(tbl, widths, header=True)
        heads = ["TT", "Đơn vị", "Đã báo cáo"]
        for item in chunk:
            unit = item.question.unit
            heads.append(_label(item) + (f" ({unit.get('vi')})" if unit else ""))
        for cell, text in zip(cells, heads, strict=True):
            body.p(text, style="b", align="center", indent=False, after=0, size=11, parent=cell)
        for n, row in enumerate((*group_rows, overall), 1):
            is_total = row is overall
            cells = body.row(tbl, widths)
            flags = "b" if is_total else ""
            texts = [
                "" if is_total else str(n),
                "Tổng cộng" if is_total else row.name,
                f"{row.reported}/{row.units}",
            ]
            for item in chunk:
                texts.append(_figure(row, item))
            for i, (cell, text) in enumerate(zip(cells, texts, strict=True)):
                align = "left" if i == 1 else "center"
                for k, line in enumerate(text.split("\n")):
                    body.p(
                        line,
                        style=flags if k == 0 else "i",
                        align=align,
                        indent=False,
                        after=0,
                        size=11,
                        parent=cell,
                    )
        body.p("", indent=False, after=0)


def _figure(row: totals.Row, item: Item) -> str:
    """One cell of the annex: the total, its rate where it is a "trong đó" part, units without figures."""
    total = row.totals[item.id]
    text = number_text(total.value) if total.given else ("—" if not total.unknown else "")
    if item.high_of is not None and total.given:
        shown = rate_text(total, row.totals[item.high_of.id])
        if shown:
            text = shown
    if total.unknown:
        text += f"\n{total.unknown} đơn vị {NO_FIGURES}"
    return text.strip("\n")
