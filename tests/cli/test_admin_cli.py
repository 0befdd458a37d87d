"""The operator sets up the bot with the real `baocao` command: migrate, import units, campaign, invites."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from storage.campaigns import campaigns_for_unit
from storage.db import Database
from storage.invites import Redeemed, redeem_invite
from storage.models import Unit
from storage.units import UnitRow, import_units, unit_by_code
from tests.secret import SECRET

FIXTURES = Path(__file__).resolve().parents[1] / "storage" / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
_SCRIPT = Path(sys.executable).with_name("baocao")
# The console script installed by `pip install -e .`; the same entry point otherwise.
COMMAND = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-c", "from bot.cli import main; main()"]
NOT_MIGRATED = "Cơ sở dữ liệu chưa được khởi tạo, hãy chạy: baocao db upgrade"


@dataclass(frozen=True)
class Run:
    """What one `baocao` command did."""

    code: int
    out: list[str]
    err: list[str]


def _env(url: str, cwd: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BAOCAO_")}
    env.update(
        BAOCAO_DATABASE_URL=url,
        BAOCAO_LOG_FILE=str(cwd / "baocao.log"),
        BAOCAO_SECRET_KEY=SECRET,
        PYTHONPATH=str(ROOT),
    )
    return env


def start(url: str, cwd: Path, *args: str, secret: str | None = SECRET) -> subprocess.Popen[str]:
    # cwd is the test's own folder: no .env file and no baocao.log of the developer's is picked up.
    env = _env(url, cwd)
    if secret is None:
        del env["BAOCAO_SECRET_KEY"]
    else:
        env["BAOCAO_SECRET_KEY"] = secret
    return subprocess.Popen(
        [*COMMAND, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> Run:
    out, err = process.communicate(timeout=120)
    return Run(process.returncode, out.splitlines(), err.splitlines())


def baocao(url: str, cwd: Path, *args: str, secret: str | None = SECRET) -> Run:
    return finish(start(url, cwd, *args, secret=secret))


def run_all(url: str, cwd: Path, commands: Sequence[Sequence[str]]) -> list[Run]:
    """Run independent commands side by side (each pays the interpreter's start-up)."""
    processes = [start(url, cwd, *command) for command in commands]
    return [finish(process) for process in processes]


def assert_one_line_error(run: Run, expected: str) -> None:
    assert run.code == 1, run
    assert run.err == [expected], run
    assert run.out == []


async def test_an_operator_sets_up_a_province_from_an_empty_database(
    empty_database_url: str, tmp_path: Path
) -> None:
    upgraded = baocao(empty_database_url, tmp_path, "db", "upgrade")
    assert upgraded.code == 0, upgraded
    assert "Đã nâng cấp cơ sở dữ liệu" in upgraded.out[-1]
    assert "đã ở phiên bản mới nhất" in baocao(empty_database_url, tmp_path, "db", "upgrade").out[-1]

    imported = baocao(
        empty_database_url, tmp_path, "units", "import", str(FIXTURES / "units_bom_semicolon.csv")
    )
    assert imported.code == 0, imported
    assert imported.out == ["Đã nhập 6 đơn vị: 6 đơn vị mới, 0 đơn vị được cập nhật, 0 đơn vị không đổi."]

    created = baocao(
        empty_database_url,
        tmp_path,
        *("campaign", "create", "--outline", "ct30-20nam", "--title", "Tổng kết 20 năm Chỉ thị 30"),
        *("--root", "T", "--deadline", "xa=2018-06-30", "--deadline", "huyen=15/07/2018"),
    )
    assert created.code == 0, created
    assert "«Tổng kết 20 năm Chỉ thị 30»" in created.out[0] and "Tỉnh Mẫu (T)" in created.out[0]
    campaign_id = int(created.out[-1])

    invited = baocao(
        empty_database_url, tmp_path, "invite", "--unit", "X12", "--role", "reporter", "--uses", "2"
    )
    assert invited.code == 0, invited
    assert invited.out[0].startswith(
        "Mã mời vào Xã Một Hai (X12) với vai trò cán bộ báo cáo, dùng được 2 lần"
    )
    code = invited.out[-1]

    db = Database.connect(empty_database_url)
    try:
        async with db.session() as session, session.begin():
            joined = await redeem_invite(session, code, "telegram", "7", "Chị Hoa", secret=SECRET)
            assert isinstance(joined, Redeemed) and joined.unit_code == "X12"
            campaigns = await campaigns_for_unit(session, joined.unit_id)
        assert [(c.id, c.due_on) for c in campaigns] == [(campaign_id, date(2018, 6, 30))]
    finally:
        await db.dispose()


def test_commands_on_a_database_without_tables_say_to_run_db_upgrade(
    empty_database_url: str, tmp_path: Path
) -> None:
    run = baocao(empty_database_url, tmp_path, "units", "import", str(FIXTURES / "units_bom_semicolon.csv"))
    assert_one_line_error(run, NOT_MIGRATED)


async def test_a_units_file_with_bad_rows_lists_them_all_and_imports_nothing(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    run = baocao(database_url, tmp_path, "units", "import", str(FIXTURES / "units_bad.csv"))
    assert run.code == 1
    assert [line.split(":")[0] for line in run.err[:-1]] == [f"Dòng {n}" for n in (4, 5, 6, 7, 9, 10)]
    assert run.err[-1] == "Không nhập đơn vị nào vì tệp có 6 lỗi; hãy sửa các dòng trên rồi nhập lại."
    assert "Traceback" not in "\n".join(run.err)
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Unit)) == 0


