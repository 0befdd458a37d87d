"""All configuration, from BAOCAO_* environment variables (or a .env file), grouped by what it configures.

`BAOCAO_TELEGRAM_TOKEN` is `settings.telegram.token`, `BAOCAO_OUTBOX_LEASE_SECONDS` is
`settings.outbox.lease_seconds`: the variable is the group and the field joined by "_", so every
variable operators' scripts already set keeps its name. This is the only module that reads the
environment.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseModel):
    """BAOCAO_DATABASE_*."""

    url: str = "sqlite+aiosqlite:///baocao.db"
    # Connections kept open to PostgreSQL per process; SQLite always uses one writer connection.
    pool_size: int = 10


class LogSettings(BaseModel):
    """BAOCAO_LOG_*: warnings and tracebacks go to a file, never to the chat."""

    file: str = "baocao.log"
    level: str = "WARNING"


class TelegramSettings(BaseModel):
    """BAOCAO_TELEGRAM_*."""

    token: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    api_base: str = "https://api.telegram.org"
    # Telegram's limits (per bot): with several processes sending, give each its share.
    messages_per_second: float = 30.0
    chat_messages_per_second: float = 1.0
    chat_burst: int = 3
    polling_timeout: int = 30
    # The bot's @username, for invite deep links (https://t.me/<name>?start=CODE); unset: learnt
    # from getMe when `poll` or `serve` starts.
    bot_username: str | None = None


class OutboxSettings(BaseModel):
    """BAOCAO_OUTBOX_*: how long a process holds the rows it is sending before another may take them
    over, and how often it looks for rows queued elsewhere (reminders, other processes, retries)."""

    lease_seconds: float = 30.0
    poll_seconds: float = 1.0
    # Keep each channel's overall rate (Telegram: 30/s) for the bot as a whole, through the database,
    # so that several processes together stay within it (bot/outbox.py); false: each process alone.
    shared_rate: bool = True


class FilesSettings(BaseModel):
    """BAOCAO_FILES_*: how long a compiled report's download link (bot/files.py) stays valid."""

    ttl_hours: float = 24.0


class ZaloOASettings(BaseModel):
    """BAOCAO_ZALO_OA_*: a Zalo Official Account (issue 11). Configured when app_id, secret_key and
    app_secret are all set; the token pair itself lives in the database (`baocao zalo oa-auth`)."""

    app_id: str | None = None
    secret_key: SecretStr | None = None  # the OA secret key: signs the webhook's events
    app_secret: SecretStr | None = None  # the app's secret: OAuth (header secret_key)
    api_base: str = "https://openapi.zalo.me"
    oauth_base: str = "https://oauth.zaloapp.com"
    # The redirect URI registered with the app, for `baocao zalo oa-auth`
    # (unset: BAOCAO_PUBLIC_URL + /zalo/oa/callback).
    redirect_uri: str | None = None
    # About 4,000 requests a minute per app; with several processes sending, give each its share.
    messages_per_second: float = 60.0
    chat_messages_per_second: float = 2.0
    chat_burst: int = 5


class ZaloBotSettings(BaseModel):
    """BAOCAO_ZALO_BOT_*: a Zalo Bot (Zalo Bot Platform, `/bot<TOKEN>/<method>`; issue 11).
    Configured when the token is set."""

    token: SecretStr | None = None
    webhook_secret: SecretStr | None = None  # required by `serve`: sent back as X-Bot-Api-Secret-Token
    api_base: str = "https://bot-api.zaloplatforms.com"
    # Zalo publishes no figure: a Telegram-like pace, and 429 backs off (with several processes, share it).
    messages_per_second: float = 20.0
    chat_messages_per_second: float = 1.0
    chat_burst: int = 3
    polling_timeout: int = 30


_GROUPS = ("database", "log", "telegram", "outbox", "files", "reminders")
# Two-word groups: BAOCAO_ZALO_OA_APP_ID -> zalo_oa.app_id, BAOCAO_ZALO_BOT_TOKEN -> zalo_bot.token
# (the flat names, split after the group).
_LONG_GROUPS = ("zalo_oa", "zalo_bot")


class RemindersSettings(BaseModel):
    """BAOCAO_REMINDERS_*: how often the scheduler in `serve`/`poll` looks for reminders due, and how
    long a unit reminded by hand (/nhac) is not reminded by hand again."""

    interval_seconds: float = 60.0
    cooldown_hours: float = 4.0


# BAOCAO_SECRET_KEY's least length: a short key could be guessed along with a code from a leaked database.
MIN_SECRET = 16
MAKE_SECRET = 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'


class Settings(BaseSettings):
    """One Settings object is built at start-up and passed to every factory."""

    model_config = SettingsConfigDict(
        env_prefix="BAOCAO_",
        env_file=".env",
        extra="ignore",
        # BAOCAO_TELEGRAM_WEBHOOK_SECRET -> telegram.webhook_secret: split at the first "_" only.
        env_nested_delimiter="_",
        env_nested_max_split=1,
    )

    database: DatabaseSettings = DatabaseSettings()
    log: LogSettings = LogSettings()
    telegram: TelegramSettings = TelegramSettings()
    outbox: OutboxSettings = OutboxSettings()
    files: FilesSettings = FilesSettings()
    zalo_bot: ZaloBotSettings = ZaloBotSettings()
    reminders: RemindersSettings = RemindersSettings()
    zalo_oa: ZaloOASettings = ZaloOASettings()

    locale: str = "vi"
    # Where local time is shown (receipts, "last seen") and scheduled (reminders at working hours).
    timezone: str = "Asia/Ho_Chi_Minh"
    public_url: str | None = None
    # The server's secret: invite codes are stored as an HMAC under it (storage.invites), so a copy of
    # the database alone gives no code away. `serve`, `poll` and `invite` refuse to run without it.
    secret_key: SecretStr | None = None
    # Freeze the objects built at start-up out of the garbage collector's reach (see README, Telegram).
    gc_freeze: bool = True

    @model_validator(mode="before")
    @classmethod
    def _flat_names(cls, values: Any) -> Any:
        """Accept `Settings(telegram_token=...)` too: the same names as the environment variables."""
        if not isinstance(values, dict):
            return values
        values = dict(values)
        for key in [key for key in values if any(key.startswith(g + "_") for g in _LONG_GROUPS)]:
            group = next(g for g in _LONG_GROUPS if key.startswith(g + "_"))
            nested = values.get(group)
            nested = dict(nested) if isinstance(nested, dict) else {}
            nested[key[len(group) + 1 :]] = values.pop(key)
            values[group] = nested
        for key in [key for key in values if "_" in key and key.split("_", 1)[0] in _GROUPS]:
            group, field = key.split("_", 1)
            nested = values.get(group)
            nested = dict(nested) if isinstance(nested, dict) else {}
            nested[field] = values.pop(key)
            values[group] = nested
        return values

    @property
    def secret(self) -> str | None:
        """BAOCAO_SECRET_KEY's value; None when it is unset or empty."""
        return self.secret_key.get_secret_value() if self.secret_key else None

    def secret_refusal(self) -> str | None:
        """The message id saying why BAOCAO_SECRET_KEY cannot be used (unset, too short); None if it can."""
        if not self.secret:
            return "cli.error.secret_missing"
        if len(self.secret) < MIN_SECRET:
            return "cli.error.secret_short"
        return None

    @property
    def zone(self) -> ZoneInfo:
        """`timezone` as a zone, for showing and scheduling local time."""
        return ZoneInfo(self.timezone)
