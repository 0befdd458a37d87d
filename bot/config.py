"""All configuration, from BAOCAO_* environment variables (or a .env file)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """One Settings object is built at start-up and passed to every factory."""

    model_config = SettingsConfigDict(env_prefix="BAOCAO_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///baocao.db"
    # Connections kept open to PostgreSQL per process; SQLite always uses one writer connection.
    database_pool_size: int = 10
    locale: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"

    telegram_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    public_url: str | None = None

    # Telegram's limits (per bot): with several processes sending, give each its share.
    telegram_messages_per_second: float = 30.0
    telegram_chat_messages_per_second: float = 1.0
    telegram_chat_burst: int = 3
    telegram_polling_timeout: int = 30

    # The outbox: how long a process holds the rows it is sending before another may take them over,
    # and how often it looks for rows queued elsewhere (reminders, other processes, retries).
    outbox_lease_seconds: float = 30.0
    outbox_poll_seconds: float = 1.0

    # Freeze the objects built at start-up out of the garbage collector's reach (see README, Telegram).
    gc_freeze: bool = True
