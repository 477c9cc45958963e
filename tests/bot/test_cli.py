"""``python -m bot --help`` / ``--version`` print and exit with no side effects; no settings exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import _version


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the bot with an empty environment except PATH and HOME, so nothing can be configured."""
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def assert_untouched(cwd: Path) -> None:
    """No data folder, database file or anything else appeared in the working directory."""
    assert not (cwd / "data").exists()
    assert list(cwd.iterdir()) == [], list(cwd.iterdir())


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_prints_and_exits_0_without_side_effects(tmp_path, flag):
    result = run_cli(flag, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("usage: kie-bot")
    for variable in ("BOT_TOKEN", "KIE_API_KEY", "PUBLIC_URL"):
        assert variable in result.stdout
    assert "README" in result.stdout
    assert_untouched(tmp_path)


def test_version_prints_and_exits_0_without_side_effects(tmp_path):
    result = run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == f"kie-bot {_version()}\n"
    assert result.stdout.startswith("kie-bot 0.") or "unknown" in result.stdout
    assert_untouched(tmp_path)


def test_unknown_argument_is_a_usage_error(tmp_path):
    result = run_cli("--bogus", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("usage: kie-bot")
    assert "unrecognized arguments: --bogus" in result.stderr
    assert_untouched(tmp_path)


def test_no_configuration_exits_2_naming_every_required_variable(tmp_path):
    result = run_cli(cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "configuration error:",
        "  BOT_TOKEN: required but not set",
        "  KIE_API_KEY: required but not set",
        "  PUBLIC_URL: required but not set",
    ], result.stderr
    assert "Traceback" not in result.stderr
    assert_untouched(tmp_path)


def test_version_falls_back_when_not_installed(monkeypatch):
    import importlib.metadata

    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert _version().startswith("unknown")
