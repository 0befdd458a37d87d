"""The compiled DOCX, reopened with python-docx: what a reader of the Party report sees."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from docx import Document
from docx.shared import Pt

from dialogs.events import Answer, unknown_value
from dialogs.loader import load_outline
from documents.docx import write_docx
from documents.model import Compilation, Group, Header, UnitReport

OUTLINE = """\
format: 1
id: thu-tong-hop
version: 1
title: {vi: Tổng kết thử, en: Trial review}
parts:
  - id: phan_1
    title: {vi: "Phần thứ nhất: Kết quả thực hiện", en: "Part one: Results"}
    sections: [lanh_dao, ket_qua]
  - id: phan_2
    title: {vi: "Phần thứ hai: Phương hướng, nhiệm vụ", en: "Part two: Directions"}
    sections: [phuong_huong]
  - id: phan_3
    title: {vi: "Phần thứ ba: Kiến nghị, đề xuất", en: "Part three: Proposals"}
    sections: [kien_nghi]
sections:
  - id: lanh_dao
    title: {vi: "Công tác lãnh đạo, chỉ đạo", en: Leadership}
    questions:
      - {id: gioi_thieu, type: note, label: {vi: Ghi chú, en: Note}}
      - {id: quan_triet, type: text, label: {vi: "1.1. Việc quán triệt Chỉ thị", en: "1.1. Studying"}}
      - id: hinh_thuc
        type: choice
        label: {vi: Hình thức tổng kết, en: How}
        choices:
          - {value: hoi_nghi, label: {vi: Tổ chức hội nghị, en: Conference}}
          - {value: van_ban, label: {vi: Bằng văn bản, en: Writing}}
  - id: ket_qua
    title: {vi: Kết quả thực hiện, en: Results}
    questions:
      - id: don_nhan
        type: integer
        label: {vi: "2.1. Số đơn thư nhận được", en: Letters}
        unit: {vi: đơn, en: letters}
      - id: don_giai_quyet
        type: integer
        max: don_nhan
        label: {vi: "2.2. Trong đó đã giải quyết", en: Solved}
        unit: {vi: đơn, en: letters}
      - {id: ngay_hn, type: date, required: false, label: {vi: Ngày hội nghị, en: Date}}
  - id: phuong_huong
    title: {vi: "Phương hướng, nhiệm vụ", en: Directions}
    questions:
      - {id: giai_phap, type: text, label: {vi: "3. Giải pháp", en: "3. Solutions"}}
  - id: kien_nghi
    title: {vi: Kiến nghị, en: Proposals}
    questions:
      - id: kien_nghi_tw
        type: text
        required: false
        label: {vi: "4. Kiến nghị với Trung ương", en: "4. To the centre"}
