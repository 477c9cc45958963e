"""Webhook signatures: base64(HMAC-SHA256(key, f"{taskId}.{timestamp}")), reference §2."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from kie import sign_callback, verify_callback_signature

KEY = "whk_test_secret"
TASK = "ee9c2715375b7837f8bb51d641ff5863"
TS = 1769670760  # the docs example's X-Webhook-Timestamp


def independent_signature(key: str, task_id: str, timestamp: str) -> str:
    mac = hmac.new(key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def test_signature_has_the_docs_format() -> None:
    signature = sign_callback(KEY, TASK, TS)

    # Like the docs example "KxDlpbbq0GDOKqm0+FuJpJWTzY8baHSjhEt4kwElqQI=": base64 of 32 bytes.
    assert len(signature) == 44 and signature.endswith("=")
    assert len(base64.b64decode(signature, validate=True)) == 32
    assert signature == independent_signature(KEY, TASK, str(TS))


def test_known_answer() -> None:
    # Fixed vector, computed once with Python's hmac: guards against accidental format changes
    # (hex digest, different separator, swapped key/message).
    assert sign_callback("key", "task", 1) == "LMBUAk8u/mMFI/cDDmS3WVHWBYJCmzgpv7yI/ft6nzE="


def test_valid_signature() -> None:
    signature = sign_callback(KEY, TASK, TS)
    assert verify_callback_signature(KEY, TASK, str(TS), signature, now=TS + 10)


@pytest.mark.parametrize(
    "signature",
    [
        "KxDlpbbq0GDOKqm0+FuJpJWTzY8baHSjhEt4kwElqQI=",  # docs example: another key
        "",
        "not base64 at all",
        "sïgnätüre",  # non-ASCII must not raise TypeError in compare_digest
        # The hex digest some open-source helpers use instead of base64.
        hmac.new(KEY.encode(), f"{TASK}.{TS}".encode(), hashlib.sha256).hexdigest(),
    ],
)
def test_wrong_signature(signature: str) -> None:
    assert not verify_callback_signature(KEY, TASK, str(TS), signature, now=TS)


def test_wrong_key_or_task_with_genuine_signature() -> None:
    good = sign_callback(KEY, TASK, TS)
    assert not verify_callback_signature("other-key", TASK, str(TS), good, now=TS)
    assert not verify_callback_signature(KEY, "another_task", str(TS), good, now=TS)
    assert not verify_callback_signature(KEY, TASK, str(TS + 1), good, now=TS)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (0, True),
        (300, True),
        (-300, True),
        (301, False),
        (-301, False),
        (86_400, False),
        (-86_400, False),
    ],
)
def test_replay_window_both_directions(offset: int, expected: bool) -> None:
    signature = sign_callback(KEY, TASK, TS)
    # offset > 0: the request is stale; offset < 0: its timestamp is in the future.
    assert verify_callback_signature(KEY, TASK, str(TS), signature, now=TS + offset) is expected


def test_custom_max_age() -> None:
    signature = sign_callback(KEY, TASK, TS)
    assert not verify_callback_signature(KEY, TASK, str(TS), signature, now=TS + 31, max_age=30)
    assert verify_callback_signature(KEY, TASK, str(TS), signature, now=TS + 29, max_age=30)


def test_default_now_is_wall_clock() -> None:
    import time

    now = int(time.time())
    assert verify_callback_signature(KEY, TASK, str(now), sign_callback(KEY, TASK, now))
    assert not verify_callback_signature(KEY, TASK, str(TS), sign_callback(KEY, TASK, TS))


@pytest.mark.parametrize(
    "timestamp",
    [None, "", "abc", "1769670760.5", "-1769670760", "1e9", "0x1A", "١٧٦٩٦٧٠٧٦٠", "9" * 40],
)
def test_non_numeric_or_absurd_timestamp(timestamp: str | None) -> None:
    signature = independent_signature(KEY, TASK, timestamp or "")
    assert not verify_callback_signature(KEY, TASK, timestamp, signature, now=TS)


def test_missing_signature_or_key() -> None:
    signature = sign_callback(KEY, TASK, TS)
    assert not verify_callback_signature(KEY, TASK, str(TS), None, now=TS)
    # An unset key must never make every request "valid".
    assert not verify_callback_signature("", TASK, str(TS), sign_callback("", TASK, TS), now=TS)
    assert not verify_callback_signature(KEY, "", str(TS), signature, now=TS)


def test_timestamp_is_signed_as_received() -> None:
    # Kie signs the header text; a zero-padded timestamp must be verified as sent.
    padded = f"0{TS}"
    signature = independent_signature(KEY, TASK, padded)
    assert verify_callback_signature(KEY, TASK, padded, signature, now=TS)
    assert not verify_callback_signature(KEY, TASK, str(TS), signature, now=TS)


def test_signature_header_that_was_not_utf8_is_refused_not_an_error() -> None:
    # aiohttp hands undecodable header bytes over as surrogates.
    mangled = b"\xff\xfe".decode("utf-8", errors="surrogateescape") + sign_callback("k", "t1", 1000)
    assert not verify_callback_signature("k", "t1", "1000", mangled, now=1000)
