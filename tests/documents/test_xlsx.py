"""The XLSX workbook, reopened with openpyxl: what a district official reads in each sheet."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from dialogs.events import Answer, unknown_value
from dialogs.loader import load_outline
from documents.chart import ChildProgress
from documents.model import Compilation, Group, Header, UnitReport
from documents.xlsx import write_xlsx

OUTLINE = load_outline(
    """
format: 1
id: tong-ket-thu
version: 1
title: {vi: Tổng kết thử, en: Trial review}
languages: [vi, en]
sections:
  - id: lanh_dao
    title: {vi: "Lãnh đạo, chỉ đạo", en: Leadership}
    questions:
      - id: loai_hinh
        type: choice
        label: {vi: "Đơn vị thuộc loại hình nào?", en: "What kind of unit?"}
        choices:
          - {value: xa, label: {vi: "Xã, phường, thị trấn", en: Commune}}
          - {value: dn, label: {vi: Doanh nghiệp, en: Enterprise}}
      - id: tuyen_truyen
        type: text
        label: {vi: "1.1. Công tác tuyên truyền, quán triệt", en: "1.1. Communication"}
      - id: hoi_nghi
        type: integer
        label: {vi: Số hội nghị đã tổ chức, en: Conferences held}
        hint: {vi: "Tính cả hội nghị trực tuyến", en: Online ones too}
      - id: hoi_nghi_xa
        type: integer
        label: {vi: "Trong đó: ở cấp xã", en: "Of which: in communes"}
        max: hoi_nghi
      - id: hinh_thuc
        type: multi
        label: {vi: Hình thức tuyên truyền, en: Means}
        choices:
          - {value: loa, label: {vi: Loa truyền thanh, en: Loudspeakers}}
          - {value: hop, label: {vi: Họp thôn, en: Village meetings}}
      - id: co_quy_che
        type: yesno
        label: {vi: "Đã ban hành quy chế?", en: "Regulation issued?"}
      - id: ngay_hoi_nghi
        type: date
        label: {vi: Ngày hội nghị tổng kết, en: Date of the review}
      - id: danh_gia
        type: text
        required: false
        label:
          vi: >-
            3.1. Những hạn chế, khuyết điểm trong lãnh đạo, chỉ đạo xây dựng và thực hiện quy chế dân chủ ở
            cơ sở; nguyên nhân của hạn chế, khuyết điểm và bài học kinh nghiệm rút ra qua 20 năm
          en: 3.1. Shortcomings, their causes and lessons