"""


def unit(code: str, name: str, parent: str, status: str = "submitted", **answers: object) -> UnitReport:
    return UnitReport(
        code=code,
        name=name,
        parent_code=parent,
        status=status,
        version=1 if status != "none" else None,
        submitted_at=datetime(2018, 7, 20, tzinfo=UTC) if status == "submitted" else None,
        answers={key: Answer(value) for key, value in answers.items()},  # type: ignore[arg-type]
    )


def compilation(**header: object) -> Compilation:
    outline = load_outline(OUTLINE)
    units = (
        unit(
            "HL01",
            "Xã Hải An",
            "HL",
            quan_triet="Đảng ủy xã đã quán triệt đầy đủ.\nMở 3 lớp cho cán bộ\x07 chủ chốt.",
            hinh_thuc="hoi_nghi",
            don_nhan=50,
            don_giai_quyet=42,
            ngay_hn="2018-07-15",
            giai_phap="Tiếp tục phát huy dân chủ.",
        ),
        unit(
            "HL02",
            "Xã Hải Ba",
            "HL",
            quan_triet="Chi bộ các thôn học tập nghị quyết.",
            hinh_thuc="van_ban",
            don_nhan=unknown_value(),
            don_giai_quyet=unknown_value(),
            giai_phap="Tăng cường đối thoại với nhân dân.",
            kien_nghi_tw="Sửa đổi Pháp lệnh 34.",
        ),
        unit("HL03", "Xã Hải Quy", "HL", status="none"),
        unit(
            "HL04",
            "Thị trấn Hải Lăng",
            "HL",
            quan_triet="Thị trấn đã tổ chức hội nghị quán triệt.",
            hinh_thuc="hoi_nghi",
            don_nhan=10,
            don_giai_quyet=9,
            giai_phap="Công khai minh bạch.",
        ),
        unit("HL05", "Xã Hải Thượng", "HL", status="draft", quan_triet="Chưa gửi: không được in."),
    )
    groups = (
        Group("G1", "Cụm xã phía Bắc", ("HL01", "HL02", "HL03")),
        Group("G2", "Cụm phía Nam", ("HL04", "HL05")),
    )
    values: dict[str, object] = {
        "committee": "HUYỆN ỦY HẢI LĂNG",
        "superior": "ĐẢNG BỘ TỈNH QUẢNG TRỊ",
        "number": "Số 125-BC/HU",
        "place": "Hải Lăng",
        "signed_on": date(2018, 7, 30),
        "signer_title": "PHÓ BÍ THƯ",
        "recipients": ("- Ban Thường vụ Tỉnh ủy (b/c),", "- Lưu Văn phòng Huyện ủy."),
        "basis": "Kế hoạch số 88-KH/TU ngày 15/5/2018 của Ban Thường vụ Tỉnh ủy",
    }
    values.update(header)
    return Compilation(
        outline=outline,
        campaign_id=1,
        campaign_title="Tổng kết 20 năm thực hiện Chỉ thị số 30-CT/TW",
        unit_code="HL",
        unit_name="Huyện Hải Lăng",
        header=Header(**values),  # type: ignore[arg-type]
        units=units,
        groups=groups,
        generated_at=datetime(2018, 7, 30, tzinfo=UTC),
    )


@pytest.fixture(scope="module")
def data() -> bytes:
    return write_docx(compilation())


@pytest.fixture(scope="module")
def doc(data: bytes):  # type: ignore[no-untyped-def]
    return Document(io.BytesIO(data))


def texts(doc) -> list[str]:  # type: ignore[no-untyped-def]
    """The body's paragraphs in order (outside tables)."""
    return [p.text for p in doc.paragraphs]


def test_page_margins_and_font(doc) -> None:  # type: ignore[no-untyped-def]
    section = doc.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert 20 <= round(section.top_margin.mm) <= 25 and 20 <= round(section.bottom_margin.mm) <= 25
    assert 30 <= round(section.left_margin.mm) <= 35 and 15 <= round(section.right_margin.mm) <= 20
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert Pt(13) <= normal.font.size <= Pt(14)
    fonts = normal.element.rPr.rFonts
    assert (
        fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
        == "Times New Roman"
    )


def test_the_header_block_is_a_borderless_two_column_table(doc) -> None:  # type: ignore[no-untyped-def]
    table = doc.tables[0]
    assert len(table.columns) == 2
    left_top = [p.text for p in table.cell(0, 0).paragraphs]
    assert left_top == ["ĐẢNG BỘ TỈNH QUẢNG TRỊ", "HUYỆN ỦY HẢI LĂNG", "*"]
    assert table.cell(0, 0).paragraphs[1].runs[0].bold
    party = table.cell(0, 1).paragraphs[0]
    assert party.text == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert party.runs[0].underline and party.runs[0].bold
    assert table.cell(1, 0).text == "Số 125-BC/HU"
    place = table.cell(1, 1).paragraphs[0]
    assert place.text == "Hải Lăng, ngày 30 tháng 7 năm 2018"
    assert place.runs[0].italic
    assert place.alignment == 2  # right
    assert (
        table._tbl.tblPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblBorders")
        is None
    )  # no borders: the default style "Normal Table" draws none


def test_a_date_left_blank_when_the_report_is_not_dated() -> None:
    doc = Document(io.BytesIO(write_docx(compilation(signed_on=None))))
    assert doc.tables[0].cell(1, 1).text == "Hải Lăng, ngày     tháng     năm 20..."


def test_title_opening_and_parts_in_outline_order(doc) -> None:  # type: ignore[no-untyped-def]
    body = texts(doc)
    assert body[0] == "BÁO CÁO"
    assert body[1] == "Tổng kết 20 năm thực hiện Chỉ thị số 30-CT/TW"
    opening = next(t for t in body if t.startswith("Thực hiện"))
    assert "Kế hoạch số 88-KH/TU ngày 15/5/2018 của Ban Thường vụ Tỉnh ủy" in opening
    assert "3/5 đơn vị đã báo cáo" in opening
    headings = [t for t in body if t.startswith(("Phần thứ", "I.", "II.", "III."))]
    assert headings == [
        "Phần thứ nhất: Kết quả thực hiện",
        "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO",
        "II. KẾT QUẢ THỰC HIỆN",
        "Phần thứ hai: Phương hướng, nhiệm vụ",
        "I. PHƯƠNG HƯỚNG, NHIỆM VỤ",
        "Phần thứ ba: Kiến nghị, đề xuất",
        "I. KIẾN NGHỊ",
    ]


