"""BAOCAO_ZALO_BOT_*: read into settings.zalo_bot, from the environment and as flat names."""

from __future__ import annotations

import os

import pytest

from bot.app import configured_platforms
from bot.config import Settings


def test_the_zalo_bot_variables_land_in_their_group(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("BAOCAO_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BAOCAO_ZALO_BOT_TOKEN", "3067:abc")
    monkeypatch.setenv("BAOCAO_ZALO_BOT_WEBHOOK_SECRET", "s3cret_-long")
    monkeypatch.setenv("BAOCAO_ZALO_BOT_API_BASE", "http://127.0.0.1:9000")
    monkeypatch.setenv("BAOCAO_ZALO_BOT_POLLING_TIMEOUT", "10")
    monkeypatch.setenv("BAOCAO_ZALO_BOT_MESSAGES_PER_SECOND", "5")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    zalo = settings.zalo_bot
    assert zalo.token is not None and zalo.token.get_secret_value() == "3067:abc"
    assert zalo.webhook_secret is not None and zalo.webhook_secret.get_secret_value() == "s3cret_-long"
    assert (zalo.api_base, zalo.polling_timeout, zalo.messages_per_second) == (
        "http://127.0.0.1:9000",
        10,
        5.0,
    )
    assert configured_platforms(settings) == ["zalo_bot"], "an office on Zalo alone: no Telegram"


def test_defaults_and_flat_names() -> None:
    assert Settings(_env_file=None).zalo_bot.api_base == "https://bot-api.zaloplatforms.com"  # type: ignore[call-arg]
    both = Settings(_env_file=None, zalo_bot_token="1:a", telegram_token="2:b")  # type: ignore[call-arg]
    assert configured_platforms(both) == ["telegram", "zalo_bot"]
    assert configured_platforms(Settings(_env_file=None, telegram_token="")) == []  # type: ignore[call-arg]
