"""Settings: every BAOCAO_* variable operators' scripts set keeps its name, read into its group."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings

# Every variable the README and operators' scripts use, what they set, and where it lands.
VARIABLES: dict[str, tuple[str, str, Any]] = {
    "BAOCAO_DATABASE_URL": (
        "postgresql+asyncpg://bot@db/baocao",
        "database.url",
        "postgresql+asyncpg://bot@db/baocao",
    ),
    "BAOCAO_DATABASE_POOL_SIZE": ("25", "database.pool_size", 25),
    "BAOCAO_LOG_FILE": ("/var/log/baocao/bot.log", "log.file", "/var/log/baocao/bot.log"),
    "BAOCAO_LOG_LEVEL": ("INFO", "log.level", "INFO"),
    "BAOCAO_TELEGRAM_TOKEN": ("123:abc", "telegram.token", "123:abc"),
    "BAOCAO_TELEGRAM_WEBHOOK_SECRET": ("s3cret_-", "telegram.webhook_secret", "s3cret_-"),
    "BAOCAO_TELEGRAM_API_BASE": ("http://127.0.0.1:8081", "telegram.api_base", "http://127.0.0.1:8081"),
    "BAOCAO_TELEGRAM_MESSAGES_PER_SECOND": ("15", "telegram.messages_per_second", 15.0),
    "BAOCAO_TELEGRAM_CHAT_MESSAGES_PER_SECOND": ("0.5", "telegram.chat_messages_per_second", 0.5),
    "BAOCAO_TELEGRAM_CHAT_BURST": ("5", "telegram.chat_burst", 5),
    "BAOCAO_TELEGRAM_POLLING_TIMEOUT": ("10", "telegram.polling_timeout", 10),
    "BAOCAO_OUTBOX_LEASE_SECONDS": ("12", "outbox.lease_seconds", 12.0),
    "BAOCAO_OUTBOX_POLL_SECONDS": ("0.5", "outbox.poll_seconds", 0.5),
    "BAOCAO_REMINDERS_INTERVAL_SECONDS": ("30", "reminders.interval_seconds", 30.0),
    "BAOCAO_REMINDERS_COOLDOWN_HOURS": ("2", "reminders.cooldown_hours", 2.0),
    "BAOCAO_OUTBOX_SHARED_RATE": ("false", "outbox.shared_rate", False),
    "BAOCAO_PUBLIC_URL": ("https://baocao.example.vn", "public_url", "https://baocao.example.vn"),
    "BAOCAO_LOCALE": ("en", "locale", "en"),
    "BAOCAO_TIMEZONE": ("Asia/Bangkok", "timezone", "Asia/Bangkok"),
    "BAOCAO_GC_FREEZE": ("false", "gc_freeze", False),
    "BAOCAO_SECRET_KEY": ("k9-long-random-secret", "secret_key", "k9-long-random-secret"),
    # Zalo Official Account (issue 11): two-word group, BAOCAO_ZALO_OA_<FIELD>.
    "BAOCAO_ZALO_OA_APP_ID": ("3608465249409039", "zalo_oa.app_id", "3608465249409039"),
    "BAOCAO_ZALO_OA_SECRET_KEY": ("oa-secret", "zalo_oa.secret_key", "oa-secret"),
    "BAOCAO_ZALO_OA_APP_SECRET": ("app-secret", "zalo_oa.app_secret", "app-secret"),
    "BAOCAO_ZALO_OA_API_BASE": ("http://127.0.0.1:9001", "zalo_oa.api_base", "http://127.0.0.1:9001"),
    "BAOCAO_ZALO_OA_OAUTH_BASE": ("http://127.0.0.1:9002", "zalo_oa.oauth_base", "http://127.0.0.1:9002"),
    "BAOCAO_ZALO_OA_REDIRECT_URI": ("https://x.vn/cb", "zalo_oa.redirect_uri", "https://x.vn/cb"),
    "BAOCAO_ZALO_OA_MESSAGES_PER_SECOND": ("20", "zalo_oa.messages_per_second", 20.0),
}


def read(settings: Settings, path: str) -> Any:
    value: Any = settings
    for part in path.split("."):
        value = getattr(value, part)
    return value.get_secret_value() if hasattr(value, "get_secret_value") else value


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("BAOCAO_"):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.mark.parametrize("variable", VARIABLES)
def test_each_variable_is_read_into_its_group(variable: str, clean_env: pytest.MonkeyPatch) -> None:
    raw, path, expected = VARIABLES[variable]
    assert read(Settings(_env_file=None), path) != expected, "the default differs"  # type: ignore[call-arg]
    clean_env.setenv(variable, raw)
    assert read(Settings(_env_file=None), path) == expected  # type: ignore[call-arg]


def test_all_variables_at_once_and_a_dotenv_file(tmp_path: Path) -> None:
    """Read in a clean process, as `baocao serve` started by a script would, half from a .env file."""
    names = list(VARIABLES)
    (tmp_path / ".env").write_text(
        "".join(f"{name}={VARIABLES[name][0]}\n" for name in names[::2]), encoding="utf-8"
    )
    env = {name: VARIABLES[name][0] for name in names[1::2]}
    paths = [path for _, path, _ in VARIABLES.values()]
    script = (
        "import json, sys; from tests.test_config import read; from bot.config import Settings; "
        f"s = Settings(); print(json.dumps([read(s, p) for p in {paths!r}]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "PYTHONPATH": str(Path(__file__).parent.parent)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == [expected for _, _, expected in VARIABLES.values()]


def test_the_flat_names_still_build_settings_in_code() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url="sqlite+aiosqlite:///x.db", telegram_token="1:a", outbox_poll_seconds=0.1
    )
    assert settings.database.url == "sqlite+aiosqlite:///x.db"
    assert settings.telegram.token is not None and settings.telegram.token.get_secret_value() == "1:a"
    assert settings.outbox.poll_seconds == 0.1
    assert settings.zone.key == "Asia/Ho_Chi_Minh"


def test_nothing_outside_the_settings_reads_the_environment() -> None:
    root = Path(__file__).parent.parent
    readers = [
        str(path.relative_to(root))
        for folder in ("bot", "storage", "dialogs")
        for path in (root / folder).rglob("*.py")
        if path != root / "bot" / "config.py"
        and any(word in path.read_text(encoding="utf-8") for word in ("os.environ", "getenv("))
    ]
    assert readers == []