"""
)
WHEN = datetime(2026, 7, 30, 2, 5, tzinfo=UTC)  # 09:05 in Hà Nội


def unit(code: str, name: str, parent: str, status: str, **answers: object) -> UnitReport:
    return UnitReport(
        code,
        name,
        parent,
        status,
        1 if status != "none" else None,
        WHEN if status in ("submitted", "approved") else None,
        {key: Answer(value) for key, value in answers.items()},  # type: ignore[arg-type]
    )


def compilation() -> Compilation:
    units = (
        unit(
            "HL-HB",
            "Đảng ủy xã Hải Ba",
            "HL",
            "submitted",
            loai_hinh="xa",
            tuyen_truyen="Đã tổ chức quán triệt đến 100% chi bộ.",
            hoi_nghi=5,
            hoi_nghi_xa=3,
            hinh_thuc=["loa", "hop"],
            co_quy_che=True,
            ngay_hoi_nghi="2018-07-20",
        ),
        unit(
            "HL-HA",
            "Đảng ủy xã Hải An",
            "HL",
            "approved",
            tuyen_truyen='=HYPERLINK("http://x")',
            hoi_nghi=7,
            hoi_nghi_xa=unknown_value(),
        ),
        unit(
            "HL-HK",
            "Đảng ủy xã Hải Khê",
            "HL",
            "submitted",
            tuyen_truyen="- Tổ chức họp\x07 thôn",
            hoi_nghi=2,
        ),
        unit("HL-HQ", "Đảng ủy xã Hải Quế", "HL", "draft", hoi_nghi=100, tuyen_truyen="\t+1 chi bộ"),
        unit("HL-HT", "Đảng ủy xã Hải Thượng", "HL", "none"),
    )
    return Compilation(
        outline=OUTLINE,
        campaign_id=1,
        campaign_title="Tổng kết 20 năm Chỉ thị 30-CT/TW",
        unit_code="HL",
        unit_name="Huyện ủy Hải Lăng",
        header=Header(committee="HUYỆN ỦY HẢI LĂNG"),
        units=units,
        groups=(
            Group("HL-N", "Cụm phía Bắc", ("HL-HB", "HL-HA")),
            Group("HL-S", "Cụm phía Nam", ("HL-HK", "HL-HQ", "HL-HT")),
        ),
        generated_at=WHEN,
    )


def reopened(data: bytes):
    return load_workbook(io.BytesIO(data))


def values(sheet) -> list[list[object]]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_workbook_has_its_three_sheets_with_frozen_headers() -> None:
    book = reopened(write_xlsx(compilation()))
    assert book.sheetnames == ["Trả lời", "Chỉ tiêu", "Tiến độ"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.column_dimensions["B"].width >= 30  # the unit's name is readable


def test_a_row_per_unit_headed_by_the_plan_numbering() -> None:
    sheet = reopened(write_xlsx(compilation()))["Trả lời"]
    rows = values(sheet)
    header = rows[0]
    assert header[:6] == ["Mã", "Đơn vị", "Cấp trên", "Trạng thái", "Phiên bản", "Nộp lúc"]
    assert header[6] == "1. Đơn vị thuộc loại hình nào?"
    assert header[7] == "1.1. Công tác tuyên truyền, quán triệt"  # the label's own number, not doubled
    assert [row[0] for row in rows[1:]] == ["HL-HB", "HL-HA", "HL-HK", "HL-HQ", "HL-HT"]
    hai_ba = rows[1]
    assert hai_ba[1] == "Đảng ủy xã Hải Ba"
    assert hai_ba[2] == "HL"  # the parent is not among the units: its code
    assert hai_ba[3] == "Đã nộp"
    assert hai_ba[4] == 1
    assert hai_ba[5] == datetime(2026, 7, 30, 9, 5)  # Asia/Ho_Chi_Minh
    assert sheet["F2"].number_format == "DD/MM/YYYY HH:MM"
    assert hai_ba[6:] == [
        "Xã, phường, thị trấn",
        "Đã tổ chức quán triệt đến 100% chi bộ.",
        5,
        3,
        "Loa truyền thanh; Họp thôn",
        "Có",
        "20/07/2018",
        None,  # an optional question left out
    ]
    assert [row[3] for row in rows[2:]] == ["Đã duyệt", "Đã nộp", "Đang làm", "Chưa bắt đầu"]
    assert rows[2][9] == "chưa có số liệu"  # an unknown figure is said, not a 0
    assert rows[5][6:] == [None] * 8


def test_text_that_looks_like_a_formula_stays_text() -> None:
    book = reopened(write_xlsx(compilation()))
    sheet = book["Trả lời"]
    formula_like = sheet["H3"]
    assert formula_like.value == '=HYPERLINK("http://x")'
    assert formula_like.data_type == "s"
    assert formula_like.quotePrefix
    bullet = sheet["H4"]
    assert bullet.value == "- Tổ chức họp thôn"  # the control character removed, the rest intact
    assert bullet.data_type == "s" and bullet.quotePrefix
    tabbed = sheet["H5"]
    assert tabbed.value == "\t+1 chi bộ" and tabbed.data_type == "s" and tabbed.quotePrefix
    for each in book.worksheets:
        for row in each.iter_rows():
            assert all(cell.data_type != "f" for cell in row)


def test_totals_per_group_and_overall_count_unknown_apart() -> None:
    sheet = reopened(write_xlsx(compilation()))["Chỉ tiêu"]
    rows = values(sheet)
    assert rows[0][:6] == [
        "Mã",
        "Đơn vị",
        "Đơn vị đã báo cáo",
        "Tổng số đơn vị",
        "3. Số hội nghị đã tổ chức",
        "3: số đơn vị chưa có số liệu",
    ]
    north, south, overall = rows[1:]
    assert north[:8] == ["HL-N", "Cụm phía Bắc", 2, 2, 12, None, 3, 1]
    # Only the reported units count: the draft's 100 is not in the total.
    assert south[:8] == ["HL-S", "Cụm phía Nam", 1, 3, 2, None, None, None]
    assert overall[:4] == ["HL", "Tổng cộng: Huyện ủy Hải Lăng", 3, 5]
    assert overall[4] == north[4] + south[4] == 14
    assert overall[6] == 3 and overall[7] == 1


def test_progress_from_the_compilation_or_the_supervisor_counts() -> None:
    rows = values(reopened(write_xlsx(compilation()))["Tiến độ"])
    assert rows == [
        ["Mã", "Đơn vị", "Tổng số đơn vị", "Đã báo cáo", "Chưa báo cáo"],
        ["HL-N", "Cụm phía Bắc", 2, 2, 0],
        ["HL-S", "Cụm phía Nam", 3, 1, 2],
        [None, "Tổng cộng", 5, 3, 2],
    ]
    counts = [
        ChildProgress("HL-HB", "Đảng ủy xã Hải Ba", submitted=3, in_progress=1, not_started=1, overdue=2),
        ChildProgress("HL-HA", "Đảng ủy xã Hải An", submitted=1, returned=1),
    ]
    rows = values(reopened(write_xlsx(compilation(), counts))["Tiến độ"])
    assert rows[0][2:] == ["Tổng số đơn vị", "Đã nộp", "Đang làm", "Chưa bắt đầu", "Bị trả lại", "Quá hạn"]
    assert rows[1] == ["HL-HB", "Đảng ủy xã Hải Ba", 5, 3, 1, 1, 0, 2]
    assert rows[3] == [None, "Tổng cộng", 7, 4, 1, 1, 1, 2]


def test_progress_is_reported_as_units_are_written() -> None:
    heard: list[tuple[int, int]] = []
    write_xlsx(compilation(), progress=lambda done, total: heard.append((done, total)))
    assert heard == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_an_answer_longer_than_a_cell_holds_is_cut_and_says_so() -> None:
    base = compilation()
    long = replace(base.units[0], answers={"tuyen_truyen": Answer("Quán triệt. " * 4000)})
    cell = reopened(write_xlsx(replace(base, units=(long,))))["Trả lời"]["H2"]
    assert len(cell.value) == 32_767
    assert cell.value.startswith("Quán triệt. ") and cell.value.endswith("…(còn tiếp)")


def test_a_long_label_is_cut_in_the_header_and_whole_in_its_comment() -> None:
    sheet = reopened(write_xlsx(compilation()))["Trả lời"]
    heading = sheet["N1"]
    assert heading.value.startswith("3.1. Những hạn chế, khuyết điểm")
    assert heading.value.endswith("…") and len(heading.value) <= 90
    assert heading.comment.text.endswith("bài học kinh nghiệm rút ra qua 20 năm")
    assert sheet["N1"].font.b and sheet["N1"].alignment.wrap_text
    assert sheet.column_dimensions["N"].width == 60  # a narrative's column is wide


def test_a_part_of_a_total_has_its_rate_where_every_unit_gave_both() -> None:
    base = compilation()
    units = list(base.units)
    units[1] = replace(units[1], answers={**units[1].answers, "hoi_nghi_xa": Answer(4)})
    sheet = reopened(write_xlsx(replace(base, units=tuple(units))))["Chỉ tiêu"]
    rows = values(sheet)
    assert rows[0][8] == "4: tỉ lệ so với 3"
    assert rows[1][6:9] == [7, None, pytest.approx(7 / 12)]
    assert sheet["I2"].number_format == "0.0%"
    # Where a unit has no figure, no rate: the two sums would be over different units.
    assert values(reopened(write_xlsx(base))["Chỉ tiêu"])[1][8] is None
