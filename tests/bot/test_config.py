"""Configuration errors stop the program with one message naming every bad variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings

GOOD_ENV = {
    "BOT_TOKEN": "123:abc",
    "KIE_API_KEY": "kie-secret",
    "PUBLIC_URL": "https://bot.example.com/",
}


def run_bot(env: dict[str, str], cwd) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "KIE_", "TELEGRAM_", "WEB_", "PUBLIC_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot"], env={**clean, **env}, cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({k: v for k, v in GOOD_ENV.items() if k != "BOT_TOKEN"}, "BOT_TOKEN"),
        ({**GOOD_ENV, "BOT_TOKEN": "not-a-token"}, "BOT_TOKEN"),
        ({k: v for k, v in GOOD_ENV.items() if k != "KIE_API_KEY"}, "KIE_API_KEY"),
        ({k: v for k, v in GOOD_ENV.items() if k != "PUBLIC_URL"}, "PUBLIC_URL"),
        ({**GOOD_ENV, "WEB_PORT": "eighty"}, "WEB_PORT"),
        ({**GOOD_ENV, "TELEGRAM_MODE": "carrier-pigeon"}, "TELEGRAM_MODE"),
        ({**GOOD_ENV, "KIE_POLL_INTERVAL": "-1"}, "KIE_POLL_INTERVAL"),
        ({**GOOD_ENV, "ADMIN_IDS": "12,bob"}, "ADMIN_IDS"),
        ({**GOOD_ENV, "STARTING_CREDITS": "-3"}, "STARTING_CREDITS"),
        ({**GOOD_ENV, "TELEGRAM_RATE_LIMIT": "0"}, "TELEGRAM_RATE_LIMIT"),
        ({**GOOD_ENV, "TELEGRAM_RATE_LIMIT": "5000"}, "TELEGRAM_RATE_LIMIT"),
    ],
)
def test_bad_setting_names_the_variable(monkeypatch, tmp_path, env, variable):
    monkeypatch.chdir(tmp_path)
    for key in ("BOT_TOKEN", "KIE_API_KEY", "PUBLIC_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith(f"{variable}: ")
    assert "kie-secret" not in str(info.value)


def test_bad_setting_exits_with_one_clear_line(tmp_path):
    result = run_bot({**GOOD_ENV, "WEB_PORT": "eighty"}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "WEB_PORT" in lines[0] and "Traceback" not in result.stderr
    assert "kie-secret" not in result.stderr


def test_bad_catalog_file_exits_with_one_clear_line(tmp_path):
    bad = tmp_path / "prices.toml"
    bad.write_text("[defaults]\nimage = 'x'\n")
    result = run_bot({**GOOD_ENV, "CATALOG_PATH": str(bad)}, tmp_path)
    assert result.returncode == 2
    assert str(bad) in result.stderr and "Traceback" not in result.stderr


def test_values_and_defaults(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for key, value in {**GOOD_ENV, "ADMIN_IDS": " 1, 22 ,333"}.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    assert settings.telegram.admin_ids == frozenset({1, 22, 333})
    assert settings.web.public_base == "https://bot.example.com"
    assert settings.telegram.api_base == "https://api.telegram.org"
    assert settings.kie.api_base == "https://api.kie.ai"
    assert settings.kie.upload_base == "https://kieai.redpandaai.co"
    assert (settings.web.web_host, settings.web.web_port) == ("0.0.0.0", 8080)
    assert str(settings.storage.database_path) == "data/bot.sqlite3"
    assert settings.telegram.telegram_mode == "polling"
    assert settings.billing.starting_credits == 10
    assert settings.kie.poll_interval == 30
    assert settings.telegram.telegram_rate_limit == 25
    assert "kie-secret" not in repr(settings)


def test_dotenv_file_is_read(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for key in (*GOOD_ENV, "STARTING_CREDITS"):
        monkeypatch.delenv(key, raising=False)
    (tmp_path / ".env").write_text("\n".join(f"{k}={v}" for k, v in GOOD_ENV.items()) + "\nSTARTING_CREDITS=42\n")
    assert load_settings().billing.starting_credits == 42


def _only(monkeypatch, tmp_path, env: dict[str, str]) -> None:
    """Run in an empty directory (no ``.env``) with just ``env`` among the bot's variables."""
    monkeypatch.chdir(tmp_path)
    for key in os.environ:
        if key.startswith(("BOT_", "KIE_", "TELEGRAM_", "WEB_", "PUBLIC_", "ADMIN_", "STARTING_", "DATABASE_")):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def test_missing_variable_message(monkeypatch, tmp_path):
    _only(monkeypatch, tmp_path, {k: v for k, v in GOOD_ENV.items() if k != "BOT_TOKEN"})
    with pytest.raises(ConfigError, match="^BOT_TOKEN: required but not set$"):
        load_settings()


def test_every_missing_variable_is_named_at_once(monkeypatch, tmp_path):
    _only(monkeypatch, tmp_path, {})
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).splitlines() == [
        "BOT_TOKEN: required but not set",
        "KIE_API_KEY: required but not set",
        "PUBLIC_URL: required but not set",
    ]
    assert info.value.problems == str(info.value).splitlines()


def test_invalid_and_missing_variables_are_both_named(monkeypatch, tmp_path):
    _only(monkeypatch, tmp_path, {**GOOD_ENV, "WEB_PORT": "eighty", "STARTING_CREDITS": "-3"})
    monkeypatch.delenv("KIE_API_KEY")
    with pytest.raises(ConfigError) as info:
        load_settings()
    variables = [line.split(":", 1)[0] for line in str(info.value).splitlines()]
    # Concern order (telegram, kie, web, billing, storage), then field order.
    assert variables == ["KIE_API_KEY", "WEB_PORT", "STARTING_CREDITS"]
    assert "KIE_API_KEY: required but not set" in str(info.value).splitlines()


def test_secret_values_are_never_echoed(monkeypatch, tmp_path):
    token, hmac_key = "not-a-token-SECRET-1234", "SECRET-HMAC"
    _only(
        monkeypatch,
        tmp_path,
        {"BOT_TOKEN": token, "KIE_API_KEY": "kie-secret", "KIE_WEBHOOK_HMAC_KEY": hmac_key, "WEB_PORT": "eighty"},
    )
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert [line.split(":", 1)[0] for line in message.splitlines()] == ["BOT_TOKEN", "PUBLIC_URL", "WEB_PORT"]
    for secret in (token, "SECRET", "kie-secret", hmac_key):
        assert secret not in message
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_two_bad_settings_exit_with_one_block(tmp_path):
    result = run_bot({**GOOD_ENV, "BOT_TOKEN": "oops-SECRET", "WEB_PORT": "eighty"}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "configuration error:", result.stderr
    assert [line.split(":", 1)[0] for line in lines[1:]] == ["  BOT_TOKEN", "  WEB_PORT"], result.stderr
    assert "Traceback" not in result.stderr and "SECRET" not in result.stderr