def test_each_answer_is_under_its_units_name_in_the_units_order(doc) -> None:  # type: ignore[no-untyped-def]
    body = texts(doc)
    start = body.index("1.1. Việc quán triệt Chỉ thị")
    assert body[start + 1 : start + 8] == [
        "- Xã Hải An:",
        "Đảng ủy xã đã quán triệt đầy đủ.",
        "Mở 3 lớp cho cán bộ chủ chốt.",  # the bell character removed
        "- Xã Hải Ba:",
        "Chi bộ các thôn học tập nghị quyết.",
        "- Thị trấn Hải Lăng:",
        "Thị trấn đã tổ chức hội nghị quán triệt.",
    ]
    assert not any("Chưa gửi" in t for t in body)  # a draft is not compiled
    start = body.index("4. Kiến nghị với Trung ương")
    assert body[start + 1 : start + 3] == ["- Xã Hải Ba:", "Sửa đổi Pháp lệnh 34."]
    assert "- Tổ chức hội nghị: 2 đơn vị" in body and "- Bằng văn bản: 1 đơn vị" in body
    assert "- Xã Hải An: 15/07/2018" in body


def test_numbers_in_the_body_count_units_without_figures_apart(doc) -> None:  # type: ignore[no-untyped-def]
    body = texts(doc)
    assert "Tổng cộng: 60 đơn (2 đơn vị có số liệu; 1 đơn vị chưa có số liệu)." in body
    assert "Tổng cộng: 51 đơn (2 đơn vị có số liệu; 1 đơn vị chưa có số liệu); tỷ lệ 51/60 = 85%." in body


def test_the_missing_units_are_listed_by_name(doc) -> None:  # type: ignore[no-untyped-def]
    body = texts(doc)
    start = body.index("DANH SÁCH ĐƠN VỊ CHƯA BÁO CÁO (2 đơn vị)")
    assert body[start + 1 : start + 3] == ["Cụm xã phía Bắc: Xã Hải Quy.", "Cụm phía Nam: Xã Hải Thượng."]


def test_signature_block_and_recipients(doc) -> None:  # type: ignore[no-untyped-def]
    table = doc.tables[1]
    left = [p.text for p in table.cell(0, 0).paragraphs]
    assert left == ["Nơi nhận:", "- Ban Thường vụ Tỉnh ủy (b/c),", "- Lưu Văn phòng Huyện ủy."]
    right = [p.text for p in table.cell(0, 1).paragraphs]
    assert right[:2] == ["T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ"]
    assert right[-1] == ""  # the name left blank to sign


def test_the_annex_totals_are_the_sum_of_their_rows(doc) -> None:  # type: ignore[no-untyped-def]
    table = doc.tables[2]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0][:3] == ["TT", "Đơn vị", "Đã báo cáo"]
    assert rows[0][3] == "2.1. Số đơn thư nhận được (đơn)"
    assert (
        rows[1]
        == [
            "1",
            "Cụm xã phía Bắc",
            "2/3",
            "50\n1 đơn vị chưa có số liệu",
            "42/50 = 84%\n1 đơn vị chưa có số liệu",
            "",
        ][: len(rows[1])]
    )
    assert rows[2][:5] == ["2", "Cụm phía Nam", "1/2", "10", "9/10 = 90%"]
    assert rows[3][:5] == [
        "",
        "Tổng cộng",
        "3/5",
        "60\n1 đơn vị chưa có số liệu",
        "51/60 = 85%\n1 đơn vị chưa có số liệu",
    ]

    def first_number(text: str) -> int:
        return int(text.split("\n")[0].split("/")[0])

    for column in (3, 4):
        assert first_number(rows[3][column]) == sum(first_number(r[column]) for r in rows[1:3])


