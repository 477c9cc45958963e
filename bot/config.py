"""Configuration from environment variables (also read from ``.env``), one class per concern.

The variable names are a public contract (see README). ``load_settings`` reads every
concern and turns all problems into one :class:`ConfigError` naming each bad variable.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AnyHttpUrl, BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ConfigError(Exception):
    """Bad configuration; the message has one ``VARIABLE: reason`` line per problem."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class _Env(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)


def _strip_slash(url: AnyHttpUrl) -> str:
    return str(url).rstrip("/")


class TelegramSettings(_Env):
    bot_token: SecretStr = Field(min_length=1, description="Telegram bot token from @BotFather")
    telegram_api_url: AnyHttpUrl = AnyHttpUrl("https://api.telegram.org")
    telegram_mode: Literal["polling", "webhook"] = "polling"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    # Empty: the bot works in any group. Otherwise other groups get a refusal and it leaves.
    allowed_group_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    group_daily_credits: int | None = Field(None, gt=0)  # per group per UTC day; unset: no cap
    # Messages a second the bot sends at most, all chats together: Telegram allows about 30
    # (up to 1000 for a bot with paid broadcasts enabled).
    telegram_rate_limit: float = Field(25.0, gt=0, le=1000)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        bot_id, sep, secret = value.get_secret_value().partition(":")
        if not (sep and bot_id.isdigit() and secret):
            raise ValueError("must look like 123456:ABC... (the token @BotFather gave)")
        return value

    @field_validator("admin_ids", "allowed_group_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("must be comma-separated numeric Telegram ids")
            return frozenset(int(p) for p in parts)
        return value

    @property
    def api_base(self) -> str:
        return _strip_slash(self.telegram_api_url)


class KieSettings(_Env):
    model_config = SettingsConfigDict(env_prefix="KIE_")

    api_key: SecretStr = Field(min_length=1, description="Kie.ai API key")
    api_url: AnyHttpUrl = AnyHttpUrl("https://api.kie.ai")
    upload_url: AnyHttpUrl = AnyHttpUrl("https://kieai.redpandaai.co")
    poll_interval: float = Field(30.0, gt=0, le=3600)
    task_max_age: float = Field(1800.0, gt=0)  # then an unfinished task is failed and refunded
    rate_limit: int = Field(20, gt=0)  # new tasks per rate_period, per Kie account
    rate_period: float = Field(10.0, gt=0)
    webhook_hmac_key: SecretStr | None = None
    low_balance: float = Field(0.0, ge=0)  # Kie credits; below it admins are told once (0: off)
    balance_check_interval: float = Field(600.0, gt=0)  # seconds between Kie balance checks

    @property
    def api_base(self) -> str:
        return _strip_slash(self.api_url)

    @property
    def upload_base(self) -> str:
        return _strip_slash(self.upload_url)


class WebSettings(_Env):
    public_url: AnyHttpUrl = Field(description="public https base URL of this bot's web server")
    web_host: str = "0.0.0.0"
    web_port: int = Field(8080, ge=0, le=65535)

    @property
    def public_base(self) -> str:
        return _strip_slash(self.public_url)


class BillingSettings(_Env):
    starting_credits: int = Field(10, ge=0, le=1_000_000)
    # Credits an inviter earns when someone who joined through their link first pays (0: off).
    referral_bonus: int = Field(10, ge=0, le=1_000_000)
    # Balance every user is topped up to on their first request of a UTC day (0: off).
    free_daily_credits: int = Field(0, ge=0, le=1_000_000)
    catalog_path: Path | None = None


class RequestSettings(_Env):
    # A request priced above this many credits waits for one tap to confirm (0: never asks).
    confirm_above: int = Field(30, ge=0, le=1_000_000)
    # Largest picture a request may start from; the Bot API hands bots files up to 20 MB.
    picture_max_mb: int = Field(10, gt=0, le=20)

    @property
    def picture_limit(self) -> int:
        return self.picture_max_mb * 1024 * 1024


class StorageSettings(_Env):
    database_path: Path = Path("data/bot.sqlite3")


class Settings(BaseModel):
    telegram: TelegramSettings
    kie: KieSettings
    web: WebSettings
    billing: BillingSettings
    requests: RequestSettings
    storage: StorageSettings

    _concerns: ClassVar[dict[str, type[_Env]]] = {
        "telegram": TelegramSettings,
        "kie": KieSettings,
        "web": WebSettings,
        "billing": BillingSettings,
        "requests": RequestSettings,
        "storage": StorageSettings,
    }


def _variable(cls: type[_Env], error: ErrorDetails) -> str:
    prefix = cls.model_config.get("env_prefix", "")
    field = str(error["loc"][0]) if error["loc"] else "?"
    return f"{prefix}{field}".upper()


def _problem(cls: type[_Env], error: ErrorDetails) -> str:
    # Only pydantic's ``msg``, never its ``input``: the value may be a secret.
    reason = "required but not set" if error["type"] == "missing" else error["msg"]
    return f"{_variable(cls, error)}: {reason}"


def required_variables() -> dict[str, str]:
    """The variables that have no default (name → short meaning), in concern and field order."""
    return {
        f"{cls.model_config.get('env_prefix', '')}{name}".upper(): field.description or ""
        for cls in Settings._concerns.values()
        for name, field in cls.model_fields.items()
        if field.is_required()
    }


def load_settings(**env_file: Any) -> Settings:
    """Read every concern; raise one ConfigError naming every bad variable.

    Problems are listed in concern order (telegram, kie, web, billing, requests, storage), then
    in field declaration order, one ``VARIABLE: reason`` line each.
    """
    loaded: dict[str, _Env] = {}
    problems: list[str] = []
    for name, cls in Settings._concerns.items():
        try:
            loaded[name] = cls(**env_file)
        except ValidationError as exc:
            for error in exc.errors(include_input=False, include_url=False):
                problem = _problem(cls, error)
                if problem not in problems:
                    problems.append(problem)
    if problems:
        raise ConfigError(problems)
    return Settings.model_validate(loaded)
