"""`baocao audit --unit CODE [--since DATE]`: who did what, when, in a unit and the units under it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import audit
from storage.db import Database
from storage.invites import create_invite, redeem_invite
from storage.members import remove_membership
from storage.units import UnitRow, import_units, unit_by_code
from tests.cli.test_admin_cli import assert_one_line_error, baocao
from tests.secret import SECRET

MARCH = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)  # 15:00 in Hà Nội


@pytest.fixture
async def trail(database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """A district and two communes with a few weeks of events; another district with its own."""
    monkeypatch.setenv("COLUMNS", "220")  # rich lays the table out for this width when piped
    await import_units(
        database,
        [
            UnitRow(2, "H", "Huyện Mẫu", "huyen", None),
            UnitRow(3, "X1", "Xã Một", "xa", "H"),
            UnitRow(4, "X2", "Xã Hai", "xa", "H"),
            UnitRow(5, "K", "Huyện Khác", "huyen", None),
        ],
    )
    async with database.session() as session, session.begin():
        code = await create_invite(session, "X1", "reporter", uses=3, days=30, now=MARCH, secret=SECRET)
        joined = await redeem_invite(
            session, code, "telegram", "7", "Chị Hoa", now=MARCH + timedelta(hours=1), secret=SECRET
        )
        short = await create_invite(session, "X1", "reporter", days=1, now=MARCH, secret=SECRET)
        await redeem_invite(
            session, short, "telegram", "9", "Người Lạ", now=MARCH + timedelta(days=2), secret=SECRET
        )
        await create_invite(session, "K", "reporter", now=MARCH, secret=SECRET)
        x1, x2 = await unit_by_code(session, "X1"), await unit_by_code(session, "X2")
        assert x1 is not None and x2 is not None and not isinstance(joined, str)
        await audit.record(
            session,
            "returned",
            at=MARCH + timedelta(days=10),
            member_id=None,
            unit_id=x2.id,
            detail={"version": 1, "reason": "Thiếu số liệu quý II"},
        )
        await remove_membership(
            session,
            member_id=joined.member_id,  # type: ignore[union-attr]
            unit_id=x1.id,
            by_member_id=None,
            now=MARCH + timedelta(days=20),
        )
    return database


def lines_of(out: list[str], word: str) -> list[str]:
    return [line for line in out if word in line]


async def test_the_trail_of_a_district_lists_its_communes_events_oldest_first(
    trail: Database, database_url: str, tmp_path: Path
) -> None:
    run = baocao(database_url, tmp_path, "audit", "--unit", "H")
    assert run.code == 0, run
    text = "\n".join(run.out)
    assert "Nhật ký của Huyện Mẫu (H) và các đơn vị cấp dưới: 6 sự kiện" in text
    rows = [line for line in run.out if "/2026" in line]
    assert len(rows) == 6 and "Huyện Khác" not in text  # K is not under H
    created, _, joined, failed, returned, removed = rows
    assert "01/03/2026 15:00" in created and "tạo mã mời" in created
    assert "quản trị viên (dòng lệnh)" in created and "vai trò cán bộ báo cáo, 3 lần dùng, 30 ngày" in created
    assert "01/03/2026 16:00" in joined and "tham gia" in joined and "Chị Hoa" in joined
    assert "03/03/2026 15:00" in failed and "nhập mã mời không được" in failed
    assert "Người Lạ" in failed and "mã đã hết hạn" in failed
    assert "11/03/2026 15:00" in returned and "X2" in returned
    assert "phiên bản 1, lý do: Thiếu số liệu quý II" in returned
    assert "xóa thành viên" in removed and "Chị Hoa (cán bộ báo cáo)" in removed


async def test_since_a_date_and_a_commune_alone(trail: Database, database_url: str, tmp_path: Path) -> None:
    since = baocao(database_url, tmp_path, "audit", "--unit", "H", "--since", "05/03/2026")
    assert since.code == 0, since
    assert len([line for line in since.out if "/2026" in line]) == 2  # the return and the removal
    iso = baocao(database_url, tmp_path, "audit", "--unit", "X2", "--since", "2026-03-01")
    assert [line for line in iso.out if "/2026" in line][0].count("trả lại báo cáo") == 1
    empty = baocao(database_url, tmp_path, "audit", "--unit", "X2", "--since", "2026-04-01")
    assert empty.code == 0 and empty.out == [
        "Chưa có sự kiện nào được ghi lại ở Xã Hai (X2) và các đơn vị cấp dưới."
    ]


async def test_an_unknown_unit_or_a_bad_date_is_one_clear_line(
    trail: Database, database_url: str, tmp_path: Path
) -> None:
    assert_one_line_error(
        baocao(database_url, tmp_path, "audit", "--unit", "NOPE"), "Không có đơn vị nào mang mã NOPE."
    )
    assert_one_line_error(
        baocao(database_url, tmp_path, "audit", "--unit", "H", "--since", "31/02/2026"),
        "Ngày «31/02/2026» không hợp lệ; hãy viết NĂM-THÁNG-NGÀY hoặc NGÀY/THÁNG/NĂM, "
        "ví dụ 2026-03-01 hoặc 01/03/2026.",
    )
