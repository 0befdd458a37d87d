"""`baocao demo` and `baocao chat` through the real command with piped stdin, as a script would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BAOCAO = [sys.executable, "-c", "from bot.cli import main; main()"]


def run(
    args: list[str], stdin: str, tmp_path: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BAOCAO, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={**os.environ, "BAOCAO_LOG_FILE": str(tmp_path / "baocao.log"), **(env or {})},
    )


def test_demo_joins_and_walks_the_outline_then_resumes_next_time(tmp_path: Path) -> None:
    # The demo opens its campaign on the latest outline (ct30-20nam version 2): the unit's kind first.
    first = run(["demo"], "/baocao\n1\nĐã tổ chức 5 hội nghị quán triệt.\ntiếp\n12 hội nghị\n", tmp_path)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Xã Hải Ba" in out
    assert "Anh/chị đã được ghi nhận là cán bộ phụ trách báo cáo của Xã Hải Ba." in out
    assert "Mục 1/6 · Câu 1/53" in out and "Đơn vị báo cáo thuộc loại hình nào?" in out
    assert "Mục 1/6 · Câu 2/53" in out
    assert "Đã lưu nội dung câu 2." in out
    assert "Mục 1/6 · Câu 3/53" in out
    assert "Mục 1/6 · Câu 4/53" in out  # "12 hội nghị" was taken as 12
    assert "Traceback" not in out + first.stderr

    # Days later: the same demo database, the cadre carries on where she stopped.
    again = run(["demo"], "/baocao\n/xemlai\n", tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Mục 1/6 · Câu 4/53" in again.stdout
    assert "Đã tổ chức 5 hội nghị quán triệt." in again.stdout  # shown back in the review
    assert "Chào mừng" not in again.stdout  # no second join


def test_chat_as_a_console_user_with_an_invite(tmp_path: Path) -> None:
    env = {"BAOCAO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"}
    units = tmp_path / "units.csv"
    units.write_text("code,name,level,parent_code\nT,Tỉnh Thử,tinh,\nX,Xã Thử,xa,T\n", "utf-8")
    assert run(["db", "upgrade"], "", tmp_path, env).returncode == 0
    assert run(["units", "import", str(units)], "", tmp_path, env).returncode == 0
    created = run(
        [
            "campaign",
            "create",
            "--outline",
            "ct30-20nam",
            "--title",
            "Tổng kết",
            "--root",
            "T",
            "--deadline",
            "xa=2030-06-30",
            "--deadline",
            "tinh=2030-08-31",
        ],
        "",
        tmp_path,
        env,
    )
    assert created.returncode == 0, created.stderr
    invite = run(["invite", "--unit", "X", "--role", "reporter"], "", tmp_path, env)
    assert invite.returncode == 0, invite.stderr
    code = invite.stdout.strip().splitlines()[-1]

    chat = run(["chat", "--user", "u1"], f"xin chào\n{code}\n/baocao\n\n", tmp_path, env)
    assert chat.returncode == 0, chat.stderr
    replies = chat.stdout
    assert "mã mời" in replies  # before joining: asked for the invite code
    assert "Xã Thử" in replies
    assert "Mục 1/6 · Câu 1/53" in replies  # a new campaign gets the latest outline, version 2
    assert "Traceback" not in replies + chat.stderr


def test_khong_co_kien_nghi_through_the_chat(tmp_path: Path) -> None:
    env = {"BAOCAO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"}
    units = tmp_path / "units.csv"
    units.write_text("code,name,level,parent_code\nT,Tỉnh Thử,tinh,\nX,Xã Thử,xa,T\n", "utf-8")
    assert run(["db", "upgrade"], "", tmp_path, env).returncode == 0
    assert run(["units", "import", str(units)], "", tmp_path, env).returncode == 0
    campaign = ["campaign", "create", "--outline", "ct30-20nam", "--title", "Tổng kết", "--root", "T"]
    created = run([*campaign, "--deadline", "xa=2030-06-30"], "", tmp_path, env)
    assert created.returncode == 0, created.stderr
    assert "phiên bản 2" in created.stdout
    invite = run(["invite", "--unit", "X", "--role", "reporter"], "", tmp_path, env)
    code = invite.stdout.strip().splitlines()[-1]

    from dialogs.builtin import get_outline

    number = get_outline("ct30-20nam", 2).number("kien_nghi_de_xuat")
    typed = f"{code}\n/baocao\n1\n/sua {number}\nKhông có kiến nghị\ntiếp\n/xem {number}\n"
    chat = run(["chat", "--user", "u1"], typed, tmp_path, env)
    assert chat.returncode == 0, chat.stderr
    replies = chat.stdout
    assert "Nếu không có, anh/chị ghi “Không có kiến nghị”." in replies
    assert f"Đã lưu nội dung câu {number}." in replies
    assert "→ Không có kiến nghị" in replies  # stored as typed, shown back by "/xem"
    assert f"Mục 6/6 · Câu {number + 1}/53" in replies  # and the report went on to part III
    assert "Traceback" not in replies + chat.stderr
