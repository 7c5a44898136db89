"""Settings: defaults, every variable of DESIGN.md read from the environment, and failures that
name the variable without ever showing a secret."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings, SettingsError, load_settings

VARIABLES = [
    "JOINTOPS_DATABASE_URL",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "TELEGRAM_WEBHOOK_URL",
    "TELEGRAM_WEBHOOK_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_BASE_URL",
    "SLACK_COMMAND",
    "JOINTOPS_TIMEZONE",
    "JOINTOPS_LANGUAGE",
    "JOINTOPS_HTTP_PORT",
    "JOINTOPS_METRICS_TOKEN",
    "JOINTOPS_REDIS_URL",
]
TOKEN = "123456789:AAE-very-secret-token-value"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No variable of ours from the outside, and no stray .env in the working directory."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def settings() -> Settings:
    return load_settings(_env_file=None)


def error_of(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        settings()
    return str(caught.value)


def test_defaults() -> None:
    s = settings()
    assert s.database_url == "sqlite+aiosqlite:///jointops.db"
    assert s.telegram_bot_token is None
    assert s.telegram_api_base_url == "https://api.telegram.org/bot"
    assert s.telegram_webhook_url is None
    assert s.telegram_webhook_secret is None
    assert s.slack_bot_token is None
    assert s.slack_app_token is None
    assert s.slack_signing_secret is None
    assert s.slack_api_base_url == "https://slack.com/api/"
    assert s.slack_command == "/ops"
    assert s.timezone == "UTC"
    assert s.language == "en"
    assert s.http_port == 8080
    assert s.metrics_token is None
    assert not s.telegram_enabled
    assert not s.slack_enabled


def test_an_empty_setting_means_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINTOPS_TIMEZONE", "")
    monkeypatch.setenv("JOINTOPS_HTTP_PORT", "")
    s = settings()
    assert (s.timezone, s.http_port) == ("UTC", 8080)


def test_every_variable_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "JOINTOPS_DATABASE_URL": "postgresql+asyncpg://ops@db.example:5432/jointops",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram",
        "TELEGRAM_WEBHOOK_SECRET": "webhook-secret",
        "SLACK_BOT_TOKEN": "xoxb-slack-bot",
        "SLACK_APP_TOKEN": "xapp-slack-app",
        "SLACK_SIGNING_SECRET": "signing-secret",
        "SLACK_API_BASE_URL": "http://127.0.0.1:8082/api/",
        "SLACK_COMMAND": "/jointops",
        "JOINTOPS_TIMEZONE": "Europe/Paris",
        "JOINTOPS_LANGUAGE": "FR",
        "JOINTOPS_HTTP_PORT": "9090",
        "JOINTOPS_METRICS_TOKEN": "metrics-bearer-0123456789",
        "JOINTOPS_REDIS_URL": "rediss://:redis-pass@cache.example:6380/2",
    }
    assert set(env) == set(VARIABLES)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s = settings()
    assert s.database_url == env["JOINTOPS_DATABASE_URL"]
    assert s.telegram_bot_token is not None
    assert s.telegram_bot_token.get_secret_value() == TOKEN
    assert s.telegram_api_base_url == "http://127.0.0.1:8081/bot"
    assert s.telegram_webhook_url == "https://bot.example.org/telegram"
    assert s.telegram_webhook_secret is not None
    assert s.telegram_webhook_secret.get_secret_value() == "webhook-secret"
    assert s.slack_bot_token is not None
    assert s.slack_bot_token.get_secret_value() == "xoxb-slack-bot"
    assert s.slack_app_token is not None
    assert s.slack_app_token.get_secret_value() == "xapp-slack-app"
    assert s.slack_signing_secret is not None
    assert s.slack_signing_secret.get_secret_value() == "signing-secret"
    assert s.slack_api_base_url == "http://127.0.0.1:8082/api/"
    assert s.slack_command == "/jointops"
    assert s.timezone == "Europe/Paris"
    assert s.language == "fr"
    assert s.http_port == 9090
    assert s.metrics_token is not None
    assert s.metrics_token.get_secret_value() == "metrics-bearer-0123456789"
    assert s.redis_url is not None
    assert s.redis_url.get_secret_value() == env["JOINTOPS_REDIS_URL"]
    assert s.telegram_enabled and s.slack_enabled


def test_secrets_are_masked_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-secret")
    monkeypatch.setenv("JOINTOPS_REDIS_URL", "redis://:redis-pass@cache:6379/0")
    shown = f"{settings()!r} {settings()}"
    assert TOKEN not in shown
    assert "signing-secret" not in shown
    assert "redis-pass" not in shown


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/ops.db", "sqlite+aiosqlite:///data/ops.db"),
        ("postgresql://ops@db/jointops", "postgresql+asyncpg://ops@db/jointops"),
        ("postgres://ops@db/jointops", "postgresql+asyncpg://ops@db/jointops"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_database_url_gets_the_async_driver(
    monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    monkeypatch.setenv("JOINTOPS_DATABASE_URL", url)
    assert settings().database_url == expected


def test_unsupported_database_names_the_variable_not_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = error_of(monkeypatch, JOINTOPS_DATABASE_URL="mysql://ops:hunter2@db/jointops")
    assert "JOINTOPS_DATABASE_URL" in message
    assert "hunter2" not in message


def test_sqlite_durability_is_chosen_in_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINTOPS_DATABASE_URL", "sqlite:///ops.db?synchronous=full")
    assert settings().database_url == "sqlite+aiosqlite:///ops.db?synchronous=full"


def test_an_unknown_sqlite_synchronous_names_the_variable_and_the_choices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = error_of(monkeypatch, JOINTOPS_DATABASE_URL="sqlite:///ops.db?synchronous=off")
    assert "JOINTOPS_DATABASE_URL" in message
    assert "synchronous=off" in message
    assert "normal, full, extra" in message


@pytest.mark.parametrize("value", ["Mars/Olympus", "paris", "CET+1"])
def test_malformed_timezone_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    message = error_of(monkeypatch, JOINTOPS_TIMEZONE=value)
    assert "JOINTOPS_TIMEZONE" in message
    assert "IANA" in message


@pytest.mark.parametrize("value", ["eighty", "65536", "-1", "80.5"])
def test_malformed_http_port_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    assert "JOINTOPS_HTTP_PORT" in error_of(monkeypatch, JOINTOPS_HTTP_PORT=value)


def test_http_port_zero_means_any_free_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINTOPS_HTTP_PORT", "0")
    assert settings().http_port == 0


def test_webhook_mode_needs_its_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(monkeypatch, TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram")
    assert "TELEGRAM_WEBHOOK_SECRET" in message


def test_a_malformed_webhook_secret_is_named_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(
        monkeypatch,
        TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram",
        TELEGRAM_WEBHOOK_SECRET="my secret: hunter2!",
    )
    assert "TELEGRAM_WEBHOOK_SECRET" in message
    assert "hunter2" not in message


def test_a_webhook_url_must_be_http(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(
        monkeypatch,
        TELEGRAM_WEBHOOK_URL="bot.example.org/telegram",
        TELEGRAM_WEBHOOK_SECRET="s3cret",
    )
    assert "TELEGRAM_WEBHOOK_URL" in message


@pytest.mark.parametrize("value", ["short-token", "has a space in the bearer token"])
def test_a_weak_metrics_token_is_named_not_shown(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    message = error_of(monkeypatch, JOINTOPS_METRICS_TOKEN=value)
    assert "JOINTOPS_METRICS_TOKEN" in message
    assert value not in message


def test_slack_needs_socket_mode_or_http_events(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(monkeypatch, SLACK_BOT_TOKEN="xoxb-alone")
    assert "SLACK_APP_TOKEN" in message and "SLACK_SIGNING_SECRET" in message
    assert "xoxb-alone" not in message


def test_malformed_language_names_the_variable_and_the_choices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = error_of(monkeypatch, JOINTOPS_LANGUAGE="de")
    assert "JOINTOPS_LANGUAGE" in message
    assert "en, fr, es, ar" in message


@pytest.mark.parametrize("value", ["ops", "/", "/ops now"])
def test_malformed_slack_command_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    assert "SLACK_COMMAND" in error_of(monkeypatch, SLACK_COMMAND=value)


def test_a_secret_never_appears_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(
        monkeypatch,
        TELEGRAM_BOT_TOKEN=TOKEN,
        SLACK_BOT_TOKEN="xoxb-another-secret",
        TELEGRAM_WEBHOOK_SECRET="webhook-secret",
        JOINTOPS_HTTP_PORT="http",
    )
    assert "JOINTOPS_HTTP_PORT" in message
    for secret in (TOKEN, "AAE-very-secret", "xoxb-another-secret", "webhook-secret"):
        assert secret not in message


def test_every_bad_variable_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(monkeypatch, JOINTOPS_TIMEZONE="Nowhere", JOINTOPS_HTTP_PORT="x")
    assert "JOINTOPS_TIMEZONE" in message and "JOINTOPS_HTTP_PORT" in message


def test_the_bad_value_itself_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    # a value pasted into the wrong variable may be a secret
    message = error_of(monkeypatch, JOINTOPS_HTTP_PORT="xoxb-pasted-in-the-wrong-place")
    assert "xoxb-pasted" not in message


def test_an_env_file_is_read_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file = tmp_path / "custom.env"
    env_file.write_text("JOINTOPS_TIMEZONE=Asia/Singapore\nJOINTOPS_LANGUAGE=es\n")
    monkeypatch.setenv("JOINTOPS_LANGUAGE", "ar")
    s = load_settings(_env_file=env_file)
    assert (s.timezone, s.language) == ("Asia/Singapore", "ar")


def test_dot_env_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("JOINTOPS_HTTP_PORT=8443\n")
    assert load_settings().http_port == 8443


def test_an_empty_token_does_not_enable_an_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    # `TELEGRAM_BOT_TOKEN=` (as compose files and .env templates leave it) means "not set"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    s = settings()
    assert not s.telegram_enabled
    assert not s.slack_enabled


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "redis://:p%40ss@cache.example",
        "rediss://user:pass@cache.example:6380/3",
        "unix:///run/redis/redis.sock",
    ],
)
def test_a_redis_url_is_accepted(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("JOINTOPS_REDIS_URL", url)
    assert settings().redis_url is not None


def test_without_a_redis_url_the_limits_are_shared_through_the_database() -> None:
    assert settings().redis_url is None


@pytest.mark.parametrize(
    "url",
    [
        "http://:redis-pass@cache.example:6379",  # not a Redis scheme
        "redis://:redis-pass@cache.example:http/0",  # port not a number
        "redis://:redis-pass@cache.example:99999",  # port out of range
        "redis://:redis-pass@/0",  # no host
        "redis://:redis-pass@cache.example/zero",  # database not a number
        "cache.example:6379",
        "unix://",
    ],
)
def test_a_malformed_redis_url_is_named_and_its_password_not_shown(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    message = error_of(monkeypatch, JOINTOPS_REDIS_URL=url)
    assert "JOINTOPS_REDIS_URL" in message and "redis://" in message
    assert "redis-pass" not in message and "cache.example" not in message


def test_the_ack_chase_is_30_minutes_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOINTOPS_ACK_CHASE", raising=False)
    assert settings().ack_chase_after == timedelta(minutes=30)
    monkeypatch.setenv("JOINTOPS_ACK_CHASE", "2h")
    assert settings().ack_chase_after == timedelta(hours=2)
    assert "JOINTOPS_ACK_CHASE" in error_of(monkeypatch, JOINTOPS_ACK_CHASE="soon")
