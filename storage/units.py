"""The unit tree: reading a units file (CSV or XLSX), importing it, and subtree queries."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.events import Msg
from dialogs.text import clean_key, clean_line, control_character, fold
from storage.db import Database, Refused
from storage.models import Unit

COLUMNS = ("code", "name", "level", "parent_code")
# Header spellings accepted besides the English names (Vietnamese, with or without diacritics).
_HEADER_ALIASES = {
    "code": "code",
    "ma": "code",
    "mã": "code",
    "ma_don_vi": "code",
    "mã_đơn_vị": "code",
    "name": "name",
    "ten": "name",
    "tên": "name",
    "ten_don_vi": "name",
    "tên_đơn_vị": "name",
    "level": "level",
    "cap": "level",
    "cấp": "level",
    "parent_code": "parent_code",
    "parent": "parent_code",
    "ma_cap_tren": "parent_code",
    "mã_cấp_trên": "parent_code",
    "ma_don_vi_cap_tren": "parent_code",
    "mã_đơn_vị_cấp_trên": "parent_code",
}
_LIMITS = {"code": 64, "name": 255, "level": 32}
# The path column holds 1024 characters: 64 levels of ids up to 15 digits still fit.
MAX_DEPTH = 63
_CHUNK = 5_000


@dataclass(frozen=True)
class UnitRow:
    """One data row of a units file; `line` is its line in the file (the header is line 1)."""

    line: int
    code: str
    name: str
    level: str
    parent_code: str | None = None  # None or "" for a root


@dataclass(frozen=True)
class UnitView:
    """A stored unit."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str
    depth: int


@dataclass(frozen=True)
class ImportResult:
    """What an import did: units created, units whose name, level or parent changed, units left alone."""

    created: int
    updated: int
    unchanged: int = 0


class UnitsFileInvalid(Refused):
    """A units file that cannot be imported; `messages` has one entry per problem, in line order."""


class UnknownUnit(Refused):
    """No unit has this code."""

    def __init__(self, code: str) -> None:
        super().__init__(Msg("units.error.unknown_unit", {"code": code}))
        self.code = code


# --- reading a file ----------------------------------------------------------------------------


def _cell(value: object) -> str:
    """A cell as the file holds it; whole numbers lose Excel's ".0". Cleaned later, column by column."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _key(value: str) -> str:
    """A code as stored: the key rule, unless it holds a control character (then refused as it is)."""
    return value if control_character(value.strip()) else clean_key(value)


def _header_key(value: str) -> str:
    return "_".join(clean_line(value).lower().replace("-", " ").replace("_", " ").split())


def read_units_file(path: str | Path) -> list[UnitRow]:
    """The rows of a .csv or .xlsx units file with columns code, name, level, parent_code."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UnitsFileInvalid(Msg("units.error.unsupported_file", {"name": path.name}))
    if not path.is_file():
        raise UnitsFileInvalid(Msg("units.error.file_not_found", {"path": str(path)}))
    lines = _csv_lines(path) if suffix == ".csv" else _xlsx_lines(path)
    return _rows(path.name, lines)


def _rows(name: str, lines: Iterator[tuple[int, list[str]]]) -> list[UnitRow]:
    header: dict[str, int] | None = None
    rows: list[UnitRow] = []
    for line, cells in lines:
        values = [_cell(cell) for cell in cells]
        if not any(clean_line(value) for value in values):
            continue  # blank lines, and rows Excel keeps after deleting their content
        if header is None:
            header = {}
            for index, value in enumerate(values):
                column = _HEADER_ALIASES.get(_header_key(value))
                if column is not None:
                    header.setdefault(column, index)
            missing = [column for column in COLUMNS if column not in header]
            if missing:
                raise UnitsFileInvalid(
                    Msg(
                        "units.error.missing_columns",
                        {"line": str(line), "columns": ", ".join(missing), "expected": ", ".join(COLUMNS)},
                    )
                )
            continue
        get = {column: values[index] if index < len(values) else "" for column, index in header.items()}
        rows.append(_cleaned(UnitRow(line, get["code"], get["name"], get["level"], get["parent_code"])))
    if header is None:
        raise UnitsFileInvalid(Msg("units.error.empty_file", {"name": name}))
    return rows