def test_vietnamese_is_intact_and_the_file_has_no_control_characters(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    assert "Tăng cường đối thoại với nhân dân." in xml
    assert "\x07" not in xml
    assert "customXml" not in xml  # the scratch holders are gone
    assert all(ord(ch) >= 32 or ch in "\t\n\r" for ch in xml)


def test_an_outline_without_parts_is_compiled_section_by_section() -> None:
    base = compilation()
    outline = load_outline(OUTLINE.split("parts:")[0] + "sections:" + OUTLINE.split("\nsections:")[1])
    assert outline.parts == ()
    doc = Document(io.BytesIO(write_docx(Compilation(**{**base.__dict__, "outline": outline}))))
    headings = [t for t in texts(doc) if t[:3] in ("I. ", "II.", "III", "IV.")]
    assert headings == [
        "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO",
        "II. KẾT QUẢ THỰC HIỆN",
        "III. PHƯƠNG HƯỚNG, NHIỆM VỤ",
        "IV. KIẾN NGHỊ",
    ]
    assert not any(t.startswith("Phần thứ") for t in texts(doc))


def test_progress_is_reported_as_units_are_read() -> None:
    calls: list[tuple[int, int]] = []
    write_docx(compilation(), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(n, 5) for n in range(1, 6)]


def test_the_builtin_outline_compiles_with_every_kind_of_answer() -> None:
    from dialogs.builtin import get_outline

    outline = get_outline("ct30-20nam")
    answers: dict[str, object] = {}
    for question in outline.questions():
        if question.type.value == "text":
            answers[question.id] = f"Trả lời câu {question.id}: thực hiện tốt."
        elif question.is_numeric:
            answers[question.id] = 0 if question.max_of else 3
        elif question.type.value == "choice":
            answers[question.id] = question.choices[0].value
        elif question.type.value == "multi":
            answers[question.id] = [c.value for c in question.choices[:2]]
        elif question.type.value == "yesno":
            answers[question.id] = True
        elif question.type.value == "date":
            answers[question.id] = "2018-07-15"
    base = compilation()
    units = (unit("HL01", "Xã Hải An", "HL", **answers), unit("HL02", "Xã Hải Ba", "HL", status="none"))
    groups = (Group("HL01", "Xã Hải An", ("HL01",)), Group("HL02", "Xã Hải Ba", ("HL02",)))
    doc = Document(
        io.BytesIO(
            write_docx(Compilation(**{**base.__dict__, "outline": outline, "units": units, "groups": groups}))
        )
    )
    body = texts(doc)
    assert [t for t in body if t.startswith("Phần thứ")] == [p.title.get("vi") for p in outline.parts]
    assert "- Xã Hải An:" in body
    assert "Trả lời câu de_nghi_khen_thuong: thực hiện tốt." in body  # commendation proposals gathered
    assert body[body.index("DANH SÁCH ĐƠN VỊ CHƯA BÁO CÁO (1 đơn vị)") + 1] == "Xã Hải Ba."
    assert len(doc.tables) == 2 + -(-sum(1 for q in outline.questions() if q.is_numeric) // 3)


def test_nothing_reported_yet() -> None:
    base = compilation()
    units = tuple(UnitReport(u.code, u.name, u.parent_code, "none", None, None) for u in base.units)
    doc = Document(io.BytesIO(write_docx(Compilation(**{**base.__dict__, "units": units}))))
    body = texts(doc)
    assert any("0/5 đơn vị đã báo cáo" in t for t in body)
    assert body[body.index("1.1. Việc quán triệt Chỉ thị") + 1] == "(Chưa đơn vị nào trả lời.)"
    assert body[body.index("2.1. Số đơn thư nhận được") + 1] == "(Chưa đơn vị nào trả lời.)"
    rows = [[cell.text for cell in row.cells] for row in doc.tables[2].rows]
    assert rows[-1][:4] == ["", "Tổng cộng", "0/5", "—"]


def test_the_header_texts_come_from_the_campaign_and_the_unit() -> None:
    doc = Document(
        io.BytesIO(
            write_docx(
                compilation(
                    committee="TỈNH ỦY QUẢNG TRỊ",
                    superior="",
                    number="Số 88-BC/TU",
                    place="Đông Hà",
                    on_behalf="T/M TỈNH ỦY",
                    signer_title="BÍ THƯ",
                    recipients=(),
                    basis="",
                )
            )
        )
    )
    header = doc.tables[0]
    assert [p.text for p in header.cell(0, 0).paragraphs] == ["TỈNH ỦY QUẢNG TRỊ", "*"]
    assert header.cell(1, 0).text == "Số 88-BC/TU"
    assert header.cell(1, 1).text == "Đông Hà, ngày 30 tháng 7 năm 2018"
    signature = doc.tables[1]
    assert [p.text for p in signature.cell(0, 1).paragraphs][:2] == ["T/M TỈNH ỦY", "BÍ THƯ"]
    assert signature.cell(0, 0).paragraphs[0].text == "Nơi nhận:"
    assert texts(doc)[3].startswith("Trên cơ sở báo cáo của các đơn vị trực thuộc Huyện Hải Lăng (3/5")
