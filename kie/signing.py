"""Kie webhook signatures (opt-in in the Kie dashboard, reference §2).

``X-Webhook-Signature = base64(HMAC-SHA256(webhookHmacKey, f"{taskId}.{timestamp}"))`` with
``X-Webhook-Timestamp`` in Unix seconds. Only the task id and timestamp are signed, not the
body, so a replay window is the only protection against re-sending a captured request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

TIMESTAMP_HEADER = "X-Webhook-Timestamp"
SIGNATURE_HEADER = "X-Webhook-Signature"

_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def _sign(key: str, task_id: str, timestamp: str) -> str:
    message = f"{task_id}.{timestamp}".encode()
    digest = hmac.new(key.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_callback(key: str, task_id: str, timestamp: int) -> str:
    return _sign(key, task_id, str(timestamp))


def verify_callback_signature(
    key: str,
    task_id: str,
    timestamp: str | None,
    signature: str | None,
    *,
    now: float | None = None,
    max_age: float = 300,
) -> bool:
    """True only for a correct signature whose timestamp is within ``max_age`` seconds of
    ``now`` in either direction (a future timestamp is as suspicious as a stale one)."""
    if not key or not task_id or timestamp is None or signature is None:
        return False
    timestamp = timestamp.strip()
    if not _TIMESTAMP.fullmatch(timestamp):
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > max_age:
        return False
    # Sign the header text as received: Kie signed that string, not a re-formatted number.
    expected = _sign(key, task_id, timestamp)
    # Compare bytes: compare_digest on str rejects non-ASCII input with TypeError, and
    # header bytes that are not UTF-8 arrive as surrogates (aiohttp's surrogateescape).
    received = signature.strip().encode("utf-8", errors="surrogateescape")
    return hmac.compare_digest(expected.encode("ascii"), received)
