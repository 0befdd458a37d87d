"""The operator asks `baocao progress` and `baocao missing` about a province, by script or by eye."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import insert

from storage.campaigns import create_campaign
from storage.db import Database
from storage.models import Identity, Member, Membership
from tests.cli.test_admin_cli import assert_one_line_error, run_all
from tests.storage.test_oversight import ALL_SECTIONS, BEFORE_ANY, NOW, OUTLINE, build_world

COUNTS = ["total", "submitted", "in_progress", "not_started", "returned", "overdue"]


async def test_progress_and_missing_as_json_for_scripts(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    world = await build_world(database)
    campaign = str(world.campaign.id)
    progress, district, missing, explicit = run_all(
        database_url,
        tmp_path,
        [
            ["progress", "--unit", "QT", "--json"],
            ["progress", "--unit", "qt-hl", "--json"],  # lower case finds QT-HL
            ["missing", "--unit", "qt", "--json"],
            ["missing", "--unit", "QT", "--campaign", campaign, "--json"],
        ],
    )
    assert progress.code == 0, progress
    shown = json.loads("\n".join(progress.out))
    assert list(shown) == ["unit", "campaign", *COUNTS, "children", "sections"]
    # Every deadline of 2018 has passed: every unit not submitted is overdue.
    assert (shown["unit"], shown["campaign"]) == ("QT", world.campaign.id)
    assert [shown[name] for name in COUNTS] == [6, 2, 1, 2, 1, 4]
    assert shown["children"][2] == {
        "code": "QT-HL",
        "name": "Huyện ủy Hải Lăng",
        "total": 3,
        "submitted": 1,
        "in_progress": 1,
        "not_started": 0,
        "returned": 1,
        "overdue": 2,
    }
    assert [child["code"] for child in shown["children"]] == ["QT-CC", "QT-GL", "QT-HL", "QT-ĐK"]
    assert shown["sections"][0] == {
        "id": ALL_SECTIONS[0],
        "title": OUTLINE.sections[0].title.get("vi"),
        "answered_units": 4,
    }
    assert json.loads("\n".join(district.out))["unit"] == "QT-HL"

    assert missing.code == 0, missing
    listed = json.loads("\n".join(missing.out))
    assert list(listed) == ["unit", "campaign", "units"]
    assert [unit["code"] for unit in listed["units"]] == ["QT-CC", "QT-ĐK", "HL-HB", "HL-HC"]
    assert listed["units"][0] == {
        "code": "QT-CC",
        "name": "Huyện ủy Cồn Cỏ",
        "parent_code": "QT",
        "status": "not_started",
        "answered": 0,
        "required": BEFORE_ANY,
        "overdue": True,
        "last_activity": None,
        "contacts": [],
        "undelivered": [],
    }
    hai_ba = listed["units"][2]
    assert (hai_ba["status"], hai_ba["answered"], hai_ba["required"], hai_ba["contacts"]) == (
        "in_progress",
        3,
        30,
        ["Chị Lan"],
    )
    assert hai_ba["last_activity"] == "2018-07-01T02:00:00+00:00"
    assert listed["units"][3]["status"] == "returned"
    assert json.loads("\n".join(explicit.out)) == listed


async def test_tables_for_the_operator(database: Database, database_url: str, tmp_path: Path) -> None:
    world = await build_world(database)
    # A cadre who joined from the terminal and gave no name: named as chat names them, not "nobody".
    async with database.session() as session, session.begin():
        unnamed = await session.scalar(
            insert(Member).values(display_name="", created_at=NOW).returning(Member.id)
        )
        await session.execute(insert(Identity).values(member_id=unnamed, channel="console", external_id="x"))
        await session.execute(
            insert(Membership).values(
                member_id=unnamed, unit_id=world.units["HL-HC"].id, role="reporter", created_at=NOW
            )
        )
    progress, missing, done = run_all(
        database_url,
        tmp_path,
        [["progress", "--unit", "QT"], ["missing", "--unit", "QT-HL"], ["missing", "--unit", "QT-GL"]],
    )
    assert progress.code == 0 and missing.code == 0 and done.code == 0, (progress, missing, done)
    text = "\n".join(progress.out)
    assert "Đã nộp 2/6 · đang làm 1 · chưa bắt đầu 2 · bị trả lại 1 · quá hạn 4" in text
    assert "QT-HL" in text and "Gio Linh" in text
    listed = "\n".join(missing.out)
    assert "2 đơn vị cơ sở dưới Huyện ủy Hải Lăng (QT-HL) chưa nộp" in listed
    assert "HL-HB" in listed and "HL-HC" in listed and "HL-HA" not in listed
    assert "3/30" in listed and "25/30" in listed
    # The codes stay whole on an 80-column pipe; a long word folds rather than being cut with "…".
    rows = table_rows(missing.out)
    assert set(rows) == {"HL-HB", "HL-HC"}
    assert unspaced(rows["HL-HC"][-1]) == unspaced("Anh Minh (Zalo), một cán bộ chưa có tên (terminal)")
    assert unspaced(rows["HL-HB"][-1]) == unspaced("Chị Lan (Telegram)")
    assert "…" not in listed
    assert done.out[0].startswith("Mọi đơn vị cơ sở dưới Huyện ủy Gio Linh (QT-GL) đã nộp")


def unspaced(text: str) -> str:
    return "".join(text.split())


def table_rows(lines: list[str]) -> dict[str, list[str]]:
    """A rich table's body rows by their first cell, each cell's wrapped lines joined again."""
    rows: dict[str, list[str]] = {}
    current: list[list[str]] | None = None
    for line in lines:
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.strip("│").split("│")]
        if cells[0]:
            current = [[cell] for cell in cells]
            rows[cells[0]] = current  # type: ignore[assignment]
        elif current is not None:
            for parts, cell in zip(current, cells, strict=True):
                parts.append(cell)
    return {code: [" ".join(p for p in parts if p) for parts in row] for code, row in rows.items()}  # type: ignore[misc]


async def test_bad_input_is_one_sentence_and_a_failing_exit(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    world = await build_world(database)
    async with database.session() as session, session.begin():
        district_only = await create_campaign(
            session, "ct30-20nam", 1, "Đợt riêng Hải Lăng", "QT-HL", {"xa": date(2018, 9, 30)}
        )
    runs = run_all(
        database_url,
        tmp_path,
        [
            ["progress", "--unit", "QT-XX"],
            ["missing", "--unit", "QT", "--campaign", "999"],
            ["progress", "--unit", "QT", "--campaign", "ba"],
            ["missing", "--unit", "QT-GL", "--campaign", str(district_only)],
            ["progress", "--unit", "qb-01", "--json"],
        ],
    )
    expected = [
        "Không có đơn vị nào mang mã QT-XX.",
        "Không có đợt báo cáo nào mang mã 999.",
        "Mã đợt «ba» không hợp lệ: mã đợt là một số, như «baocao campaign create» đã in ra.",
        f"Đợt báo cáo {district_only} («Đợt riêng Hải Lăng») không bao gồm Huyện ủy Gio Linh (QT-GL).",
        "Chưa có đợt báo cáo nào bao gồm Đảng ủy xã Quảng Bình 1 (QB-01); "
        "hãy tạo bằng «baocao campaign create».",
    ]
    for run, sentence in zip(runs, expected, strict=True):
        assert_one_line_error(run, sentence)
    # Without --campaign, the newest campaign covering the unit: the district's own for Hải Lăng.
    (latest,) = run_all(database_url, tmp_path, [["missing", "--unit", "qt-hl", "--json"]])
    assert json.loads("\n".join(latest.out))["campaign"] == district_only != world.campaign.id


async def test_missing_shows_whom_the_last_reminder_could_not_reach(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    """Chị Lan (Hải Ba) blocked the bot: her last reminder is undeliverable, in the table and the JSON."""
    from sqlalchemy import select

    from storage.models import Identity, Reminder, Unit

    world = await build_world(database)
    async with database.session() as session, session.begin():
        [(member_id, unit_id)] = (
            await session.execute(
                select(Identity.member_id, Unit.id)
                .where(Identity.channel == "telegram", Identity.external_id == "1")
                .join(Unit, Unit.code == "HL-HB")
            )
        ).all()
        session.add(
            Reminder(
                campaign_id=world.campaign.id,
                unit_id=unit_id,
                member_id=member_id,
                kind="scheduled",
                slot="-3",
                channel="telegram",
                chat_id="1",
                outcome="undeliverable",
                error="HTTP 403: Forbidden: bot was blocked by the user",
            )
        )
    table, as_json = run_all(
        database_url,
        tmp_path,
        [["missing", "--unit", "QT-HL"], ["missing", "--unit", "QT-HL", "--json"]],
    )
    assert table.code == 0 and as_json.code == 0, (table, as_json)
    shown = " ".join(" ".join(table.out).split())
    assert "Không gửi được nhắc nhở" in shown and "đã chặn bot" in shown
    [hai_ba] = [unit for unit in json.loads("\n".join(as_json.out))["units"] if unit["code"] == "HL-HB"]
    assert hai_ba["undelivered"] == [
        {
            "name": "Chị Lan",
            "channel": "telegram",
            "reason": "HTTP 403: Forbidden: bot was blocked by the user",
        }
    ]