async def test_unknown_units_and_levels_are_one_clear_line(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    await import_units(database, [UnitRow(2, "T", "Tỉnh", "tinh"), UnitRow(3, "X", "Xã", "xa", "T")])
    campaign = ("campaign", "create", "--outline", "ct30-20nam", "--title", "Tổng kết")
    runs = run_all(
        database_url,
        tmp_path,
        [
            ("invite", "--unit", "NOPE", "--role", "reporter"),
            (*campaign, "--root", "NOPE", "--deadline", "xa=2018-06-30"),
            (*campaign, "--root", "T", "--deadline", "huyen=2018-06-30"),
            (
                "campaign",
                "create",
                "--outline",
                "nope",
                "--title",
                "T",
                "--root",
                "T",
                "--deadline",
                "xa=2018-06-30",
            ),
        ],
    )
    assert_one_line_error(runs[0], "Không có đơn vị nào mang mã NOPE.")
    assert_one_line_error(runs[1], "Không có đơn vị nào mang mã NOPE.")
    assert_one_line_error(runs[2], "Không có đơn vị cấp «huyen» nào thuộc T; các cấp có: tinh, xa.")
    assert runs[3].code == 1 and runs[3].err[0].startswith(
        "Không có dàn ý nào mang mã nope; các dàn ý có sẵn:"
    )
    async with database.session() as session:
        assert await unit_by_code(session, "T") is not None


def test_mistakes_in_the_command_are_one_clear_line_without_touching_the_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'untouched.db'}"
    (tmp_path / "units.xls").write_bytes(b"")
    campaign = ("campaign", "create", "--outline", "ct30-20nam", "--title", "T", "--root", "T")
    runs = run_all(
        url,
        tmp_path,
        [
            (*campaign, "--deadline", "xa=2018-13-40"),
            (*campaign, "--deadline", "2018-06-30"),
            ("invite", "--unit", "T", "--role", "admin"),
            ("units", "import", str(tmp_path / "missing.csv")),
            ("units", "import", str(tmp_path / "units.xls")),
        ],
    )
    assert_one_line_error(
        runs[0], "Hạn nộp «xa=2018-13-40» không hợp lệ; hãy viết CẤP=NĂM-THÁNG-NGÀY, ví dụ xa=2018-06-30."
    )
    assert_one_line_error(
        runs[1], "Hạn nộp «2018-06-30» không hợp lệ; hãy viết CẤP=NĂM-THÁNG-NGÀY, ví dụ xa=2018-06-30."
    )
    assert_one_line_error(runs[2], "Vai trò «admin» không hợp lệ; chỉ dùng một trong: reporter, supervisor.")
    assert_one_line_error(runs[3], f"Không tìm thấy tệp {tmp_path / 'missing.csv'}.")
    assert_one_line_error(runs[4], "Không đọc được tệp units.xls: chỉ nhận tệp .csv hoặc .xlsx.")
    assert not (tmp_path / "untouched.db").exists()