def _csv_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        # utf-8-sig drops the byte order mark Excel writes at the start of "CSV UTF-8" files.
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        line = str(path.read_bytes()[: error.start].count(b"\n") + 1)
        raise UnitsFileInvalid(Msg("units.error.not_utf8", {"name": path.name, "line": line})) from None
    first = content.split("\n", 1)[0]
    # Excel in a Vietnamese locale saves CSV with ';' because ',' is the decimal separator there.
    delimiter = max((";", ",", "\t"), key=first.count) if first.strip() else ","
    reader = csv.reader(content.splitlines(keepends=True), delimiter=delimiter)
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def _xlsx_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # only an .xlsx import pays for it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise UnitsFileInvalid(Msg("units.error.not_xlsx", {"name": path.name})) from None
    try:
        sheet = workbook.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell(cell) for cell in cells]
    finally:
        workbook.close()


def _cleaned(row: UnitRow) -> UnitRow:
    """A row through the one text rule: codes and the level as keys, the name as a line of text."""
    return replace(
        row,
        code=_key(row.code),
        name=clean_line(row.name),
        level=clean_key(row.level).lower(),
        parent_code=_key(row.parent_code or "") or None,
    )


# --- importing -----------------------------------------------------------------------------------


@dataclass
class _Node:
    """A unit of the tree as it will be after the import."""

    code: str
    parent: str | None
    id: int = 0
    path: str = ""
    depth: int = 0
    row: UnitRow | None = None  # the file's row for this unit, if it has one


