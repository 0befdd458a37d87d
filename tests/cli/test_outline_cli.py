"""`baocao outline ...` through the real command, as an operator types it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BAOCAO = [sys.executable, "-c", "from bot.cli import main; main()"]


def baocao(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BAOCAO, *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_list_shows_the_builtin_outline() -> None:
    result = baocao("outline", "list")
    assert result.returncode == 0
    assert "ct30-20nam" in result.stdout
    assert "Chỉ thị số 30-CT/TW" in result.stdout


def test_show_json_is_the_normalised_outline() -> None:
    result = baocao("outline", "show", "ct30-20nam", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["id"] == "ct30-20nam"
    assert data["version"] == 2  # the latest version unless --version is given
    assert len(data["sections"]) == 6  # the plan's five, then its part III
    assert data["sections"][0]["title"]["vi"].startswith("Công tác lãnh đạo, chỉ đạo")


def test_show_unknown_outline_is_one_clear_line() -> None:
    result = baocao("outline", "show", "khong-co")
    assert result.returncode == 1
    assert "Không có dàn ý nào mang mã khong-co" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_a_good_file(tmp_path: Path) -> None:
    import yaml

    from dialogs.builtin import get_outline
    from dialogs.loader import outline_to_dict

    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(outline_to_dict(get_outline("ct30-20nam")), allow_unicode=True), "utf-8")
    result = baocao("outline", "validate", str(path))
    assert result.returncode == 0, result.stderr
    assert "hợp lệ" in result.stdout


def test_validate_a_malformed_file_lists_every_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "format: 1\n"
        "id: thu\n"
        "version: 1\n"
        "title: {vi: Thử, en: Test}\n"
        "sections:\n"
        "  - id: s1\n"
        "    title: {vi: Mục một, en: One}\n"
        "    questions:\n"
        "      - id: a\n"
        "        type: integer\n"
        "        label: {vi: Số, en: Number}\n"
        "        when: b > 0\n"
        "      - id: b\n"
        "        type: sothuc\n"
        "        label: {vi: Số, en: Number}\n",
        "utf-8",
    )
    result = baocao("outline", "validate", str(path))
    assert result.returncode == 1
    assert "dòng 12" in result.stderr  # the `when` naming a later question
    assert "dòng 14" in result.stderr  # the unknown type
    assert "Traceback" not in result.stderr


def test_validate_a_missing_file(tmp_path: Path) -> None:
    result = baocao("outline", "validate", str(tmp_path / "khong.yaml"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