def test_a_database_that_cannot_be_reached_is_one_clear_line(tmp_path: Path) -> None:
    refused = "postgresql+asyncpg://baocao@127.0.0.1:1/baocao"  # nothing listens on port 1
    runs = [
        *run_all(refused, tmp_path, [("db", "upgrade"), ("invite", "--unit", "T", "--role", "reporter")]),
        baocao(f"sqlite+aiosqlite:///{tmp_path / 'no' / 'such' / 'folder.db'}", tmp_path, "db", "upgrade"),
        baocao("mysql://baocao@127.0.0.1/baocao", tmp_path, "db", "upgrade"),
    ]
    for run in runs[:3]:
        assert run.code == 1 and len(run.err) == 1, run
        assert run.err[0].startswith("Không kết nối được cơ sở dữ liệu "), run
    assert runs[3].code == 1 and runs[3].err[0].startswith("Không dùng được địa chỉ cơ sở dữ liệu mysql://")


async def test_a_nul_in_a_code_is_one_line_with_its_row_on_either_database(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "units.csv"
    path.write_bytes("code,name,level,parent_code\nT,Tỉnh,tinh,\nH\x001,Huyện Một,huyen,T\n".encode())
    run = baocao(database_url, tmp_path, "units", "import", str(path))
    assert run.code == 1
    assert run.err == [
        "Dòng 3: mã ở cột code «H␀1» chứa ký tự ẩn U+0000 (dấu xuống dòng, tab hay ký tự điều khiển) "
        "nên không dùng được; hãy gõ lại ô này rồi nhập lại tệp.",
        "Không nhập đơn vị nào vì tệp có 1 lỗi; hãy sửa các dòng trên rồi nhập lại.",
    ]
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Unit)) == 0


def test_an_unexpected_error_names_the_log_file_in_use(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'baocao.db'}"
    assert baocao(url, tmp_path, "db", "upgrade").code == 0
    # A table damaged by hand: the import fails in a way no message foresees.
    with closing(sqlite3.connect(tmp_path / "baocao.db")) as connection:
        connection.execute("ALTER TABLE units DROP COLUMN depth")
    log_file = tmp_path / "logs" / "nhat-ky.txt"
    log_file.parent.mkdir()
    env = {**_env(url, tmp_path), "BAOCAO_LOG_FILE": str(log_file)}
    process = subprocess.run(
        [*COMMAND, "units", "import", str(FIXTURES / "units_bom_semicolon.csv")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 1
    assert process.stderr.splitlines() == [
        f"Đã xảy ra lỗi ngoài dự kiến (OperationalError); chi tiết được ghi trong tệp nhật ký {log_file}."
    ]
    assert "Traceback" in log_file.read_text()


def test_an_invite_needs_the_secret_key_and_says_so_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'untouched.db'}"
    invite = ("invite", "--unit", "T", "--role", "reporter")
    missing = baocao(url, tmp_path, *invite, secret=None)
    empty = baocao(url, tmp_path, *invite, secret="")
    short = baocao(url, tmp_path, *invite, secret="abc123")
    for run in (missing, empty):
        assert run.code == 1 and len(run.err) == 1 and run.out == [], run
        assert run.err[0].startswith("Chưa có khóa bí mật: hãy đặt biến môi trường BAOCAO_SECRET_KEY"), run
    assert short.code == 1 and len(short.err) == 1, short
    assert short.err[0].startswith(
        "Khóa bí mật BAOCAO_SECRET_KEY ngắn quá: cần một chuỗi ngẫu nhiên ít nhất 16 "
    )
    assert not (tmp_path / "untouched.db").exists()  # refused before the database is opened
