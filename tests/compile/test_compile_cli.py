"""`baocao compile` and `baocao campaign set` from the terminal, as an operator runs them (piped: no
progress bar), the files reopened as a reader would."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook
from PIL import Image

from storage.compiled import header_for
from storage.db import Database
from tests.cli.test_admin_cli import assert_one_line_error, run_all
from tests.compile.test_gather import answered_world


async def test_an_operator_compiles_a_district_and_sets_the_header(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    world = await answered_world(database)
    campaign = str(world.campaign.id)
    workbook, chart, unknown, unwritable, bad_campaign, header, header_unknown = run_all(
        database_url,
        tmp_path,
        [
            ["compile", "--unit", "qt", "--format", "xlsx", "--out", str(tmp_path / "QT.xlsx")],
            ["compile", "--unit", "QT-HL", "--campaign", campaign, "--format", "png", "--out", "hl.png"],
            ["compile", "--unit", "QT-XX", "--format", "xlsx", "--out", "x.xlsx"],
            ["compile", "--unit", "QT", "--format", "xlsx", "--out", str(tmp_path / "none" / "x.xlsx")],
            ["compile", "--unit", "QT", "--campaign", "999", "--format", "png", "--out", "y.png"],
            [
                "campaign",
                "set",
                "--campaign",
                campaign,
                "--committee",
                "HUYỆN ỦY HẢI LĂNG",
                "--number",
                "Số 85-BC/HU",
                "--recipient",
                "- Ban Thường vụ Tỉnh ủy (b/c),",
                "--recipient",
                "- Lưu Văn phòng Huyện ủy.",
            ],
            ["campaign", "set", "--campaign", "999", "--place", "Hải Lăng"],
        ],
    )
    assert workbook.code == 0, workbook
    assert workbook.err == []  # piped: no progress bar
    assert workbook.out == [
        f"Đã ghi {tmp_path / 'QT.xlsx'} ({(tmp_path / 'QT.xlsx').stat().st_size:,} byte): báo cáo tổng hợp "
        "của Tỉnh ủy Quảng Trị, 2/6 đơn vị đã nộp.".replace(",", ".", 1)
    ]
    book = load_workbook(tmp_path / "QT.xlsx", read_only=True)
    assert {"Trả lời", "Chỉ tiêu", "Tiến độ"} <= set(book.sheetnames)
    codes = [row[0] for row in book["Trả lời"].iter_rows(min_row=2, values_only=True)]
    assert codes == ["QT-CC", "GL-GM", "HL-HA", "HL-HB", "HL-HC", "QT-ĐK"]

    assert chart.code == 0, chart
    image = Image.open(io.BytesIO((tmp_path / "hl.png").read_bytes()))
    assert image.format == "PNG"

    assert unknown.code == 1 and len(unknown.err) == 1 and "QT-XX" in unknown.err[0], unknown
    assert_one_line_error(
        unwritable,
        f"Không ghi được tệp “{tmp_path / 'none' / 'x.xlsx'}”: thư mục không có hoặc không được phép ghi.",
    )
    assert bad_campaign.code == 1 and len(bad_campaign.err) == 1 and "999" in bad_campaign.err[0], (
        bad_campaign
    )

    assert header.code == 0, header
    assert header.out == [f"Đã lưu 3 mục phần đầu báo cáo của đợt {campaign}."]
    async with database.session() as session:
        shown = await header_for(session, world.campaign.id, world.units["QT-HL"])
    assert (shown.committee, shown.number, shown.place) == ("HUYỆN ỦY HẢI LĂNG", "Số 85-BC/HU", "Hải Lăng")
    assert shown.recipients == ("- Ban Thường vụ Tỉnh ủy (b/c),", "- Lưu Văn phòng Huyện ủy.")
    assert header_unknown.code == 1 and "999" in header_unknown.err[0], header_unknown


def docx_text(path: Path) -> str:
    from docx import Document

    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


async def test_the_district_report_in_word_carries_the_header_set_for_the_campaign(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    world = await answered_world(database)
    campaign = str(world.campaign.id)
    [header] = run_all(
        database_url,
        tmp_path,
        [
            [
                "campaign",
                "set",
                "--campaign",
                campaign,
                "--number",
                "Số 85-BC/HU",
                "--signer-title",
                "PHÓ BÍ THƯ",
            ]
        ],
    )
    assert header.code == 0, header
    [written] = run_all(
        database_url, tmp_path, [["compile", "--unit", "qt-hl", "--format", "docx", "--out", "HL.docx"]]
    )
    assert written.code == 0, written
    text = docx_text(tmp_path / "HL.docx")
    for expected in (
        "HUYỆN ỦY HẢI LĂNG",  # the unit's name in capitals: the default committee
        "Số 85-BC/HU",
        "Hải Lăng, ngày",
        "PHÓ BÍ THƯ",
        "Hải An tuyên truyền qua loa truyền thanh.",  # the submitted commune's narrative
        "Đảng ủy xã Hải Chánh",  # returned: among the units that did not report
        "- Ban Thường vụ Tỉnh ủy Quảng Trị (b/c),",
    ):
        assert expected in text, expected
    # Gio Mỹ is in another district; Hải Chánh's returned answer is not compiled.
    assert "Gio Mỹ họp thôn." not in text
