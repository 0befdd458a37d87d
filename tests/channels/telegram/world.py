"""A small province with an open ct30-20nam campaign and invite codes, on any test database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from storage.campaigns import create_campaign
from storage.db import Database
from storage.invites import create_invite
from storage.units import UnitRow, import_units
from tests.secret import SECRET

UNITS = [
    UnitRow(line=2, code="T", name="Tỉnh Mẫu", level="tinh", parent_code=None),
    UnitRow(line=3, code="H", name="Huyện Mẫu", level="huyen", parent_code="T"),
    UnitRow(line=4, code="X1", name="Xã Một", level="xa", parent_code="H"),
    UnitRow(line=5, code="X2", name="Xã Hai", level="xa", parent_code="H"),
]


@dataclass(frozen=True)
class World:
    codes: dict[str, str]  # unit code -> invite code


async def build_world(database: Database, *, uses: int = 5) -> World:
    await import_units(database, UNITS)
    now = datetime.now(UTC)
    async with database.session() as session, session.begin():
        deadlines = {"xa": date(2030, 6, 30), "huyen": date(2030, 7, 30), "tinh": date(2030, 8, 31)}
        await create_campaign(session, "ct30-20nam", 1, "Tổng kết 20 năm Chỉ thị 30", "T", deadlines)
        codes = {code: await create_invite(session, code, "reporter", uses=uses, days=30, now=now,
                                                   secret=SECRET)
                 for code in ("X1", "X2")}
    return World(codes)
