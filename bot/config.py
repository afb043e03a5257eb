"""Settings read from the environment (and `.env`), built once by the CLI and passed down."""

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SUPPORTED_LANGUAGES = ("en", "es", "ru", "id")
_TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line fit for a terminal."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")

    bot_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///data/peerbot.db"
    telegram_api_url: str | None = None
    redis_url: str | None = None
    bot_admins: Annotated[tuple[int, ...], NoDecode] = ()
    default_language: str = "en"
    default_timezone: str = "UTC"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0:8080"
    zoom_account_id: str | None = None
    zoom_client_id: str | None = None
    zoom_client_secret: SecretStr | None = None
    zoom_api_url: str = "https://api.zoom.us/v2"
    log_level: str = "INFO"
    # Bound on concurrently handled updates (ARCHITECTURE.md: unbounded tasks double memory).
    tasks_concurrency_limit: int = Field(default=100, ge=1, le=10_000)
    # New members who join within this many seconds share one welcome message.
    welcome_batch_seconds: int = Field(default=60, ge=1, le=3600)
    # A scheduled firing missed (the bot was down) is caught up once within this many seconds.
    schedule_grace_seconds: int = Field(default=3600, ge=0, le=7 * 24 * 3600)
    # Who administers a group is asked of Telegram at most this often per member (0: always);
    # chat_member updates replace it at once.
    rights_cache_seconds: int = Field(default=300, ge=0, le=3600)
    # Flood limits per member (0: none): questions (/ask, a mention) and FAQ searches (/search,
    # inline mode) in a sliding window of that many seconds.
    ask_limit: int = Field(default=5, ge=0, le=1000)
    ask_window_seconds: int = Field(default=600, ge=1, le=24 * 3600)
    search_limit: int = Field(default=20, ge=0, le=10_000)
    search_window_seconds: int = Field(default=60, ge=1, le=24 * 3600)
    # Seconds to wait for the Bot API before a request counts as failed.
    telegram_timeout: float = Field(default=30.0, gt=0)

    @field_validator("bot_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            try:
                return tuple(int(p) for p in parts)
            except ValueError:
                raise ValueError(
                    "BOT_ADMINS must be Telegram user ids separated by commas"
                ) from None
        return value

    @field_validator("default_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"DEFAULT_LANGUAGE must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("DEFAULT_TIMEZONE must be an IANA time zone such as UTC") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return value

    def require_token(self) -> str:
        """The bot token, or a ConfigError saying what is wrong (never echoing the value)."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise ConfigError("BOT_TOKEN is not set: get one from @BotFather and export BOT_TOKEN")
        token = self.bot_token.get_secret_value().strip()
        if not _TOKEN_RE.match(token):
            raise ConfigError(
                "BOT_TOKEN is malformed: expected '<digits>:<secret>' as @BotFather gives it"
            )
        return token


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into one ConfigError line per problem."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper() or "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{field}: {message}") from None