async def import_units(
    db: Database, rows: Sequence[UnitRow], progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    """Create or update units from `rows` in one transaction; if any row is bad, import nothing."""
    async with db.session() as session, session.begin():
        if not db.is_sqlite:
            # Readers go on; a second import waits for this one instead of computing paths from stale rows.
            await session.execute(text("LOCK TABLE units IN SHARE ROW EXCLUSIVE MODE"))
        stored = {
            row.code: row
            for row in await session.execute(
                select(Unit.id, Unit.code, Unit.name, Unit.level, Unit.parent_id, Unit.path, Unit.depth)
            )
        }
        code_of = {row.id: code for code, row in stored.items()}
        nodes = _plan_tree(
            rows,
            {
                code: _Node(code, code_of[row.parent_id] if row.parent_id else None, row.id)
                for code, row in stored.items()
            },
        )
        new = [node for node in nodes.values() if node.code not in stored]
        for node, new_id in zip(new, await _allocate_ids(session, len(new)), strict=True):
            node.id = new_id
        _place(nodes)

        def values(node: _Node, name: str, level: str) -> dict[str, object]:
            parent_id = nodes[node.parent].id if node.parent else None
            return {
                "name": name,
                "level": level,
                "parent_id": parent_id,
                "path": node.path,
                "depth": node.depth,
            }

        inserts = [
            {
                "id": node.id,
                "code": node.code,
                "code_key": code_key(node.code),
                **values(node, node.row.name, node.row.level),
            }
            for node in sorted(new, key=lambda n: n.depth)  # parents before children
            if node.row is not None
        ]
        updates: list[dict[str, object]] = []
        updated = unchanged = 0
        for code, old in stored.items():
            node = nodes[code]
            row = values(node, *((node.row.name, node.row.level) if node.row else (old.name, old.level)))
            changed = (row["name"], row["level"], row["parent_id"]) != (old.name, old.level, old.parent_id)
            if node.row is not None:
                updated, unchanged = updated + changed, unchanged + (not changed)
            # A unit outside the file changes too when an ancestor moved: its path and depth follow.
            if changed or (node.path, node.depth) != (old.path, old.depth):
                updates.append({"unit_id": node.id, **{f"new_{key}": value for key, value in row.items()}})
        await _write(session, inserts, updates, progress)
    return ImportResult(created=len(inserts), updated=updated, unchanged=unchanged)


async def _write(
    session: AsyncSession,
    inserts: list[dict[str, object]],
    updates: list[dict[str, object]],
    progress: Callable[[int, int], None] | None,
) -> None:
    """Insert, then update, units in chunks of executemany (Core statements: no ORM objects)."""
    table = cast(Table, Unit.__table__)
    columns = ("name", "level", "parent_id", "path", "depth")
    change = (
        update(table)
        .where(table.c.id == bindparam("unit_id"))
        .values({column: bindparam(f"new_{column}") for column in columns})
    )
    total, done = len(inserts) + len(updates), 0
    # Inserts first: a stored unit may move under a new one.
    for statement, batch in ((insert(table), inserts), (change, updates)):
        for start in range(0, len(batch), _CHUNK):
            chunk = batch[start : start + _CHUNK]
            await session.execute(statement, chunk)
            done += len(chunk)
            if progress:
                progress(done, total)


def _plan_tree(rows: Sequence[UnitRow], nodes: dict[str, _Node]) -> dict[str, _Node]:
    """The stored tree (`nodes`) with `rows` applied; raises UnitsFileInvalid naming every bad row."""
    errors: list[tuple[int, Msg]] = []

    def fail(row: UnitRow, message_id: str, **params: str) -> None:
        errors.append((row.line, Msg(message_id, {"line": str(row.line), **params})))

    first_line: dict[str, int] = {}
    in_file: list[_Node] = []
    for row in map(_cleaned, rows):
        # A NUL, an ESC or a line break in a code is an accident of the file; dropping it silently
        # would store a code nobody typed (and PostgreSQL refuses a NUL outright).
        bad = [(column, getattr(row, column)) for column in ("code", "parent_code")]
        bad = [(column, value) for column, value in bad if value and control_character(value)]
        for column, value in bad:
            fail(
                row,
                "units.error.control_character",
                column=column,
                value=_shown(value),
                character=f"U+{ord(control_character(value) or ' '):04X}",
            )
        if bad:
            continue
        for column, limit in _LIMITS.items():
            value = getattr(row, column)
            if not value:
                fail(row, "units.error.empty_field", column=column)
            elif len(value) > limit:
                fail(row, "units.error.too_long", column=column, limit=str(limit))
        if not row.code:
            continue
        if row.code in first_line:
            fail(row, "units.error.duplicate_code", code=row.code, other=str(first_line[row.code]))
            continue
        first_line[row.code] = row.line
        node = nodes.setdefault(row.code, _Node(row.code, None))
        node.row = row
        in_file.append(node)

    for node in in_file:
        given = node.row
        assert given is not None
        node.parent = given.parent_code or None
        if given.parent_code == given.code:
            fail(given, "units.error.own_parent", code=given.code)
            node.parent = None
        elif given.parent_code and given.parent_code not in nodes:
            fail(given, "units.error.unknown_parent", code=given.code, parent=given.parent_code)
            node.parent = None

    # Walk up from every unit of the file; a walk that meets itself is a cycle. Units not in the
    # file keep their parents, so a cycle through one of them is a unit moved under its own descendant.
    state: dict[str, bool] = {}  # False while on the current walk, True once finished
    for start in in_file:
        walk: list[str] = []
        code: str | None = start.code
        while code is not None and code not in state:
            state[code] = False
            walk.append(code)
            code = nodes[code].parent
        if code is not None and state[code] is False:
            cycle = walk[walk.index(code) :]
            chain = " → ".join([*cycle, cycle[0]])
            moved = any(nodes[member].row is None for member in cycle)
            for member in cycle:
                looped = nodes[member].row
                if looped is None:
                    continue
                if moved:
                    fail(
                        looped,
                        "units.error.under_descendant",
                        code=member,
                        parent=looped.parent_code or "",
                        chain=chain,
                    )
                else:
                    fail(looped, "units.error.cycle", code=member, chain=chain)
        for member in walk:
            state[member] = True

    if not errors:
        for node in in_file:
            if _depth(nodes, node) > MAX_DEPTH and node.row is not None:
                fail(node.row, "units.error.too_deep", code=node.code, limit=str(MAX_DEPTH + 1))
    if errors:
        errors.sort(key=lambda item: item[0])
        raise UnitsFileInvalid(*(message for _, message in errors))
    return nodes


def _shown(value: str) -> str:
    """A value for an error line: its control characters as visible symbols (␀, ␛, ↵...)."""
    symbols = {"\n": "↵", "\r": "↵", "\t": "⇥"}
    return "".join(
        symbols.get(ch, chr(0x2400 + ord(ch)) if ord(ch) < 0x20 else "�") if control_character(ch) else ch
        for ch in value.strip()
    )


def _depth(nodes: dict[str, _Node], node: _Node) -> int:
    depth, parent = 0, node.parent
    while parent is not None and depth <= MAX_DEPTH:
        depth, parent = depth + 1, nodes[parent].parent
    return depth


def _place(nodes: dict[str, _Node]) -> None:
    """Fill in every node's path and depth from its parent's (ids must be set)."""
    placed: set[str] = set()
    for node in nodes.values():
        chain: list[_Node] = []
        current: _Node | None = node
        while current is not None and current.code not in placed:
            chain.append(current)
            current = nodes[current.parent] if current.parent else None
        for member in reversed(chain):
            parent = nodes[member.parent] if member.parent else None
            member.path = f"{parent.path if parent else '/'}{member.id}/"
            member.depth = parent.depth + 1 if parent else 0
            placed.add(member.code)


async def _allocate_ids(session: AsyncSession, count: int) -> list[int]:
    """`count` fresh unit ids, known before inserting so that paths can be written in the same row."""
    if count == 0:
        return []
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        result = await session.scalars(
            text("SELECT nextval(pg_get_serial_sequence('units', 'id')) FROM generate_series(1, :n)"),
            {"n": count},
        )
        return list(result)
    # SQLite: this transaction began IMMEDIATE and holds the write lock, so nobody else takes ids.
    top = await session.scalar(select(func.coalesce(func.max(Unit.id), 0)))
    return list(range(int(top or 0) + 1, int(top or 0) + 1 + count))


# --- queries -------------------------------------------------------------------------------------


def in_subtree(path: str) -> ColumnElement[bool]:
    """Units whose path starts with `path`: the unit itself and every unit under it (an index range)."""
    # '0' is the character after '/', so [path, path-without-slash + '0') is exactly the prefix range.
    return and_(Unit.path >= path, Unit.path < path[:-1] + "0")


def ancestor_ids(path: str) -> list[int]:
    """The ids on a unit's path, root first, the unit itself last."""
    return [int(part) for part in path.strip("/").split("/") if part]


def code_key(code: str) -> str:
    """A unit code as it is looked up: "qt-hl", "QT - HL", "ＱＴ-ＨＬ", "Đu-1" → "QT-HL", "DU-1"."""
    return "".join(fold(clean_key(code)).split()).upper()


def _view(unit: Unit) -> UnitView:
    return UnitView(unit.id, unit.code, unit.name, unit.level, unit.parent_id, unit.path, unit.depth)


async def unit_by_code(session: AsyncSession, code: str) -> UnitView | None:
    """The unit with this code, or None."""
    unit = await session.scalar(select(Unit).where(Unit.code == clean_key(code)))
    return _view(unit) if unit else None


async def unit_by_id(session: AsyncSession, unit_id: int) -> UnitView | None:
    """The unit with this id, or None."""
    unit = await session.get(Unit, unit_id)
    return _view(unit) if unit else None


async def require_unit(session: AsyncSession, code: str) -> UnitView:
    """The unit with this code; raises UnknownUnit if there is none."""
    unit = await unit_by_code(session, code)
    if unit is None:
        raise UnknownUnit(clean_key(code))
    return unit


async def subtree_unit_ids(session: AsyncSession, unit_id: int) -> list[int]:
    """Ids of the unit and every unit under it, in tree order; empty if the unit does not exist."""
    path = await session.scalar(select(Unit.path).where(Unit.id == unit_id))
    if path is None:
        return []
    return list(await session.scalars(select(Unit.id).where(in_subtree(path)).order_by(Unit.path)))


async def levels_in_subtree(session: AsyncSession, path: str) -> list[str]:
    """The distinct levels of the units under (and including) the unit with this path."""
    return sorted(await session.scalars(select(Unit.level).where(in_subtree(path)).distinct()))
