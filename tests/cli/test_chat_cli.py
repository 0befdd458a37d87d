"""`baocao demo` and `baocao chat` through the real command with piped stdin, as a script would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.secret import SECRET

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
        env={
            **os.environ,
            "BAOCAO_LOG_FILE": str(tmp_path / "baocao.log"),
            "BAOCAO_SECRET_KEY": SECRET,
            **(env or {}),
        },
    )


def test_demo_joins_and_walks_the_outline_then_resumes_next_time(tmp_path: Path) -> None:
    # The demo opens its campaign on the latest outline (ct30-20nam version 2): the unit's kind first.
    first = run(["demo"], "/baocao\n1\nĐã tổ chức 5 hội nghị quán triệt.\ntiếp\n12 hội nghị\n", tmp_path)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Anh/chị đã được ghi nhận là cán bộ phụ trách báo cáo của Đảng ủy xã Hải Ba." in out
    assert "(còn 30 ngày)" in out  # the commune level's deadline, on the welcome and the first question
    assert "Mục 1/6 · Câu 1/53" in out and "Đơn vị báo cáo thuộc loại hình nào?" in out
    assert "Mục 1/6 · Câu 1.1 (2/53)" in out  # the plan's number names the question
    assert "Đã lưu nội dung câu 1.1." in out
    assert "Mục 1/6 · Câu 3/53" in out
    assert "Mục 1/6 · Câu 4/53" in out  # "12 hội nghị" was taken as 12
    assert "Traceback" not in out + first.stderr
    # The demo's own secret key, kept beside its database for the next run (not the environment's).
    key = tmp_path / "baocao-demo.db.key"
    assert key.stat().st_mode & 0o777 == 0o600
    first_key = key.read_text()
    assert len(first_key) >= 32 and first_key != SECRET

    # Days later: the same demo database, the cadre carries on where she stopped.
    again = run(["demo"], "/baocao\n/xemlai\n/xemlai 1\n", tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Mục 1/6 · Câu 4/53" in again.stdout
    assert "Đã tổ chức 5 hội nghị quán triệt." in again.stdout  # shown back in the review
    assert "Chào mừng" not in again.stdout  # no second join
    assert key.read_text() == first_key


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


# --- issue 7, typing on a phone: the quoted inputs through the terminal chat ------------------------

NEAR_COMMANDS = ("tiepp", "Tiếp ạ", "xong roi", "ok", "boqua", "xemlai", "Nộp bc", "thoat", "huỷ bỏ")


def _demo_lines(*lines: str) -> str:
    return "".join(f"{line}\n" for line in lines)


def test_near_commands_in_a_narrative_answer_are_asked_about(tmp_path: Path) -> None:
    lines = ["/baocao", "1", "Đã tổ chức 5 hội nghị quán triệt."]  # "1": a commune (version 2 asks first)
    for typed in NEAR_COMMANDS:
        lines += [typed, "không" if typed == "ok" else "xem câu 2"]  # "ok" kept on purpose; the rest left
    lines += ["\u200c\u3164\u2800", "xem câu 2"]
    result = run(["demo"], _demo_lines(*lines), tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for meant in ("tiếp", "bỏ qua", "xem lại", "nộp", "tạm dừng"):
        assert f"Ý anh/chị là “{meant}”?" in out, meant
    assert "Gõ “có” nếu đúng vậy" in out  # the terminal has no buttons: typed options
    assert "Tin nhắn trống nên chưa có gì được lưu." in out
    whole = out.rsplit("1.1. Công tác tuyên truyền", 1)[1]
    assert "→ Đã tổ chức 5 hội nghị quán triệt.\n\nok\n" in whole
    for typed in NEAR_COMMANDS[:3] + NEAR_COMMANDS[4:]:
        assert f"\n{typed}\n" not in whole, typed
    assert "Traceback" not in out + result.stderr


def test_dung_submits_at_the_confirmation_and_the_review_is_one_screen(tmp_path: Path) -> None:
    from dialogs.builtin import get_outline
    from tests.dialogs.conftest import DOCUMENT_SKIP_FILE, Cadre

    # What to type to reach the end of the report, worked out with the engine alone.
    outline = get_outline("ct30-20nam")
    mirror = Cadre(outline)
    lines = ["/baocao"]
    reply = mirror.send("/baocao")
    answers = {"text": ["Nội dung trả lời.", "tiếp"], "choice": ["1"], "date": ["01/06/2018"]}
    for _ in range(200):  # bounded: a question this loop cannot answer fails the test, never hangs it
        if "Đề nghị xem lại toàn bộ trước khi nộp" in reply:
            break
        question = outline.question(mirror.state.question_id or "")
        step = answers.get(question.type.value, ["0"])
        for typed in step:
            reply = mirror.send(typed)
        lines += step
    lines += ["xem lại", "xem lại mục 2", "sửa 5", "nộp", "dung", *DOCUMENT_SKIP_FILE]
    result = run(["demo"], _demo_lines(*lines), tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Mục 3/6 · Câu 3.1 (" in out  # the plan's number names the question
    assert "📂 Mục 2. Kết quả thực hiện Quy chế dân chủ ở cơ sở trong các loại hình: đã trả lời" in out
    assert "Gõ “xem lại mục 2” để xem đầy đủ" in out
    assert "Mục 2/6: đã trả lời" in out
    assert "“5” được hiểu là câu thứ 5 của báo cáo" in out and "gõ “sửa 48”" in out
    assert "(1/7) Số, ký hiệu văn bản" in out  # "dung" confirmed: the document's details follow
    assert "✅ Đã nộp báo cáo." in out and "12-BC/ĐU" in out.rsplit("✅ Đã nộp báo cáo.", 1)[1]
    assert "Đã tạm dừng" not in out
    assert "Traceback" not in out + result.stderr


def test_demo_numbers_at_their_scale_sentences_refused_unknown_kept(tmp_path: Path) -> None:
    """Issue 7, items 1–3 and 16: the quoted inputs, typed into `baocao demo` as a cadre would."""
    from dialogs.builtin import get_outline

    ct30 = get_outline("ct30-20nam")
    meetings, people = ct30.number("so_hoi_nghi_qt"), ct30.number("luot_nguoi_tham_du")
    money = ct30.number("dan_dong_gop")
    received, settled = ct30.number("don_nhan"), ct30.number("don_thuoc_tham_quyen")
    lines = [
        "/baocao",
        "1",  # version 2 asks the unit's kind first: a commune
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
        f"/sua {people}",
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
        f"/sua {meetings}",
        "chưa thống kê được",
        f"/xem {meetings}",
    ]
    done = run(["demo"], "\n".join(lines) + "\n", tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Traceback" not in out + done.stderr
    for sentence in lines[4:8]:
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
    assert out.count(f"Đã lưu câu {meetings}: chưa có số liệu") == 3
    assert f"Đã lưu câu {money}: 1.200 triệu đồng (1.200.000.000 đồng)" in out
    assert f"Đã lưu câu {money}: 0,5 triệu đồng (500.000 đồng)" in out
    warning = f"(15 đơn) nay lớn hơn câu {received} (10 đơn): gõ “sửa {settled}” hoặc “sửa {received}”"
    assert warning in out
    # Viewing the answer shows the unknown figure as such, never as 0.
    assert "→ chưa có số liệu" in out.rsplit("Đã lưu câu", 1)[-1]


def test_demo_supervisor_sees_the_commune_submit_and_returns_it(tmp_path: Path) -> None:
    """`baocao demo --supervisor`: the district of the demo commune, on the same demo database."""
    from dialogs.builtin import get_outline
    from tests.dialogs.conftest import DOCUMENT_SKIP_FILE, Cadre

    outline = get_outline("ct30-20nam")
    mirror = Cadre(outline)
    lines = ["/baocao"]
    reply = mirror.send("/baocao")
    answers = {"text": ["Nội dung trả lời.", "tiếp"], "choice": ["1"], "date": ["01/06/2018"]}
    for _ in range(200):  # bounded, as above
        if "Đề nghị xem lại toàn bộ trước khi nộp" in reply:
            break
        step = answers.get(outline.question(mirror.state.question_id or "").type.value, ["0"])
        for typed in step:
            reply = mirror.send(typed)
        lines += step
    commune = run(["demo"], _demo_lines(*lines, "nộp", "có", *DOCUMENT_SKIP_FILE), tmp_path)
    assert "✅ Đã nộp báo cáo." in commune.stdout, commune.stderr

    district = run(
        ["demo", "--supervisor"],
        _demo_lines("ai chua nop", "/donvi qt-hl-hb", "tra lai", "Mục 2 cần bổ sung số liệu."),
        tmp_path,
    )
    assert district.returncode == 0, district.stderr
    out = district.stdout
    assert "cán bộ theo dõi của Huyện ủy Hải Lăng" in out
    missing = out.split("📋 Chưa nộp", 1)[1].split("Gõ mã một đơn vị", 1)[0]
    assert "3 đơn vị chưa nộp" in missing and "Hải An" in missing and "Hải Ba" not in missing
    assert "Tỉnh ủy" not in missing and "Triệu Phong" not in missing  # only the district's communes
    assert "Đã trả lại báo cáo của Đảng ủy xã Hải Ba (phiên bản 1). Lý do: Mục 2 cần bổ sung số liệu." in out
    assert "Traceback" not in out + district.stderr
    # The commune's notice is the commune's: never printed in the district's console, not even later.
    later = run(["demo", "--supervisor"], "tiến độ\n", tmp_path)
    assert "đã được cấp trên trả lại để sửa" not in out + later.stdout

    again = run(["demo"], "báo cáo\n", tmp_path)
    assert "đã được cấp trên trả lại" in again.stdout and "Mục 2 cần bổ sung số liệu." in again.stdout
    # ...and it reaches the commune's own terminal when it opens.
    assert "đã được cấp trên trả lại để sửa" in again.stdout
