"""Settings, read once from the environment or `.env` into one typed object."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import when
from operations import db

LANGUAGES = ("en", "fr", "es", "ar")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable, never its value."""


class Settings(BaseSettings):
    """Every configuration variable of DESIGN.md, with its default."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        env_ignore_empty=True,  # TELEGRAM_BOT_TOKEN= (empty) leaves Telegram off
    )

    database_url: str = Field(
        "sqlite+aiosqlite:///jointops.db", validation_alias="JOINTOPS_DATABASE_URL"
    )
    telegram_bot_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        "https://api.telegram.org/bot", validation_alias="TELEGRAM_API_BASE_URL"
    )
    telegram_webhook_url: str | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(
        None, validation_alias="TELEGRAM_WEBHOOK_SECRET"
    )
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_api_base_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_BASE_URL")
    slack_command: str = Field("/ops", validation_alias="SLACK_COMMAND")
    timezone: str = Field("UTC", validation_alias="JOINTOPS_TIMEZONE")
    language: str = Field("en", validation_alias="JOINTOPS_LANGUAGE")
    sweep_seconds: float = Field(15.0, gt=0, le=3600, validation_alias="JOINTOPS_SWEEP_SECONDS")
    reminder_offsets: str = Field("24h,1h", validation_alias="JOINTOPS_REMINDER_OFFSETS")
    ack_chase: str = Field("30m", validation_alias="JOINTOPS_ACK_CHASE")
    delivery_lease_seconds: float = Field(
        30.0, ge=1, le=3600, validation_alias="JOINTOPS_DELIVERY_LEASE_SECONDS"
    )
    http_port: int = Field(
        8080, ge=0, le=65535, validation_alias="JOINTOPS_HTTP_PORT"
    )  # 0: any free port
    metrics_token: SecretStr | None = Field(
        None, validation_alias="JOINTOPS_METRICS_TOKEN"
    )  # unset: /metrics answers only to loopback clients
    redis_url: SecretStr | None = Field(
        None, validation_alias="JOINTOPS_REDIS_URL"
    )  # unset: replicas share the rate limits through the database; may carry a password

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("sqlite:"):
            value = "sqlite+aiosqlite:" + value[len("sqlite:") :]
        elif value.startswith(("postgresql:", "postgres:")):
            value = "postgresql+asyncpg:" + value.split(":", 1)[1]
        if not value.startswith(("sqlite+aiosqlite:", "postgresql+asyncpg:")):
            raise ValueError("use sqlite+aiosqlite:///PATH or postgresql+asyncpg://...")
        db.check_url(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        if not when.is_valid_timezone(value):
            raise ValueError("not an IANA timezone name such as Europe/Paris")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value.lower() not in LANGUAGES:
            raise ValueError(f"use one of {', '.join(LANGUAGES)}")
        return value.lower()

    @field_validator("reminder_offsets")
    @classmethod
    def _offsets(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                when.parse_duration(part)
            except when.WhenError as exc:
                raise ValueError(
                    f"a comma-separated list of durations such as 24h,1h ({exc})"
                ) from None
        return value

    @field_validator("ack_chase")
    @classmethod
    def _ack_chase(cls, value: str) -> str:
        try:
            when.parse_duration(value.strip())
        except when.WhenError as exc:
            raise ValueError(f"a duration such as 30m ({exc})") from None
        return value.strip()

    @property
    def ack_chase_after(self) -> timedelta:
        """How long after a status update asked for acks its laggards are reminded."""
        return when.parse_duration(self.ack_chase)

    @property
    def offsets(self) -> tuple[timedelta, ...]:
        """Reminder offsets before a due time, largest first."""
        parts = filter(None, (p.strip() for p in self.reminder_offsets.split(",")))
        return tuple(sorted((when.parse_duration(p) for p in parts), reverse=True))

    @field_validator("slack_command")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not value.startswith("/") or len(value) < 2 or " " in value:
            raise ValueError("a slash command such as /ops")
        return value

    @model_validator(mode="after")
    def _webhook_secret(self) -> Settings:
        if self.telegram_webhook_url:
            secret = self.telegram_webhook_secret
            if secret is None:
                raise ValueError(
                    "TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_WEBHOOK_URL is set"
                )
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret.get_secret_value()):
                raise ValueError(
                    "TELEGRAM_WEBHOOK_SECRET: 1-256 characters of A-Z, a-z, 0-9, _ and -"
                )
            if not self.telegram_webhook_url.startswith(("https://", "http://")):
                raise ValueError("TELEGRAM_WEBHOOK_URL: must be an http(s) URL")
        return self

    @field_validator("metrics_token")
    @classmethod
    def _bearer(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[\x21-\x7e]{16,256}", value.get_secret_value()):
            raise ValueError("16-256 printable ASCII characters without spaces")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            check_redis_url(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _slack_mode(self) -> Settings:
        if self.slack_bot_token and not (self.slack_app_token or self.slack_signing_secret):
            raise ValueError(
                "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET: one is needed with SLACK_BOT_TOKEN "
                "(Socket Mode or HTTP events)"
            )
        return self

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None


def check_redis_url(url: str) -> None:
    """ValueError saying what is wrong with a Redis URL, without repeating any of it."""
    usage = "a URL such as redis://[:password@]host[:port][/db], rediss://... or unix:///path"
    try:
        parts = urlsplit(url)
        if parts.port == 0:  # parts.port: ValueError when not a number up to 65535
            raise ValueError(usage)
    except ValueError:
        raise ValueError(usage) from None
    if parts.scheme == "unix":
        if not parts.path:
            raise ValueError(f"the socket path is missing; {usage}")
        return
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(usage)
    if not parts.hostname:
        raise ValueError(f"the host is missing; {usage}")
    database = parts.path.lstrip("/")
    if database and not database.isdigit():
        raise ValueError(f"the database must be a number; {usage}")


def load_settings(**overrides: object) -> Settings:
    """Read the settings; SettingsError names each bad variable without showing its value."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_input=False, include_url=False):
            if not error["loc"]:
                problems.append(str(error["msg"]).removeprefix("Value error, "))
                continue
            field = str(error["loc"][0])
            alias = (
                Settings.model_fields[field].validation_alias
                if field in Settings.model_fields
                else None
            )
            name = alias if isinstance(alias, str) else field
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
