"""The operator's files stay true to the code: .env.example lists every variable with its
real default, and docker-compose.yml keeps the database in the volume."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$")
REQUIRED = {
    "BOT_TOKEN": "123456:ABCdef",
    "KIE_API_KEY": "kie-key",
    "PUBLIC_URL": "https://bot.example.com",
}


def example_lines() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text("utf-8").splitlines():
        match = LINE.match(line)
        if match:
            assert match.group(1) not in found, f"{match.group(1)} is listed twice"
            found[match.group(1)] = match.group(2)
    return found


def all_variables() -> set[str]:
    return {
        f"{cls.model_config.get('env_prefix', '')}{name}".upper()
        for cls in Settings._concerns.values()
        for name in cls.model_fields
    }


def test_env_example_lists_every_variable() -> None:
    assert set(example_lines()) == all_variables()


def test_env_example_defaults_are_the_real_ones(tmp_path: Path) -> None:
    """Uncommenting every line of .env.example (required ones filled) changes nothing."""
    required_only = tmp_path / "required.env"
    required_only.write_text("".join(f"{k}={v}\n" for k, v in REQUIRED.items()))
    everything = tmp_path / "everything.env"
    everything.write_text("".join(f"{k}={REQUIRED.get(k, v)}\n" for k, v in example_lines().items()))
    assert load_settings(_env_file=everything) == load_settings(_env_file=required_only)


def test_compose_keeps_the_database_in_the_volume_and_restarts() -> None:
    compose = (ROOT / "docker-compose.yml").read_text("utf-8")
    assert "DATABASE_PATH: /data/bot.sqlite3" in compose
    assert "- kie-bot-data:/data" in compose
    assert "restart: unless-stopped" in compose
    assert "healthcheck:" in compose and "/healthz" in compose
