"""`baocao zalo oa-auth`: the operator's first authorisation, with the real command against the fake OAuth."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from storage.db import Database
from storage.zalo_oa import load_pair
from tests.channels.zalo_oa.fake_oa import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeOA
from tests.cli.test_admin_cli import COMMAND, _env


def _oa_env(url: str, cwd: Path, fake: FakeOA) -> dict[str, str]:
    env = _env(url, cwd)
    env.update(
        BAOCAO_ZALO_OA_APP_ID=APP_ID,
        BAOCAO_ZALO_OA_APP_SECRET=APP_SECRET,
        BAOCAO_ZALO_OA_SECRET_KEY=OA_SECRET_KEY,
        BAOCAO_ZALO_OA_OAUTH_BASE=fake.base_url,
        BAOCAO_ZALO_OA_API_BASE=fake.base_url,
        BAOCAO_PUBLIC_URL="https://baocao.example.vn",
    )
    return env


def _start(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, "zalo", "oa-auth", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def test_the_operator_opens_the_url_pastes_the_code_and_the_pair_is_stored(
    database_url: str, database: Database, fake_oa: FakeOA, tmp_path: Path
) -> None:
    process = _start(_oa_env(database_url, tmp_path, fake_oa), tmp_path)
    assert process.stdout is not None and process.stdin is not None
    url = ""
    for _ in range(5):
        line = process.stdout.readline()
        if "/v4/oa/permission?" in line:
            url = line.strip()
            break
    query = parse_qs(urlparse(url).query)
    assert query["app_id"] == [APP_ID]
    assert query["redirect_uri"] == ["https://baocao.example.vn/zalo/oa/callback"]
    # Zalo remembers the challenge with the code it gives; the verifier must match it.
    fake_oa.add_code("code-from-zalo", query["code_challenge"][0])
    out, err = process.communicate("code-from-zalo\n", timeout=60)
    assert process.returncode == 0, (out, err)
    assert "Đã lưu token của Official Account" in out
    pair = await load_pair(database, APP_ID)
    assert pair is not None and pair.access_token.startswith("acc-")


async def test_a_code_given_with_code_is_exchanged(
    database_url: str, database: Database, fake_oa: FakeOA, tmp_path: Path
) -> None:
    fake_oa.add_code("console-code")
    process = _start(_oa_env(database_url, tmp_path, fake_oa), tmp_path, "--code", "console-code")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, (out, err)
    assert await load_pair(database, APP_ID) is not None


async def test_a_wrong_code_is_one_clear_line_and_nothing_stored(
    database_url: str, database: Database, fake_oa: FakeOA, tmp_path: Path
) -> None:
    process = _start(_oa_env(database_url, tmp_path, fake_oa), tmp_path, "--code", "not-a-code")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert len(err.splitlines()) == 1 and "Zalo từ chối mã ủy quyền" in err
    assert await load_pair(database, APP_ID) is None


def test_without_the_app_configured_it_says_which_variables(database_url: str, tmp_path: Path) -> None:
    env = _env(database_url, tmp_path)
    process = _start(env, tmp_path, "--code", "x")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert err.strip().startswith("Chưa cấu hình Zalo OA") and "BAOCAO_ZALO_OA_APP_ID" in err


def test_an_unreachable_oauth_server_is_one_clear_line(
    database_url: str, fake_oa: FakeOA, tmp_path: Path
) -> None:
    env = _oa_env(database_url, tmp_path, fake_oa)
    env["BAOCAO_ZALO_OA_OAUTH_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    process = _start(env, tmp_path, "--code", "x")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert err.strip().startswith("Không kết nối được máy chủ ủy quyền của Zalo")
