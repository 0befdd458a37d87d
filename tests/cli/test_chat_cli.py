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
    first = run(["demo"], "/baocao\nĐã tổ chức 5 hội nghị quán triệt.\ntiếp\n12 cuộc\n", tmp_path)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Xã Hải Ba" in out
    assert "Mục 1/5 · Câu 1/35" in out
    assert "Mục 1/5 · Câu 2/35" in out
    assert "Mục 1/5 · Câu 3/35" in out  # "12 cuộc" was taken as 12
    assert "Traceback" not in out + first.stderr

    # Days later: the same demo database, the cadre carries on where she stopped.
    again = run(["demo"], "/baocao\n/xemlai\n", tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Mục 1/5 · Câu 3/35" in again.stdout
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
    assert "Mục 1/5 · Câu 1/35" in replies
    assert "Traceback" not in replies + chat.stderr


def test_demo_numbers_at_their_scale_sentences_refused_unknown_kept(tmp_path: Path) -> None:
    """Issue 7, items 1–3 and 16: the quoted inputs, typed into `baocao demo` as a cadre would."""
    from dialogs.builtin import get_outline

    ct30 = get_outline("ct30-20nam")
    meetings, people = ct30.number("so_hoi_nghi_tt"), ct30.number("luot_nguoi_tham_du")
    money = ct30.number("dan_dong_gop")
    received, settled = ct30.number("don_nhan"), ct30.number("don_da_giai_quyet")
    lines = [
        "/baocao",
        "Đã tổ chức 5 hội nghị quán triệt.",
        "tiếp",
        "Năm 2018 không tổ chức",
        "Câu 3 tôi trả lời sau",
        "Thôn 5 chưa báo cáo",
        "Trong 20 năm đã tổ chức nhiều hội nghị",
        "12 người",
        "5%",
        "hơn 100",
        "không",
        "dưới 50",
        "có",
        "2,500",
        "3 ngàn",
        f"/sua {meetings}",
        "khoảng 300",
        "có",
        f"/sua {people}",
        "2 nghìn",
        *[line for t in ("không có", "ko co", "khong", "chưa có") for line in (f"/sua {meetings}", t)],
        *[line for t in ("chưa thống kê được", "không có số liệu") for line in (f"/sua {meetings}", t)],
        f"/sua {money}",
        "1,2 tỷ",
        f"/sua {money}",
        "500 nghìn đồng",
        f"/sua {received}",
        "20",
        f"/sua {settled}",
        "15",
        f"/sua {received}",
        "10",
        "/xemlai",
    ]
    done = run(["demo"], "\n".join(lines) + "\n", tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Traceback" not in out + done.stderr
    for sentence in lines[3:7]:
        assert f"“{sentence}” không phải là một con số nên chưa được lưu." in out
    assert "“12 người” không tính bằng hội nghị" in out
    assert "“5%” là tỷ lệ phần trăm" in out
    assert f"“hơn 100” chưa phải số chính xác. Lưu câu {meetings} là 100" in out
    assert f"Chưa lưu. Đề nghị gõ số chính xác cho câu {meetings}." in out
    assert f"Đã lưu câu {meetings}: 50 " in out
    assert "Chưa rõ “2,500” là 2.500 hay 2,5." in out
    assert f"Đã lưu câu {people}: 3.000 lượt người" in out
    assert f"Đã lưu câu {meetings}: 300 " in out
    assert f"Đã lưu câu {people}: 2.000 lượt người" in out
    assert out.count(f"Đã lưu câu {meetings}: 0 ") == 4
    assert out.count(f"Đã lưu câu {meetings}: chưa có số liệu") == 2
    assert f"Đã lưu câu {money}: 1.200 triệu đồng (1.200.000.000 đồng)" in out
    assert f"Đã lưu câu {money}: 0,5 triệu đồng (500.000 đồng)" in out
    warning = f"(15 đơn) nay lớn hơn câu {received} (10 đơn): gõ “sửa {settled}” hoặc “sửa {received}”"
    assert warning in out
    assert "→ chưa có số liệu" in out  # the review shows the unknown figure as such
