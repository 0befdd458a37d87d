"""An operator imports the unit tree from CSV or XLSX: all or nothing, every bad row named by its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.i18n import t
from storage.db import Database
from storage.models import Unit
from storage.units import (
    ImportResult,
    UnitRow,
    UnitsFileInvalid,
    import_units,
    read_units_file,
    subtree_unit_ids,
    unit_by_code,
)

FIXTURES = Path(__file__).parent / "fixtures"

TREE = [
    UnitRow(2, "T", "Tỉnh Mẫu", "tinh", None),
    UnitRow(3, "H1", "Huyện Một", "huyen", "T"),
    UnitRow(4, "H2", "Huyện Hai", "huyen", "T"),
    UnitRow(5, "X11", "Xã Một Một", "xa", "H1"),
    UnitRow(6, "X12", "Xã Một Hai", "xa", "H1"),
    UnitRow(7, "X21", "Xã Hai Một", "xa", "H2"),
]


def texts(error: UnitsFileInvalid) -> list[str]:
    return [t(message.id, "vi", **message.params) for message in error.messages]


async def units(db: Database) -> dict[str, tuple[str, str, str | None, str, int]]:
    """Every stored unit by code: (name, level, parent code, path of codes, depth)."""
    async with db.session() as session:
        rows = (await session.execute(select(Unit))).scalars().all()
    by_id = {unit.id: unit for unit in rows}
    result = {}
    for unit in rows:
        codes = "/".join(by_id[int(part)].code for part in unit.path.strip("/").split("/"))
        parent = by_id[unit.parent_id].code if unit.parent_id else None
        result[unit.code] = (unit.name, unit.level, parent, codes, unit.depth)
    return result


async def count_units(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Unit)) or 0)


# --- reading files -----------------------------------------------------------------------------------


def test_a_csv_with_bom_and_semicolons_and_vietnamese_headers_is_read() -> None:
    rows = read_units_file(FIXTURES / "units_bom_semicolon.csv")
    assert [row.code for row in rows] == ["T", "H1", "H2", "X11", "X12", "X21"]
    assert rows[0] == UnitRow(2, "T", "Tỉnh Mẫu", "tinh", None)
    assert rows[2].name == "Huyện Hai; ven biển"  # a quoted delimiter stays in the value
    assert rows[3].parent_code == "H1"


def test_headers_ignore_case_spaces_and_extra_columns_and_values_are_nfc(tmp_path: Path) -> None:
    decomposed = "Xa\u0303 Mo\u0323\u0302t"  # "Xã Một" typed with combining marks
    path = tmp_path / "units.csv"
    path.write_text(f" Parent Code ,NOTE, CODE ,Name,LEVEL\n,root,T,Tỉnh,Tinh\nT,,X1,  {decomposed}  ,xa\n")
    rows = read_units_file(path)
    assert rows == [UnitRow(2, "T", "Tỉnh", "tinh", None), UnitRow(3, "X1", "Xã Một", "xa", "T")]


def test_an_xlsx_file_is_read_with_its_line_numbers(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "name", "level", "parent_code"])
    sheet.append([79, "Thành phố Hồ Chí Minh", "tinh", None])
    sheet.append([])  # an empty row keeps its line number for the rows below
    sheet.append([26734, "Phường Bến Thành", "xa", 79.0])
    path = tmp_path / "units.xlsx"
    book.save(path)
    assert read_units_file(path) == [
        UnitRow(2, "79", "Thành phố Hồ Chí Minh", "tinh", None),
        UnitRow(4, "26734", "Phường Bến Thành", "xa", "79"),
    ]


def test_a_missing_column_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text("code,name,parent\nT,Tỉnh,\n")
    with pytest.raises(UnitsFileInvalid) as raised:
        read_units_file(path)
    assert texts(raised.value) == [
        "Dòng 1: dòng tiêu đề thiếu cột level; cần có các cột code, name, level, parent_code."
    ]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("units.xls", b"", "Không đọc được tệp units.xls: chỉ nhận tệp .csv hoặc .xlsx."),
        ("units.xlsx", b"not a zip", "Tệp units.xlsx không phải tệp Excel .xlsx hợp lệ."),
        ("units.csv", b"", "Tệp units.csv không có dữ liệu"),
        (
            "units.csv",
            "code,name,level,parent_code\nT,Hà,tinh,\n".encode("cp1252"),
            "không phải văn bản UTF-8",
        ),
    ],
)
def test_files_that_cannot_be_read_say_why(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnitsFileInvalid) as raised:
        read_units_file(path)
    assert expected in texts(raised.value)[0]


def test_a_file_that_does_not_exist_is_reported(tmp_path: Path) -> None:
    with pytest.raises(UnitsFileInvalid) as raised:
        read_units_file(tmp_path / "missing.csv")
    assert texts(raised.value) == [f"Không tìm thấy tệp {tmp_path / 'missing.csv'}."]


# --- importing ---------------------------------------------------------------------------------------


async def test_a_three_level_tree_is_imported_with_paths_and_depths(database: Database) -> None:
    result = await import_units(database, read_units_file(FIXTURES / "units_bom_semicolon.csv"))
    assert result == ImportResult(created=6, updated=0, unchanged=0)
    stored = await units(database)
    assert stored["T"] == ("Tỉnh Mẫu", "tinh", None, "T", 0)
    assert stored["H2"] == ("Huyện Hai; ven biển", "huyen", "T", "T/H2", 1)
    assert stored["X12"] == ("Xã Một Hai", "xa", "H1", "T/H1/X12", 2)


async def test_a_bad_file_reports_every_bad_line_and_imports_nothing(database: Database) -> None:
    rows = read_units_file(FIXTURES / "units_bad.csv")
    with pytest.raises(UnitsFileInvalid) as raised:
        await import_units(database, rows)
    assert texts(raised.value) == [
        "Dòng 4: đơn vị A nằm trong một vòng cấp trên khép kín (A → B → A).",
        "Dòng 5: đơn vị B nằm trong một vòng cấp trên khép kín (A → B → A).",
        "Dòng 6: mã cấp trên H9 của đơn vị X1 không có trong tệp cũng như trong cơ sở dữ liệu.",
        "Dòng 7: mã đơn vị H1 bị trùng với dòng 3.",
        "Dòng 9: đơn vị S không thể là cấp trên của chính nó.",
        "Dòng 10: cột name để trống.",
    ]
    assert await count_units(database) == 0


async def test_a_parent_may_already_be_in_the_database(database: Database) -> None:
    await import_units(database, TREE[:2])
    result = await import_units(database, [UnitRow(2, "X13", "Xã Một Ba", "xa", "H1")])
    assert result == ImportResult(created=1, updated=0, unchanged=0)
    assert (await units(database))["X13"][3] == "T/H1/X13"


async def test_reimport_updates_names_and_moves_whole_subtrees(database: Database) -> None:
    await import_units(database, TREE)
    again = [
        UnitRow(2, "T", "Tỉnh Mẫu", "tinh", None),  # unchanged
        UnitRow(3, "H1", "Thị xã Một", "thixa", "H2"),  # renamed, new level, moved under H2
        UnitRow(4, "X22", "Xã Hai Hai", "xa", "H2"),  # new
    ]
    result = await import_units(database, again)
    assert result == ImportResult(created=1, updated=1, unchanged=1)
    stored = await units(database)
    assert stored["H1"] == ("Thị xã Một", "thixa", "H2", "T/H2/H1", 2)
    # H1's communes were not in the file, yet their paths follow their district.
    assert stored["X11"][3:] == ("T/H2/H1/X11", 3)
    assert stored["X21"][3:] == ("T/H2/X21", 2)


async def test_moving_a_unit_under_its_own_descendant_is_refused(database: Database) -> None:
    await import_units(database, TREE)
    with pytest.raises(UnitsFileInvalid) as raised:
        await import_units(database, [UnitRow(2, "H1", "Huyện Một", "huyen", "X11")])
    assert texts(raised.value) == [
        "Dòng 2: không thể chuyển đơn vị H1 về dưới X11, vì X11 đang là đơn vị cấp dưới của nó"
        " (H1 → X11 → H1)."
    ]
    assert (await units(database))["H1"][2] == "T"


async def test_a_cycle_through_a_new_unit_and_a_stored_one_is_found(database: Database) -> None:
    await import_units(database, TREE[:2])
    rows = [UnitRow(2, "N", "Mới", "xa", "H1"), UnitRow(3, "T", "Tỉnh Mẫu", "tinh", "N")]
    with pytest.raises(UnitsFileInvalid) as raised:
        await import_units(database, rows)
    assert len(raised.value.messages) == 2
    assert await count_units(database) == 2


async def test_the_subtree_of_a_unit_is_itself_and_everything_under_it(database: Database) -> None:
    # Districts get ids 2..26: the subtree of id 2 must not take in ids 20..26 ("/1/2" is their prefix).
    rows = [UnitRow(2, "T", "Tỉnh", "tinh", None)]
    rows += [UnitRow(2 + n, f"H{n}", f"Huyện {n}", "huyen", "T") for n in range(1, 26)]
    rows += [UnitRow(100 + n, f"X{n}", f"Xã {n}", "xa", f"H{n}") for n in range(1, 26)]
    await import_units(database, rows)
    async with database.session() as session:
        code_of = {unit.id: unit.code for unit in (await session.execute(select(Unit))).scalars()}
        h1, h20, x1 = [await unit_by_code(session, code) for code in ("H1", "H20", "X1")]
        assert h1 is not None and h20 is not None and x1 is not None
        assert h1.id == 2 and h20.id == 21

        async def subtree(unit_id: int) -> list[str]:
            return [code_of[i] for i in await subtree_unit_ids(session, unit_id)]

        assert await subtree(h1.id) == ["H1", "X1"]
        assert await subtree(h20.id) == ["H20", "X20"]
        assert await subtree(x1.id) == ["X1"]
        assert len(await subtree(1)) == 51
        assert await subtree_unit_ids(session, 999_999) == []
        assert await unit_by_code(session, "NOPE") is None


async def test_many_units_are_imported_in_chunks(database: Database) -> None:
    rows = [UnitRow(2, "T", "Tỉnh", "tinh", None)]
    rows += [UnitRow(3 + i, f"H{i}", f"Huyện {i}", "huyen", "T") for i in range(50)]
    rows += [UnitRow(60 + i, f"X{i}", f"Xã {i}", "xa", f"H{i % 50}") for i in range(12_000)]
    seen: list[tuple[int, int]] = []
    result = await import_units(database, list(reversed(rows)), progress=lambda d, n: seen.append((d, n)))
    assert result.created == 12_051
    assert seen[-1] == (12_051, 12_051)
    assert (await units(database))["X4321"][3:] == ("T/H21/X4321", 2)


# --- the one text rule --------------------------------------------------------------------------------


async def test_a_nul_an_esc_or_a_line_break_in_a_code_is_refused_with_its_line(
    database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "units.csv"
    path.write_bytes(
        "code,name,level,parent_code\n"
        "T,Tỉnh,tinh,\n"
        "H\x001,Huyện Một,huyen,T\n"
        "H\x1b2,Huyện Hai,huyen,T\n"
        '"H\n3",Huyện Ba,huyen,T\n'  # a line break inside a quoted cell: the row starts on line 5
        "X1,Xã Một,xa,T\x00\n".encode()
    )
    with pytest.raises(UnitsFileInvalid) as raised:
        await import_units(database, read_units_file(path))
    assert texts(raised.value) == [
        "Dòng 3: mã ở cột code «H␀1» chứa ký tự ẩn U+0000 (dấu xuống dòng, tab hay ký tự điều khiển) "
        "nên không dùng được; hãy gõ lại ô này rồi nhập lại tệp.",
        "Dòng 4: mã ở cột code «H␛2» chứa ký tự ẩn U+001B (dấu xuống dòng, tab hay ký tự điều khiển) "
        "nên không dùng được; hãy gõ lại ô này rồi nhập lại tệp.",
        "Dòng 5: mã ở cột code «H↵3» chứa ký tự ẩn U+000A (dấu xuống dòng, tab hay ký tự điều khiển) "
        "nên không dùng được; hãy gõ lại ô này rồi nhập lại tệp.",
        "Dòng 7: mã ở cột parent_code «T␀» chứa ký tự ẩn U+0000 (dấu xuống dòng, tab hay ký tự điều khiển) "
        "nên không dùng được; hãy gõ lại ô này rồi nhập lại tệp.",
    ]
    assert all("\n" not in line for line in texts(raised.value))  # one line each on the terminal
    assert await count_units(database) == 0


async def test_rows_given_directly_go_through_the_same_rule(database: Database) -> None:
    with pytest.raises(UnitsFileInvalid) as raised:
        await import_units(database, [UnitRow(2, "T\x00", "Tỉnh", "tinh", None)])
    assert texts(raised.value)[0].startswith("Dòng 2: mã ở cột code «T␀»")
    assert await count_units(database) == 0


async def test_invisible_characters_from_excel_never_reach_the_tree(
    database: Database, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "name", "level", "parent_code"])
    sheet.append(["T\u200b", "Tỉnh\u202e Mẫu", "Tinh", None])  # a zero-width space, a bidi override
    sheet.append(["\ufeffX1", "Xã\nPhú   Lương\u2069", "xa", "T"])  # a BOM, a line break in the name
    sheet.append(["\uff38\uff12", "Xa\u0303 Hai", "xa", "\u200bT"])  # full-width code, decomposed name
    path = tmp_path / "units.xlsx"
    book.save(path)
    await import_units(database, read_units_file(path))
    stored = await units(database)
    assert stored == {
        "T": ("Tỉnh Mẫu", "tinh", None, "T", 0),
        "X1": ("Xã Phú Lương", "xa", "T", "T/X1", 1),
        "X2": ("Xã Hai", "xa", "T", "T/X2", 1),
    }
    async with database.session() as session:
        assert await unit_by_code(session, "x1") is None  # codes keep their case
        found = await unit_by_code(session, "X1\u200b")
    assert found is not None and found.name == "Xã Phú Lương"
